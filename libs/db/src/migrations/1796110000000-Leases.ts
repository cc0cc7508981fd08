import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Leases of output rights: `leases` (who lets whom receive the output of how many parts, from
 * which quarter, at what price, paid how), one `lease_quarters` row per quarter in force (its
 * amount and whether it was paid), and `lease_requests` (a renewal or an early end one side asks
 * and the other answers).
 */
export class Leases1796110000000 implements MigrationInterface {
    name = 'Leases1796110000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "leases" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "lessor_member_id" uuid NOT NULL,
                "lessee_member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "first_quarter" character varying(7) NOT NULL,
                "quarters" integer NOT NULL,
                "price" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "payment" character varying(16) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'proposed',
                "proposed_by" uuid NOT NULL,
                "ledger_transaction_id" uuid,
                "ended_early_from" character varying(7),
                "idempotency_key" character varying(200),
                "request_hash" character varying(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "decided_at" TIMESTAMP WITH TIME ZONE,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_leases_parts" CHECK ("parts" > 0),
                CONSTRAINT "ck_leases_quarters" CHECK ("quarters" > 0),
                CONSTRAINT "ck_leases_price" CHECK ("price" >= 0),
                CONSTRAINT "ck_leases_parties" CHECK ("lessor_member_id" <> "lessee_member_id"),
                CONSTRAINT "ck_leases_payment" CHECK ("payment" IN ('upfront', 'quarterly')),
                CONSTRAINT "ck_leases_status" CHECK ("status" IN ('proposed', 'declined', 'active', 'ended')),
                CONSTRAINT "PK_leases" PRIMARY KEY ("id"),
                CONSTRAINT "fk_leases_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_leases_lessor" FOREIGN KEY ("lessor_member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_leases_lessee" FOREIGN KEY ("lessee_member_id") REFERENCES "members"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_leases_asset" ON "leases" ("asset_id", "status")`);
        await queryRunner.query(`CREATE INDEX "ix_leases_lessor" ON "leases" ("lessor_member_id")`);
        // A proposal sent again with its Idempotency-Key is the same proposal.
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_leases_key" ON "leases" ("lessor_member_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "ix_leases_lessee" ON "leases" ("lessee_member_id")`);
        await queryRunner.query(`
            CREATE TABLE "lease_quarters" (
                "lease_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "asset_id" uuid NOT NULL,
                "amount" bigint NOT NULL,
                "status" character varying(16) NOT NULL,
                "ledger_transaction_id" uuid,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_lease_quarters_amount" CHECK ("amount" >= 0),
                CONSTRAINT "ck_lease_quarters_status" CHECK ("status" IN ('prepaid', 'due', 'paid', 'unpaid', 'cancelled')),
                CONSTRAINT "PK_lease_quarters" PRIMARY KEY ("lease_id", "quarter"),
                CONSTRAINT "fk_lease_quarters_lease" FOREIGN KEY ("lease_id") REFERENCES "leases"("id") ON DELETE CASCADE
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_lease_quarters_asset" ON "lease_quarters" ("asset_id", "quarter")`);
        await queryRunner.query(`
            CREATE TABLE "lease_requests" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "lease_id" uuid NOT NULL,
                "kind" character varying(8) NOT NULL,
                "requested_by" uuid NOT NULL,
                "quarters" integer,
                "price" bigint,
                "status" character varying(16) NOT NULL DEFAULT 'open',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "decided_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_lease_requests_kind" CHECK ("kind" IN ('renew', 'end')),
                CONSTRAINT "ck_lease_requests_status" CHECK ("status" IN ('open', 'accepted', 'declined')),
                CONSTRAINT "ck_lease_requests_renewal" CHECK ("kind" <> 'renew' OR ("quarters" > 0 AND "price" >= 0)),
                CONSTRAINT "PK_lease_requests" PRIMARY KEY ("id"),
                CONSTRAINT "fk_lease_requests_lease" FOREIGN KEY ("lease_id") REFERENCES "leases"("id") ON DELETE CASCADE
            )
        `);
        // One open request per lease at a time.
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_lease_requests_open" ON "lease_requests" ("lease_id") WHERE "status" = 'open'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "lease_requests"`);
        await queryRunner.query(`DROP TABLE "lease_quarters"`);
        await queryRunner.query(`DROP TABLE "leases"`);
    }

}
