import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The fraction market: an asset's market settings (currency, right-of-first-refusal window, the
 * operator and the parts they always keep), listings, bids (their money held in a `hold` account
 * scoped to the bid), co-owners' claims in a listing's first-refusal window, and the trades.
 */
export class MarketTables1796100000000 implements MigrationInterface {
    name = 'MarketTables1796100000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "asset_market_settings" (
                "asset_id" uuid NOT NULL,
                "currency" character(3) NOT NULL,
                "rofr_days" integer NOT NULL DEFAULT 0,
                "operator_member_id" uuid,
                "operator_floor_parts" bigint NOT NULL DEFAULT 0,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_asset_market_settings_rofr" CHECK ("rofr_days" >= 0),
                CONSTRAINT "ck_asset_market_settings_floor" CHECK ("operator_floor_parts" >= 0),
                CONSTRAINT "PK_asset_market_settings" PRIMARY KEY ("asset_id"),
                CONSTRAINT "fk_asset_market_settings_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_asset_market_settings_operator" FOREIGN KEY ("operator_member_id") REFERENCES "members"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "market_listings" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "seq" bigint GENERATED ALWAYS AS IDENTITY,
                "asset_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "kind" character varying(8) NOT NULL DEFAULT 'price',
                "parts" bigint NOT NULL,
                "remaining" bigint NOT NULL,
                "price_per_part" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "status" character varying(12) NOT NULL,
                "rofr_ends_at" TIMESTAMP WITH TIME ZONE,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "idempotency_key" character varying(300) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "closed_reason" character varying(32),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_market_listings_key" UNIQUE ("idempotency_key"),
                CONSTRAINT "ck_market_listings_parts" CHECK ("parts" > 0 AND "remaining" >= 0 AND "remaining" <= "parts"),
                CONSTRAINT "ck_market_listings_price" CHECK ("price_per_part" > 0),
                CONSTRAINT "ck_market_listings_kind" CHECK ("kind" IN ('price', 'buyout')),
                CONSTRAINT "ck_market_listings_status" CHECK ("status" IN ('rofr', 'open', 'filled', 'cancelled', 'expired')),
                CONSTRAINT "PK_market_listings" PRIMARY KEY ("id"),
                CONSTRAINT "fk_market_listings_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_listings_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_market_listings_book" ON "market_listings" ("asset_id", "price_per_part", "seq") WHERE "status" IN ('rofr', 'open')`);
        await queryRunner.query(`CREATE INDEX "ix_market_listings_member" ON "market_listings" ("member_id", "seq")`);
        await queryRunner.query(`
            CREATE TABLE "market_bids" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "seq" bigint GENERATED ALWAYS AS IDENTITY,
                "asset_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "remaining" bigint NOT NULL,
                "price_per_part" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "status" character varying(12) NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "hold_account_id" uuid NOT NULL,
                "idempotency_key" character varying(300) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_market_bids_key" UNIQUE ("idempotency_key"),
                CONSTRAINT "ck_market_bids_parts" CHECK ("parts" > 0 AND "remaining" >= 0 AND "remaining" <= "parts"),
                CONSTRAINT "ck_market_bids_price" CHECK ("price_per_part" > 0),
                CONSTRAINT "ck_market_bids_status" CHECK ("status" IN ('open', 'filled', 'cancelled', 'expired')),
                CONSTRAINT "PK_market_bids" PRIMARY KEY ("id"),
                CONSTRAINT "fk_market_bids_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_bids_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_bids_hold" FOREIGN KEY ("hold_account_id") REFERENCES "ledger_accounts"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_market_bids_book" ON "market_bids" ("asset_id", "price_per_part" DESC, "seq") WHERE "status" = 'open'`);
        await queryRunner.query(`CREATE INDEX "ix_market_bids_member" ON "market_bids" ("member_id", "seq")`);
        await queryRunner.query(`
            CREATE TABLE "market_rofr_claims" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "listing_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "requested" bigint NOT NULL,
                "allocated" bigint,
                "price_per_part" bigint NOT NULL,
                "hold_account_id" uuid NOT NULL,
                "status" character varying(12) NOT NULL DEFAULT 'pending',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_market_rofr_claims_member" UNIQUE ("listing_id", "member_id"),
                CONSTRAINT "ck_market_rofr_claims_parts" CHECK ("requested" > 0 AND ("allocated" IS NULL OR ("allocated" >= 0 AND "allocated" <= "requested"))),
                CONSTRAINT "ck_market_rofr_claims_status" CHECK ("status" IN ('pending', 'allocated', 'void')),
                CONSTRAINT "PK_market_rofr_claims" PRIMARY KEY ("id"),
                CONSTRAINT "fk_market_rofr_claims_listing" FOREIGN KEY ("listing_id") REFERENCES "market_listings"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_rofr_claims_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_rofr_claims_hold" FOREIGN KEY ("hold_account_id") REFERENCES "ledger_accounts"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "market_trades" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "listing_id" uuid NOT NULL,
                "bid_id" uuid,
                "claim_id" uuid,
                "seller_member_id" uuid NOT NULL,
                "buyer_member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "output_parts" bigint NOT NULL,
                "price_per_part" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "ledger_transaction_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_market_trades_parts" CHECK ("parts" > 0 AND "price_per_part" > 0 AND "amount" = "parts" * "price_per_part"),
                CONSTRAINT "ck_market_trades_side" CHECK (("bid_id" IS NULL) <> ("claim_id" IS NULL)),
                CONSTRAINT "ck_market_trades_self" CHECK ("seller_member_id" <> "buyer_member_id"),
                CONSTRAINT "PK_market_trades" PRIMARY KEY ("id"),
                CONSTRAINT "fk_market_trades_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_trades_listing" FOREIGN KEY ("listing_id") REFERENCES "market_listings"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_trades_bid" FOREIGN KEY ("bid_id") REFERENCES "market_bids"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_trades_claim" FOREIGN KEY ("claim_id") REFERENCES "market_rofr_claims"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_market_trades_ledger" FOREIGN KEY ("ledger_transaction_id") REFERENCES "ledger_transactions"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_market_trades_asset" ON "market_trades" ("asset_id", "created_at")`);
        await queryRunner.query(`CREATE INDEX "ix_market_trades_seller" ON "market_trades" ("seller_member_id", "created_at")`);
        await queryRunner.query(`CREATE INDEX "ix_market_trades_buyer" ON "market_trades" ("buyer_member_id", "created_at")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "market_trades"`);
        await queryRunner.query(`DROP TABLE "market_rofr_claims"`);
        await queryRunner.query(`DROP TABLE "market_bids"`);
        await queryRunner.query(`DROP TABLE "market_listings"`);
        await queryRunner.query(`DROP TABLE "asset_market_settings"`);
    }

}
