import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Production flows (issue 17, API side): when the flow's workflow was last told that a hand-off was
 * answered. A repeated answer re-signals only while this is null, so a client retrying an answer
 * cannot grow the flow's history without bound.
 */
export class FlowHandoffSignals1796130000100 implements MigrationInterface {
    name = 'FlowHandoffSignals1796130000100'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "handoffs" ADD "signalled_at" TIMESTAMP WITH TIME ZONE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "handoffs" DROP COLUMN "signalled_at"`);
    }
}
