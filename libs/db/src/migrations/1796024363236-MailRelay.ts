import { MigrationInterface, QueryRunner } from "typeorm";

export class MailRelay1796024363236 implements MigrationInterface {
    name = 'MailRelay1796024363236'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "body_text" text
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "body_html" text
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox"
            ADD "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_mail_outbox_due" ON "mail_outbox" ("status", "next_attempt_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_mail_outbox_due"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "next_attempt_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "body_html"
        `);
        await queryRunner.query(`
            ALTER TABLE "mail_outbox" DROP COLUMN "body_text"
        `);
    }

}
