import { MigrationInterface, QueryRunner } from "typeorm";

export class ProjectPhases1795268899750 implements MigrationInterface {
    name = 'ProjectPhases1795268899750'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "project_phase_plans" (
                "project_id" uuid NOT NULL,
                "phase" character varying(16) NOT NULL,
                "plan" jsonb NOT NULL,
                "version" integer NOT NULL DEFAULT '1',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5cb5826edfbf4fabdff71e90815" PRIMARY KEY ("project_id", "phase")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "project_phases" (
                "project_id" uuid NOT NULL,
                "phase" character varying(16) NOT NULL,
                "attempt" integer NOT NULL,
                "workflow_id" character varying(120) NOT NULL,
                "status" character varying(16) NOT NULL,
                "round_id" uuid,
                "view" jsonb NOT NULL,
                "record_seq" integer NOT NULL DEFAULT '0',
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "UQ_18213039464db18daed0d018a1c" UNIQUE ("workflow_id"),
                CONSTRAINT "PK_beb6de83edf70052e7fc7b55a32" PRIMARY KEY ("project_id", "phase", "attempt")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "project_phase_events" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "project_id" uuid NOT NULL,
                "phase" character varying(16) NOT NULL,
                "attempt" integer NOT NULL,
                "seq" integer NOT NULL,
                "kind" character varying(32) NOT NULL,
                "note" text NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_project_phase_events_seq" UNIQUE ("project_id", "phase", "attempt", "seq"),
                CONSTRAINT "PK_73c2c54c79a47eadf60c23c8812" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "project_outputs" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "project_id" uuid NOT NULL,
                "phase" character varying(16) NOT NULL,
                "task_key" character varying(64) NOT NULL,
                "job_id" uuid NOT NULL,
                "kind" character varying(16) NOT NULL,
                "title" character varying(200) NOT NULL,
                "url" text NOT NULL,
                "content_hash" character varying(100),
                "licence" character varying(32),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_project_outputs_job_url" UNIQUE ("job_id", "url"),
                CONSTRAINT "PK_0ac0d2c0ec09196dcd9c24ad678" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_project_outputs_project" ON "project_outputs" ("project_id")
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds"
            ADD "phase" character varying(16)
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD "phase" character varying(16)
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD "task_key" character varying(64)
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "jobs" DROP COLUMN "task_key"
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs" DROP COLUMN "phase"
        `);
        await queryRunner.query(`
            ALTER TABLE "funding_rounds" DROP COLUMN "phase"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_project_outputs_project"
        `);
        await queryRunner.query(`
            DROP TABLE "project_outputs"
        `);
        await queryRunner.query(`
            DROP TABLE "project_phase_events"
        `);
        await queryRunner.query(`
            DROP TABLE "project_phases"
        `);
        await queryRunner.query(`
            DROP TABLE "project_phase_plans"
        `);
    }

}
