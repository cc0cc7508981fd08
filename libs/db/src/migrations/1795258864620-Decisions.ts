import { MigrationInterface, QueryRunner } from "typeorm";

export class Decisions1795258864620 implements MigrationInterface {
    name = 'Decisions1795258864620'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "decisions" (
                "id" uuid NOT NULL,
                "workflow_id" character varying(100) NOT NULL,
                "kind" character varying(64) NOT NULL,
                "subject_type" character varying(32) NOT NULL,
                "subject_id" uuid NOT NULL,
                "title" character varying(300) NOT NULL,
                "question" text NOT NULL,
                "context" jsonb NOT NULL,
                "options" jsonb NOT NULL,
                "rule" jsonb NOT NULL,
                "fallback_option_id" character varying(64),
                "deadline" TIMESTAMP WITH TIME ZONE NOT NULL,
                "status" character varying(16) NOT NULL,
                "outcome" jsonb,
                "requested_by" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "closed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_cef297ca5b796306e4f848b5fc3" UNIQUE ("workflow_id"),
                CONSTRAINT "PK_48eee6fa229cd5e43648f6a2ec3" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_decisions_status" ON "decisions" ("status")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_decisions_subject" ON "decisions" ("subject_type", "subject_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "decision_voters" (
                "decision_id" uuid NOT NULL,
                "member_id" uuid NOT NULL,
                "option_id" character varying(64),
                "comment" text,
                "via" character varying(8),
                "answered_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_e2fb8b23a3706c4a5cede4d8844" PRIMARY KEY ("decision_id", "member_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_decision_voters_member" ON "decision_voters" ("member_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "mail_outbox" (
                "key" character varying(200) NOT NULL,
                "recipient" character varying(320) NOT NULL,
                "subject" character varying(300) NOT NULL,
                "status" character varying(16) NOT NULL,
                "message_id" character varying(200) NOT NULL,
                "attempts" integer NOT NULL DEFAULT '0',
                "claimed_at" TIMESTAMP WITH TIME ZONE,
                "smtp_response" text,
                "last_error" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "sent_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_ee7ac3cbae441904e14b339104f" PRIMARY KEY ("key")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "member_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "member_id" uuid NOT NULL,
                "name" character varying(100) NOT NULL,
                "token_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_8fbe5ddd08ebdff532207b48bf9" UNIQUE ("token_hash"),
                CONSTRAINT "PK_32cd9000ff20e0ad6168ca09ea2" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_member_tokens_member" ON "member_tokens" ("member_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "production_projects"
            ADD "gate" jsonb NOT NULL DEFAULT '{"mode":"coordinator"}'
        `);
        await queryRunner.query(`
            ALTER TABLE "decision_voters"
            ADD CONSTRAINT "fk_decision_voters_decision" FOREIGN KEY ("decision_id") REFERENCES "decisions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "decision_voters"
            ADD CONSTRAINT "fk_decision_voters_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "member_tokens"
            ADD CONSTRAINT "fk_member_tokens_member" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "member_tokens" DROP CONSTRAINT "fk_member_tokens_member"
        `);
        await queryRunner.query(`
            ALTER TABLE "decision_voters" DROP CONSTRAINT "fk_decision_voters_member"
        `);
        await queryRunner.query(`
            ALTER TABLE "decision_voters" DROP CONSTRAINT "fk_decision_voters_decision"
        `);
        await queryRunner.query(`
            ALTER TABLE "production_projects" DROP COLUMN "gate"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_member_tokens_member"
        `);
        await queryRunner.query(`
            DROP TABLE "member_tokens"
        `);
        await queryRunner.query(`
            DROP TABLE "mail_outbox"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_decision_voters_member"
        `);
        await queryRunner.query(`
            DROP TABLE "decision_voters"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_decisions_subject"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_decisions_status"
        `);
        await queryRunner.query(`
            DROP TABLE "decisions"
        `);
    }

}
