import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The operator's buy-out: an agreement per asset (at most one active or paused), the owners'
 * offers, each quarter's step (once per agreement and quarter) with its lines per seller, the
 * remaining claim per seller, and the pause/resume/end changes with who and why.
 */
export class Buyouts1796120000000 implements MigrationInterface {
    name = 'Buyouts1796120000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "buyout_agreements" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "operator_member_id" uuid NOT NULL,
                "target_parts" bigint NOT NULL,
                "price_per_part" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "funding" character varying(16) NOT NULL,
                "fixed_amount" bigint,
                "source" character varying(16) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "first_quarter" character varying(7) NOT NULL,
                "last_quarter" character varying(7),
                "parts_bought" bigint NOT NULL DEFAULT 0,
                "amount_paid" bigint NOT NULL DEFAULT 0,
                "step_count" integer NOT NULL DEFAULT 0,
                "idempotency_key" character varying(255),
                "request_hash" character(64) NOT NULL,
                "recorded_by" character varying(200) NOT NULL,
                "note" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "closed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_buyout_agreements_status" CHECK ("status" IN ('active', 'paused', 'completed', 'ended')),
                CONSTRAINT "ck_buyout_agreements_funding" CHECK ("funding" IN ('output-bonus', 'fixed')),
                CONSTRAINT "ck_buyout_agreements_fixed" CHECK (("funding" = 'fixed') = ("fixed_amount" IS NOT NULL) AND ("fixed_amount" IS NULL OR "fixed_amount" > 0)),
                CONSTRAINT "ck_buyout_agreements_source" CHECK ("source" IN ('pro-rata', 'offered')),
                CONSTRAINT "ck_buyout_agreements_price" CHECK ("price_per_part" > 0),
                CONSTRAINT "ck_buyout_agreements_target" CHECK ("target_parts" > 0),
                CONSTRAINT "ck_buyout_agreements_bought" CHECK ("parts_bought" >= 0 AND "amount_paid" >= 0),
                CONSTRAINT "fk_buyout_agreements_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_buyout_agreements_operator" FOREIGN KEY ("operator_member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "PK_buyout_agreements" PRIMARY KEY ("id")
            )
        `);
        // One running agreement per asset: a second is a 409 (the index decides a race).
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_buyout_agreements_running" ON "buyout_agreements" ("asset_id") WHERE "status" IN ('active', 'paused')`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_buyout_agreements_key" ON "buyout_agreements" ("asset_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "ix_buyout_agreements_operator" ON "buyout_agreements" ("operator_member_id")`);
        await queryRunner.query(`
            CREATE TABLE "buyout_offers" (
                "agreement_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "seq" integer NOT NULL,
                "parts_offered" bigint NOT NULL,
                "parts_left" bigint NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_buyout_offers_parts" CHECK ("parts_offered" > 0 AND "parts_left" >= 0 AND "parts_left" <= "parts_offered"),
                CONSTRAINT "fk_buyout_offers_agreement" FOREIGN KEY ("agreement_id") REFERENCES "buyout_agreements"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_buyout_offers_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "PK_buyout_offers" PRIMARY KEY ("agreement_id", "member_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "buyout_steps" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "agreement_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "money" bigint NOT NULL,
                "parts" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "unspent" bigint NOT NULL,
                "operator_parts_after" bigint NOT NULL,
                "completed" boolean NOT NULL,
                "note" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_buyout_steps_quarter" UNIQUE ("agreement_id", "quarter"),
                CONSTRAINT "ck_buyout_steps_money" CHECK ("money" >= 0 AND "parts" >= 0 AND "amount" >= 0 AND "unspent" >= 0 AND "amount" + "unspent" = "money"),
                CONSTRAINT "fk_buyout_steps_agreement" FOREIGN KEY ("agreement_id") REFERENCES "buyout_agreements"("id") ON DELETE CASCADE,
                CONSTRAINT "PK_buyout_steps" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "buyout_step_lines" (
                "step_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "ledger_transaction_id" uuid,
                CONSTRAINT "ck_buyout_step_lines_parts" CHECK ("parts" > 0 AND "amount" >= 0),
                CONSTRAINT "fk_buyout_step_lines_step" FOREIGN KEY ("step_id") REFERENCES "buyout_steps"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_buyout_step_lines_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "PK_buyout_step_lines" PRIMARY KEY ("step_id", "member_id")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_buyout_step_lines_member" ON "buyout_step_lines" ("member_id")`);
        await queryRunner.query(`
            CREATE TABLE "buyout_claims" (
                "agreement_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_buyout_claims_parts" CHECK ("parts" > 0 AND "amount" > 0),
                CONSTRAINT "fk_buyout_claims_agreement" FOREIGN KEY ("agreement_id") REFERENCES "buyout_agreements"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_buyout_claims_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "PK_buyout_claims" PRIMARY KEY ("agreement_id", "member_id")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_buyout_claims_member" ON "buyout_claims" ("member_id")`);
        await queryRunner.query(`
            CREATE TABLE "buyout_changes" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "agreement_id" uuid NOT NULL,
                "change_id" character varying(255) NOT NULL,
                "action" character varying(8) NOT NULL,
                "by" character varying(200) NOT NULL,
                "reason" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_buyout_changes_change" UNIQUE ("agreement_id", "change_id"),
                CONSTRAINT "ck_buyout_changes_action" CHECK ("action" IN ('pause', 'resume', 'end')),
                CONSTRAINT "fk_buyout_changes_agreement" FOREIGN KEY ("agreement_id") REFERENCES "buyout_agreements"("id") ON DELETE CASCADE,
                CONSTRAINT "PK_buyout_changes" PRIMARY KEY ("id")
            )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "buyout_changes"`);
        await queryRunner.query(`DROP TABLE "buyout_claims"`);
        await queryRunner.query(`DROP TABLE "buyout_step_lines"`);
        await queryRunner.query(`DROP TABLE "buyout_steps"`);
        await queryRunner.query(`DROP TABLE "buyout_offers"`);
        await queryRunner.query(`DROP TABLE "buyout_agreements"`);
    }
}
