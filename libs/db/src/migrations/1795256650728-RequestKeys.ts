import { MigrationInterface, QueryRunner } from "typeorm";

export class RequestKeys1795256650728 implements MigrationInterface {
    name = 'RequestKeys1795256650728'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "request_keys" (
                "key" character varying(255) NOT NULL,
                "scope" character varying(64) NOT NULL,
                "request_hash" character(64) NOT NULL,
                "response_status" integer,
                "response_body" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_736183bda6690f27a2e89169900" PRIMARY KEY ("key")
            )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TABLE "request_keys"
        `);
    }

}
