import { MigrationInterface, QueryRunner } from "typeorm";

export class WebhookAttempts1795262632489 implements MigrationInterface {
    name = 'WebhookAttempts1795262632489'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "webhook_attempts" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "node_id" uuid NOT NULL,
                "event_id" character varying(100) NOT NULL,
                "event_type" character varying(64) NOT NULL,
                "attempt" integer NOT NULL,
                "url" character varying(300) NOT NULL,
                "status_code" integer,
                "latency_ms" integer NOT NULL,
                "outcome" character varying(16) NOT NULL,
                "error" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_attempts_event" ON "webhook_attempts" ("event_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_webhook_attempts_node_time" ON "webhook_attempts" ("node_id", "created_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD "webhook_disabled_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes"
            ADD "webhook_disabled_reason" text
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP COLUMN "webhook_disabled_reason"
        `);
        await queryRunner.query(`
            ALTER TABLE "nodes" DROP COLUMN "webhook_disabled_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_attempts_node_time"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_webhook_attempts_event"
        `);
        await queryRunner.query(`
            DROP TABLE "webhook_attempts"
        `);
    }

}
