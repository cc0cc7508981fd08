import { MigrationInterface, QueryRunner } from "typeorm";

export class WebSessions1796024539394 implements MigrationInterface {
    name = 'WebSessions1796024539394'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "web_sessions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "token_hash" character(64) NOT NULL,
                "subject_type" character varying(16) NOT NULL,
                "subject_id" uuid NOT NULL,
                "csrf_token" character varying(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_6959865ff07869ea46a236b221a" UNIQUE ("token_hash"),
                CONSTRAINT "PK_3ae6bbf6cb5ac95b7f617d395d3" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_web_sessions_subject" ON "web_sessions" ("subject_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "used_links" (
                "link_hash" character(64) NOT NULL,
                "subject_type" character varying(16) NOT NULL,
                "subject_id" uuid NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_88a6225321277c673bb427279bd" PRIMARY KEY ("link_hash")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "sign_in_requests" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "subject_type" character varying(16) NOT NULL,
                "subject_id" uuid NOT NULL,
                "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_7284adceb2a41079db81393b04a" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sign_in_requests_subject_time" ON "sign_in_requests" ("subject_id", "requested_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_sign_in_requests_subject_time"
        `);
        await queryRunner.query(`
            DROP TABLE "sign_in_requests"
        `);
        await queryRunner.query(`
            DROP TABLE "used_links"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_web_sessions_subject"
        `);
        await queryRunner.query(`
            DROP TABLE "web_sessions"
        `);
    }

}
