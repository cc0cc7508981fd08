import { MigrationInterface, QueryRunner } from "typeorm";

/** Output that earns: an asset's sale currency, its sales, and each quarter's income shared among its owners. */
export class AssetIncome1796080000000 implements MigrationInterface {
    name = 'AssetIncome1796080000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "assets" ADD "sale_currency" character(3)`);
        await queryRunner.query(`
            CREATE TABLE "asset_sales" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "idempotency_key" character varying(255) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "product_id" character varying(64) NOT NULL,
                "quantity" integer NOT NULL,
                "unit_price" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "buyer_member_id" uuid,
                "buyer_name" character varying(200),
                "recorded_by" character varying(64) NOT NULL,
                "ledger_transaction_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_asset_sales_key" UNIQUE ("asset_id", "idempotency_key"),
                CONSTRAINT "ck_asset_sales_figures" CHECK ("quantity" > 0 AND "unit_price" > 0 AND "amount" > 0),
                CONSTRAINT "PK_asset_sales" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_asset_sales_asset_quarter" ON "asset_sales" ("asset_id", "quarter")`);
        await queryRunner.query(`
            CREATE TABLE "income_distributions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "asset_id" uuid NOT NULL,
                "quarter" character varying(7) NOT NULL,
                "currency" character(3) NOT NULL,
                "income" bigint NOT NULL,
                "sale_count" integer NOT NULL,
                "rule" character varying(64) NOT NULL,
                "rule_text" text NOT NULL,
                "total_parts" bigint NOT NULL,
                "total_output_parts" bigint NOT NULL,
                "bonus_parts" bigint NOT NULL,
                "ledger_transaction_id" uuid,
                "distributed_by" character varying(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_income_distributions_asset_quarter" UNIQUE ("asset_id", "quarter"),
                CONSTRAINT "PK_income_distributions" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "income_distribution_lines" (
                "distribution_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "parts" bigint NOT NULL,
                "output_parts" bigint NOT NULL,
                "bonus_parts" bigint NOT NULL,
                "amount" bigint NOT NULL,
                "explanation" text NOT NULL,
                CONSTRAINT "PK_income_distribution_lines" PRIMARY KEY ("distribution_id", "member_id")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_income_distribution_lines_member" ON "income_distribution_lines" ("member_id")`);
        await queryRunner.query(`ALTER TABLE "asset_sales" ADD CONSTRAINT "fk_asset_sales_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "asset_sales" ADD CONSTRAINT "fk_asset_sales_buyer" FOREIGN KEY ("buyer_member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "income_distributions" ADD CONSTRAINT "fk_income_distributions_asset" FOREIGN KEY ("asset_id") REFERENCES "assets"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "income_distribution_lines" ADD CONSTRAINT "fk_income_distribution_lines_distribution" FOREIGN KEY ("distribution_id") REFERENCES "income_distributions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "income_distribution_lines" ADD CONSTRAINT "fk_income_distribution_lines_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "income_distribution_lines"`);
        await queryRunner.query(`DROP TABLE "income_distributions"`);
        await queryRunner.query(`DROP TABLE "asset_sales"`);
        await queryRunner.query(`ALTER TABLE "assets" DROP COLUMN "sale_currency"`);
    }
}
