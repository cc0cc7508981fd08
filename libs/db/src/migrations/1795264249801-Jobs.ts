import { MigrationInterface, QueryRunner } from "typeorm";

export class Jobs1795264249801 implements MigrationInterface {
    name = 'Jobs1795264249801'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "jobs" (
                "id" uuid NOT NULL,
                "workflow_id" character varying(100) NOT NULL,
                "capability" character varying(64) NOT NULL,
                "quantity" integer NOT NULL,
                "unit" character varying(32) NOT NULL,
                "spec_url" text NOT NULL,
                "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recipient_type" character varying(8) NOT NULL,
                "recipient_id" uuid NOT NULL,
                "demand_type" character varying(16) NOT NULL,
                "demand_id" uuid NOT NULL,
                "parent_job_id" uuid,
                "status" character varying(24) NOT NULL,
                "node_id" uuid,
                "offers" jsonb NOT NULL DEFAULT '[]',
                "runs" jsonb NOT NULL DEFAULT '[]',
                "progress" jsonb,
                "first_offered_at" TIMESTAMP WITH TIME ZONE,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "confirmed_at" TIMESTAMP WITH TIME ZONE,
                "record_seq" integer NOT NULL DEFAULT '0',
                "created_by" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "UQ_40cd96e2a34700851d7b31f068b" UNIQUE ("workflow_id"),
                CONSTRAINT "PK_cf0a6c42b72fcc7f7c237def345" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_jobs_status" ON "jobs" ("status")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_jobs_node" ON "jobs" ("node_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_jobs_demand" ON "jobs" ("demand_type", "demand_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "node_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "node_id" uuid NOT NULL,
                "name" character varying(100) NOT NULL,
                "token_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_593b6e44e710bd542910aef85bb" UNIQUE ("token_hash"),
                CONSTRAINT "PK_a6c1dd39d955ba67a8ecacd2fde" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_node_tokens_node" ON "node_tokens" ("node_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD "wip_limit" integer NOT NULL DEFAULT '2'
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD "expired_offers_in_row" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD "last_expired_offer_id" character varying(100)
        `);
        await queryRunner.query(`
            ALTER TABLE "node_tokens"
            ADD CONSTRAINT "fk_node_tokens_node" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "node_tokens" DROP CONSTRAINT "fk_node_tokens_node"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP COLUMN "last_expired_offer_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP COLUMN "expired_offers_in_row"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP COLUMN "wip_limit"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_node_tokens_node"
        `);
        await queryRunner.query(`
            DROP TABLE "node_tokens"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_jobs_demand"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_jobs_node"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_jobs_status"
        `);
        await queryRunner.query(`
            DROP TABLE "jobs"
        `);
    }

}
