import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795252725560 implements MigrationInterface {
    name = 'Init1795252725560';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "project_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "project_id" uuid NOT NULL, "seq" integer NOT NULL, "kind" character varying(32) NOT NULL, "from_phase" character varying(32), "to_phase" character varying(32) NOT NULL, "status" character varying(16) NOT NULL, "actor" character varying(100) NOT NULL, "note" text, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_project_events_project_seq" UNIQUE ("project_id", "seq"), CONSTRAINT "PK_4a8f4006922953e0fc56b38afe3" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "production_projects" ("id" uuid NOT NULL, "name" character varying(200) NOT NULL, "description" text, "phase" character varying(32) NOT NULL, "status" character varying(16) NOT NULL, "workflow_id" character varying(100) NOT NULL, "last_seq" integer NOT NULL DEFAULT '0', "created_by" character varying(100) NOT NULL, "idempotency_key" character varying(255), "request_hash" character(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_be0def16a6bd285a544ac257976" UNIQUE ("workflow_id"), CONSTRAINT "UQ_b4d9567c53e9f689c627a72ee09" UNIQUE ("idempotency_key"), CONSTRAINT "PK_6eea02456eea4638945dee7818d" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_production_projects_phase" ON "production_projects"  ("phase") `);
        await queryRunner.query(`CREATE INDEX "ix_production_projects_status" ON "production_projects"  ("status") `);
        await queryRunner.query(`ALTER TABLE "project_events" ADD CONSTRAINT "fk_project_events_project" FOREIGN KEY ("project_id") REFERENCES "production_projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "project_events" DROP CONSTRAINT "fk_project_events_project"`);
        await queryRunner.query(`DROP INDEX "public"."ix_production_projects_status"`);
        await queryRunner.query(`DROP INDEX "public"."ix_production_projects_phase"`);
        await queryRunner.query(`DROP TABLE "production_projects"`);
        await queryRunner.query(`DROP TABLE "project_events"`);
    }

}
