import { MigrationInterface, QueryRunner } from "typeorm";

export class CrowdRounds1796024787370 implements MigrationInterface {
    name = 'CrowdRounds1796024787370'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_accounts_owner_kind_currency"
        `);
        await queryRunner.query(`
            CREATE TABLE "funding_round_tallies" (
                "round_id" uuid NOT NULL,
                "shard" smallint NOT NULL,
                "total" bigint NOT NULL DEFAULT '0',
                "backers" integer NOT NULL DEFAULT '0',
                CONSTRAINT "PK_76a775413f5620629472e710661" PRIMARY KEY ("round_id", "shard")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds"
            ADD "pledge_mode" character varying(16) NOT NULL DEFAULT 'workflow'
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds"
            ADD "record_seq" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "seq" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "hold_account_id" uuid
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "captured_amount" bigint NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "captured_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "returned_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_accounts"
            ADD "scope_id" uuid
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_ledger_accounts_scope" ON "ledger_accounts" ("scope_id")
        `);
        // Hand-written (TypeORM cannot express NULLS NOT DISTINCT): one account per kind, owner,
        // currency and scope, where "no scope" counts as one value.
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_accounts_owner_kind_currency_scope"
                ON "ledger_accounts" ("kind", "owner_id", "currency", "scope_id") NULLS NOT DISTINCT
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_round_tallies"
            ADD CONSTRAINT "fk_funding_round_tallies_round" FOREIGN KEY ("round_id") REFERENCES "funding_rounds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "funding_round_tallies" DROP CONSTRAINT "fk_funding_round_tallies_round"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_accounts_owner_kind_currency_scope"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_ledger_accounts_scope"
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_accounts" DROP COLUMN "scope_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "updated_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "returned_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "captured_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "captured_amount"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "hold_account_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP COLUMN "seq"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds" DROP COLUMN "record_seq"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds" DROP COLUMN "pledge_mode"
        `);
        await queryRunner.query(`
            DROP TABLE "funding_round_tallies"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_accounts_owner_kind_currency" ON "ledger_accounts" USING btree ("currency", "kind", "owner_id")
        `);
    }

}
