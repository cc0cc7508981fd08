import { MigrationInterface, QueryRunner } from "typeorm";

/** Paid work: a job's price, its ceiling for counter-offers, who pays, and where its money is. */
export class PricedJobs1796030000000 implements MigrationInterface {
    name = 'PricedJobs1796030000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD "price_amount" bigint,
            ADD "price_currency" character(3),
            ADD "price_ceiling" bigint,
            ADD "payer_account_id" uuid,
            ADD "pay_progress_on_cancel" boolean NOT NULL DEFAULT false,
            ADD "payment" character varying(16),
            ADD "paid_amount" bigint
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD CONSTRAINT "ck_jobs_price" CHECK ("price_amount" IS NULL OR ("price_amount" >= 0 AND "price_currency" IS NOT NULL AND "payer_account_id" IS NOT NULL))
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "jobs" DROP CONSTRAINT "ck_jobs_price"`);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            DROP COLUMN "paid_amount", DROP COLUMN "payment", DROP COLUMN "pay_progress_on_cancel",
            DROP COLUMN "payer_account_id", DROP COLUMN "price_ceiling", DROP COLUMN "price_currency", DROP COLUMN "price_amount"
        `);
    }
}
