import { MigrationInterface, QueryRunner } from "typeorm";

/** Jobs paid in output: a credit of so many units of an asset's output in a future quarter. */
export class OutputCredits1796090000000 implements MigrationInterface {
    name = 'OutputCredits1796090000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "output_credits" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "job_id" uuid NOT NULL,
                "asset_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "product_id" character varying(64) NOT NULL,
                "units" integer NOT NULL,
                "holder_member_id" uuid,
                "status" character varying(16) NOT NULL DEFAULT 'promised',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_output_credits_job" UNIQUE ("job_id"),
                CONSTRAINT "ck_output_credits_holder" CHECK (
                    "status" <> 'granted'
                    OR "holder_member_id" IS NOT NULL
                ),
                CONSTRAINT "ck_output_credits_status" CHECK ("status" IN ('promised', 'granted', 'cancelled')),
                CONSTRAINT "ck_output_credits_units" CHECK ("units" > 0),
                CONSTRAINT "PK_output_credits" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_output_credits_holder" ON "output_credits" ("holder_member_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_output_credits_asset_quarter" ON "output_credits" ("asset_id", "quarter")
        `);
        await queryRunner.query(`
            ALTER TABLE "output_credits"
            ADD CONSTRAINT "fk_output_credits_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "output_credits"
            ADD CONSTRAINT "fk_output_credits_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "output_credits"
            ADD CONSTRAINT "fk_output_credits_holder" FOREIGN KEY ("holder_member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "output_credits" DROP CONSTRAINT "fk_output_credits_holder"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_credits" DROP CONSTRAINT "fk_output_credits_asset"
        `);
        await queryRunner.query(`
            ALTER TABLE "output_credits" DROP CONSTRAINT "fk_output_credits_job"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_output_credits_asset_quarter"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_output_credits_holder"
        `);
        await queryRunner.query(`
            DROP TABLE "output_credits"
        `);
    }

}
