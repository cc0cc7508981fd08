import { MigrationInterface, QueryRunner } from "typeorm";

export class FundingRounds1795260591784 implements MigrationInterface {
    name = 'FundingRounds1795260591784'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "funding_rounds" (
                "id" uuid NOT NULL,
                "project_id" uuid NOT NULL,
                "asset_id" uuid,
                "workflow_id" character varying(100) NOT NULL,
                "goal" bigint NOT NULL,
                "currency" character(3) NOT NULL,
                "min_pledge" bigint NOT NULL,
                "deadline" TIMESTAMP WITH TIME ZONE NOT NULL,
                "close_when_goal_met" boolean NOT NULL,
                "payout_approval" character varying(16) NOT NULL,
                "operator" jsonb,
                "documents" jsonb NOT NULL,
                "status" character varying(16) NOT NULL,
                "total" bigint NOT NULL DEFAULT '0',
                "backers" integer NOT NULL DEFAULT '0',
                "reason" text,
                "created_by" character varying(100) NOT NULL,
                "idempotency_key" character varying(255),
                "request_hash" character(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "UQ_7fd722ce732750156eafc813714" UNIQUE ("workflow_id"),
                CONSTRAINT "UQ_f88c3edb30456903c9e4d34f3be" UNIQUE ("idempotency_key"),
                CONSTRAINT "PK_97ceda929557b9a726c83108962" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_funding_rounds_project" ON "funding_rounds" ("project_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_funding_rounds_status" ON "funding_rounds" ("status")
        `);
        await queryRunner.query(`
            CREATE TABLE "funding_pledges" (
                "round_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "amount" bigint NOT NULL,
                CONSTRAINT "PK_a9203ceaa137a2b54538acd8685" PRIMARY KEY ("round_id", "member_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_funding_pledges_member" ON "funding_pledges" ("member_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds"
            ADD CONSTRAINT "fk_funding_rounds_project" FOREIGN KEY ("project_id") REFERENCES "production_projects"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_pledges"
            ADD CONSTRAINT "fk_funding_pledges_round" FOREIGN KEY ("round_id") REFERENCES "funding_rounds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "funding_pledges" DROP CONSTRAINT "fk_funding_pledges_round"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds" DROP CONSTRAINT "fk_funding_rounds_project"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_funding_pledges_member"
        `);
        await queryRunner.query(`
            DROP TABLE "funding_pledges"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_funding_rounds_status"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_funding_rounds_project"
        `);
        await queryRunner.query(`
            DROP TABLE "funding_rounds"
        `);
    }

}
