import { MigrationInterface, QueryRunner } from "typeorm";

export class Registry1795255602236 implements MigrationInterface {
    name = 'Registry1795255602236'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "locations" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "kind" character varying(32) NOT NULL,
                "address" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_7cc1c9e3853b94816c094825e74" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "members" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "email" character varying(320) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_28b53062261b996d9c99fa12404" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_members_email" ON "members" ("email")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_members_status" ON "members" ("status")
        `);
        await queryRunner.query(`
            CREATE TABLE "nodes" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "owner_member_id" uuid NOT NULL,
                "location_id" uuid,
                "automation_level" character varying(16) NOT NULL,
                "capabilities" jsonb NOT NULL DEFAULT '[]',
                "webhook_url" text NOT NULL,
                "webhook_secret" text NOT NULL,
                "previous_webhook_secret" text,
                "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_682d6427523a0fa43d062ea03ee" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_nodes_owner" ON "nodes" ("owner_member_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_nodes_location" ON "nodes" ("location_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_nodes_automation_level" ON "nodes" ("automation_level")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_nodes_status" ON "nodes" ("status")
        `);
        await queryRunner.query(`
            CREATE TABLE "assets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "kind" character varying(64) NOT NULL,
                "identifier" character varying(100) NOT NULL,
                "node_id" uuid,
                "portable" boolean NOT NULL DEFAULT false,
                "total_parts" bigint NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_assets_total_parts_positive" CHECK ("total_parts" > 0),
                CONSTRAINT "PK_da96729a8b113377cfb6a62439c" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_assets_identifier" ON "assets" ("identifier")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_assets_node" ON "assets" ("node_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "asset_shares" (
                "asset_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "output_parts" bigint NOT NULL,
                CONSTRAINT "ck_asset_shares_non_negative" CHECK (
                    "parts" >= 0
                    AND "output_parts" >= 0
                ),
                CONSTRAINT "PK_58ea9893fda2ce02512c77cfac2" PRIMARY KEY ("asset_id", "member_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "asset_movements" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "asset_id" uuid NOT NULL,
                "location_id" uuid,
                "place" text,
                "moved_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_f99f755a0dd716f1bad3ff2b313" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_asset_movements_asset" ON "asset_movements" ("asset_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "share_transfers" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "idempotency_key" character varying(255) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "asset_id" uuid NOT NULL,
                "from_member_id" uuid NOT NULL,
                "to_member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "output_parts" bigint NOT NULL,
                "price" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "ledger_transaction_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_05e2f57ec9d222294fe2723125b" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_share_transfers_idempotency_key" ON "share_transfers" ("idempotency_key")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_share_transfers_asset" ON "share_transfers" ("asset_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_accounts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "kind" character varying(16) NOT NULL,
                "owner_id" uuid NOT NULL,
                "currency" character(3) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_62b34396dda564757cf123fff0e" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_accounts_owner_kind_currency" ON "ledger_accounts" ("kind", "owner_id", "currency")
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_transactions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "idempotency_key" character varying(300) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "kind" character varying(32) NOT NULL,
                "currency" character(3) NOT NULL,
                "memo" text,
                "external_reference" character varying(200),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_633d103c9e415d615aacf9b1929" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_ledger_transactions_idempotency_key" ON "ledger_transactions" ("idempotency_key")
        `);
        await queryRunner.query(`
            CREATE TABLE "ledger_entries" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "transaction_id" uuid NOT NULL,
                "account_id" uuid NOT NULL,
                "amount" bigint NOT NULL,
                CONSTRAINT "ck_ledger_entries_non_zero" CHECK ("amount" <> 0),
                CONSTRAINT "PK_6efcb84411d3f08b08450ae75d5" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_ledger_entries_transaction" ON "ledger_entries" ("transaction_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_ledger_entries_account" ON "ledger_entries" ("account_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD CONSTRAINT "fk_nodes_owner" FOREIGN KEY ("owner_member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD CONSTRAINT "fk_nodes_location" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "assets"
            ADD CONSTRAINT "fk_assets_node" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_shares"
            ADD CONSTRAINT "fk_asset_shares_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_shares"
            ADD CONSTRAINT "fk_asset_shares_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_movements"
            ADD CONSTRAINT "fk_asset_movements_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_movements"
            ADD CONSTRAINT "fk_asset_movements_location" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers"
            ADD CONSTRAINT "fk_share_transfers_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_entries"
            ADD CONSTRAINT "fk_ledger_entries_transaction" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transactions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_entries"
            ADD CONSTRAINT "fk_ledger_entries_account" FOREIGN KEY ("account_id") REFERENCES "ledger_accounts"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        // Hand-written: capability filters use jsonb containment (capabilities @> '[{"function":"x"}]').
        await queryRunner.query(`CREATE INDEX "ix_nodes_capabilities" ON "nodes" USING gin ("capabilities" jsonb_path_ops)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_nodes_capabilities"`);
        await queryRunner.query(`
            ALTER TABLE "ledger_entries" DROP CONSTRAINT "fk_ledger_entries_account"
        `);
        await queryRunner.query(`
            ALTER TABLE "ledger_entries" DROP CONSTRAINT "fk_ledger_entries_transaction"
        `);
        await queryRunner.query(`
            ALTER TABLE "share_transfers" DROP CONSTRAINT "fk_share_transfers_asset"
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_movements" DROP CONSTRAINT "fk_asset_movements_location"
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_movements" DROP CONSTRAINT "fk_asset_movements_asset"
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_shares" DROP CONSTRAINT "fk_asset_shares_member"
        `);
        await queryRunner.query(`
            ALTER TABLE "asset_shares" DROP CONSTRAINT "fk_asset_shares_asset"
        `);
        await queryRunner.query(`
            ALTER TABLE "assets" DROP CONSTRAINT "fk_assets_node"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP CONSTRAINT "fk_nodes_location"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP CONSTRAINT "fk_nodes_owner"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_ledger_entries_account"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_ledger_entries_transaction"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_entries"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_transactions_idempotency_key"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_transactions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_ledger_accounts_owner_kind_currency"
        `);
        await queryRunner.query(`
            DROP TABLE "ledger_accounts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_share_transfers_asset"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_share_transfers_idempotency_key"
        `);
        await queryRunner.query(`
            DROP TABLE "share_transfers"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_asset_movements_asset"
        `);
        await queryRunner.query(`
            DROP TABLE "asset_movements"
        `);
        await queryRunner.query(`
            DROP TABLE "asset_shares"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_assets_node"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_assets_identifier"
        `);
        await queryRunner.query(`
            DROP TABLE "assets"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_nodes_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_nodes_automation_level"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_nodes_location"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_nodes_owner"
        `);
        await queryRunner.query(`
            DROP TABLE "nodes"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_members_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_members_email"
        `);
        await queryRunner.query(`
            DROP TABLE "members"
        `);
        await queryRunner.query(`
            DROP TABLE "locations"
        `);
    }

}
