import { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotentRejections1795255955512 implements MigrationInterface {
    name = 'IdempotentRejections1795255955512'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "share_transfers"
            ADD "status" character varying(16) NOT NULL DEFAULT 'done'
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers"
            ADD "error_code" character varying(32)
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers"
            ADD "error_message" text
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions"
            ADD "status" character varying(16) NOT NULL DEFAULT 'posted'
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions"
            ADD "error_code" character varying(32)
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions"
            ADD "error_message" text
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions" DROP COLUMN "error_message"
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions" DROP COLUMN "error_code"
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_transactions" DROP COLUMN "status"
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers" DROP COLUMN "error_message"
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers" DROP COLUMN "error_code"
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers" DROP COLUMN "status"
        `);
    }

}
