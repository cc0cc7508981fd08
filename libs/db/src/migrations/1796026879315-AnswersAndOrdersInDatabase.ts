import { MigrationInterface, QueryRunner } from "typeorm";

export class AnswersAndOrdersInDatabase1796026879315 implements MigrationInterface {
    name = 'AnswersAndOrdersInDatabase1796026879315'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "output_orders" (
                "asset_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "member_id" uuid NOT NULL,
                "weight" bigint NOT NULL,
                "lines" jsonb,
                "standing" boolean NOT NULL DEFAULT false,
                "placed_at" TIMESTAMP WITH TIME ZONE,
                "carried" jsonb,
                CONSTRAINT "PK_c9beb955b782d0435422a5eb14a" PRIMARY KEY ("asset_id", "quarter", "member_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_output_orders_member" ON "output_orders" ("asset_id", "member_id", "quarter")
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions"
            ADD "answers_in" character varying(16) NOT NULL DEFAULT 'workflow'
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions"
            ADD "audience" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions"
            ADD "asked" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions"
            ADD "answered" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions"
            ADD "tally" jsonb NOT NULL DEFAULT '{}'
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans"
            ADD "orders_in" character varying(16) NOT NULL DEFAULT 'workflow'
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans"
            ADD "catalogue" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans"
            ADD "capacity" integer
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans"
            ADD "time_zone" character varying(64)
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans"
            ADD "node_id" uuid
        `);
        await queryRunner.query(`
            ALTER TABLE "output_orders"
            ADD CONSTRAINT "fk_output_orders_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "output_orders" DROP CONSTRAINT "fk_output_orders_member"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans" DROP COLUMN "node_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans" DROP COLUMN "time_zone"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans" DROP COLUMN "capacity"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans" DROP COLUMN "catalogue"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_plans" DROP COLUMN "orders_in"
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions" DROP COLUMN "tally"
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions" DROP COLUMN "answered"
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions" DROP COLUMN "asked"
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions" DROP COLUMN "audience"
        `);
        await queryRunner.query(`
            ALTER TABLE "decisions" DROP COLUMN "answers_in"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_output_orders_member"
        `);
        await queryRunner.query(`
            DROP TABLE "output_orders"
        `);
    }

}
