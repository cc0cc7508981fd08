import { MigrationInterface, QueryRunner } from "typeorm";

export class OutputOrders1795265494896 implements MigrationInterface {
    name = 'OutputOrders1795265494896'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "output_plans" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "status" character varying(16) NOT NULL,
                "window_opens_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "window_closes_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "orders" jsonb NOT NULL DEFAULT '[]',
                "orders_seq" integer NOT NULL DEFAULT '0',
                "plan" jsonb,
                "plan_sent_at" TIMESTAMP WITH TIME ZONE,
                "plan_send_result" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_output_plans_asset_quarter" UNIQUE ("asset_id", "quarter"),
                CONSTRAINT "PK_c1313dc2fafcd9f621c9b47f19f" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD "time_zone" character varying(64) NOT NULL DEFAULT 'UTC'
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD "quarterly_capacity" integer
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD "capacity_unit" character varying(32)
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD "output_catalogue" jsonb NOT NULL DEFAULT '[]'
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD "order_window" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD "product_id" character varying(64)
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "jobs" DROP COLUMN "product_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP COLUMN "order_window"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP COLUMN "output_catalogue"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP COLUMN "capacity_unit"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP COLUMN "quarterly_capacity"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP COLUMN "time_zone"
        `);
        await queryRunner.query(`
            DROP TABLE "output_plans"
        `);
    }

}
