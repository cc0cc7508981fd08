import { MigrationInterface, QueryRunner } from "typeorm";

export class JobOffers1796025167942 implements MigrationInterface {
    name = 'JobOffers1796025167942'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "job_offers" (
                "offer_id" character varying(64) NOT NULL,
                "job_id" uuid NOT NULL,
                "n" integer NOT NULL,
                "node_id" uuid NOT NULL,
                "offered_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "answer" character varying(16),
                "reason" text,
                "answered_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_3fe624d406672c155a413632037" PRIMARY KEY ("offer_id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_job_offers_job_n" ON "job_offers" ("job_id", "n")
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs"
            ADD "offer_count" integer NOT NULL DEFAULT '0'
        `);
        await queryRunner.query(`
            ALTER TABLE "job_offers"
            ADD CONSTRAINT "fk_job_offers_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        // Hand-written: the offers of existing jobs (their rows held every offer until now).
        await queryRunner.query(`
            INSERT INTO "job_offers" ("offer_id", "job_id", "n", "node_id", "offered_at", "answer", "reason", "answered_at")
            SELECT o.e ->> 'offerId', j.id, o.i, (o.e ->> 'nodeId')::uuid, (o.e ->> 'offeredAt')::timestamptz,
                   o.e ->> 'answer', o.e ->> 'reason', (o.e ->> 'answeredAt')::timestamptz
              FROM "jobs" j, jsonb_array_elements(j.offers) WITH ORDINALITY AS o(e, i)
            ON CONFLICT DO NOTHING
        `);
        await queryRunner.query(`
            UPDATE "jobs" SET "offer_count" = jsonb_array_length("offers")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "job_offers" DROP CONSTRAINT "fk_job_offers_job"
        `);
        await queryRunner.query(`
            ALTER TABLE "jobs" DROP COLUMN "offer_count"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ux_job_offers_job_n"
        `);
        await queryRunner.query(`
            DROP TABLE "job_offers"
        `);
    }

}
