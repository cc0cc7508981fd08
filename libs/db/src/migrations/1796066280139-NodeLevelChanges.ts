import { MigrationInterface, QueryRunner } from "typeorm";

export class NodeLevelChanges1796066280139 implements MigrationInterface {
    name = 'NodeLevelChanges1796066280139'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "node_level_changes" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "node_id" uuid NOT NULL,
                "from_level" character varying(16),
                "to_level" character varying(16) NOT NULL,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2d0ebbc1fecbdf697db1d712a85" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_node_level_changes_time" ON "node_level_changes" ("changed_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_node_level_changes_node_time" ON "node_level_changes" ("node_id", "changed_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "node_level_changes"
            ADD CONSTRAINT "fk_node_level_changes_node" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        // Written by the database itself, so that every writer of a node's level is covered (hand-written, not generated).
        await queryRunner.query(`
            CREATE FUNCTION "dpn_record_node_level"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO "node_level_changes" ("node_id", "from_level", "to_level") VALUES (NEW."id", NULL, NEW."automation_level");
                ELSIF NEW."automation_level" IS DISTINCT FROM OLD."automation_level" THEN
                    INSERT INTO "node_level_changes" ("node_id", "from_level", "to_level") VALUES (NEW."id", OLD."automation_level", NEW."automation_level");
                END IF;
                RETURN NEW;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "tr_nodes_level_changes" AFTER INSERT OR UPDATE OF "automation_level" ON "nodes"
            FOR EACH ROW EXECUTE FUNCTION "dpn_record_node_level"()
        `);
        // What was there before: each node at its level as of now (earlier changes were not recorded).
        await queryRunner.query(`
            INSERT INTO "node_level_changes" ("node_id", "from_level", "to_level", "changed_at")
            SELECT "id", NULL, "automation_level", now() FROM "nodes"
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "tr_nodes_level_changes" ON "nodes"`);
        await queryRunner.query(`DROP FUNCTION "dpn_record_node_level"()`);
        await queryRunner.query(`
            ALTER TABLE "node_level_changes" DROP CONSTRAINT "fk_node_level_changes_node"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_node_level_changes_node_time"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_node_level_changes_time"
        `);
        await queryRunner.query(`
            DROP TABLE "node_level_changes"
        `);
    }

}
