import { MigrationInterface, QueryRunner } from "typeorm";

export class CoordinatorsAndAudit1796054270921 implements MigrationInterface {
    name = 'CoordinatorsAndAudit1796054270921'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "coordinators" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "email" character varying(320) NOT NULL,
                "role" character varying(16) NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'invited',
                "invited_by" character varying(100) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "activated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_4f4d48f1f19c8f06b0bbcf395ee" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_coordinators_email" ON "coordinators" ("email")
        `);
        await queryRunner.query(`
            CREATE TABLE "coordinator_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "coordinator_id" uuid NOT NULL,
                "name" character varying(100) NOT NULL,
                "token_hash" character(64) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_8df3485a5d4344df8d38261c3fd" UNIQUE ("token_hash"),
                CONSTRAINT "PK_ee5ff65595cb0f4413f55ad1887" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_coordinator_tokens_coordinator" ON "coordinator_tokens" ("coordinator_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "actor_type" character varying(16) NOT NULL,
                "actor_id" uuid,
                "actor_name" character varying(200),
                "via" character varying(16),
                "method" character varying(8) NOT NULL,
                "route" character varying(200) NOT NULL,
                "params" jsonb NOT NULL DEFAULT '{}',
                "resources" text array NOT NULL DEFAULT '{}',
                "status" smallint NOT NULL,
                "code" character varying(64),
                "request_id" character varying(100),
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_route_time" ON "audit_events" ("route", "occurred_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_actor_time" ON "audit_events" ("actor_type", "actor_id", "occurred_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_events_time" ON "audit_events" ("occurred_at", "id")
        `);
        // "Everything that touched this resource": the route parameters' values, GIN-indexed (not expressible in the entity).
        await queryRunner.query(`CREATE INDEX "ix_audit_events_resources" ON "audit_events" USING gin ("resources")`);
        await queryRunner.query(`
            ALTER TABLE "coordinator_tokens"
            ADD CONSTRAINT "fk_coordinator_tokens_coordinator" FOREIGN KEY ("coordinator_id") REFERENCES "coordinators"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "coordinator_tokens" DROP CONSTRAINT "fk_coordinator_tokens_coordinator"
        `);
        await queryRunner.query(`DROP INDEX IF EXISTS "public"."ix_audit_events_resources"`);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_time"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_actor_time"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_route_time"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_coordinator_tokens_coordinator"
        `);
        await queryRunner.query(`
            DROP TABLE "coordinator_tokens"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."uq_coordinators_email"
        `);
        await queryRunner.query(`
            DROP TABLE "coordinators"
        `);
    }

}
