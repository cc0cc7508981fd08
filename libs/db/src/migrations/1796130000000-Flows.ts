import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Production flows (issue 17): transport nodes declare the flow types they carry and the
 * locations they serve; locations have pickup points; `recipes` are reusable templates; a `flows`
 * row is one run of a recipe for a demand, with a `flow_steps` row per step (its plan and its
 * times), `flow_legs` (transport between locations), `lots` (what a step's run made) and
 * `lot_inputs` (which lots went into which), and `handoffs` (each change of hands, answered by
 * the side that receives).
 */
export class Flows1796130000000 implements MigrationInterface {
    name = 'Flows1796130000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "nodes"
                ADD "flow_types" jsonb NOT NULL DEFAULT '[]',
                ADD "served_location_ids" jsonb NOT NULL DEFAULT '[]'
        `);
        await queryRunner.query(`
            CREATE TABLE "pickup_points" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "location_id" uuid NOT NULL,
                "name" character varying(200) NOT NULL,
                "keeper_member_id" uuid NOT NULL,
                "days" jsonb NOT NULL,
                "hours" character varying(100),
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_pickup_points_status" CHECK ("status" IN ('active', 'closed')),
                CONSTRAINT "PK_pickup_points" PRIMARY KEY ("id"),
                CONSTRAINT "fk_pickup_points_location" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_pickup_points_keeper" FOREIGN KEY ("keeper_member_id") REFERENCES "members"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_pickup_points_location" ON "pickup_points" ("location_id")`);
        await queryRunner.query(`
            CREATE TABLE "recipes" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" character varying(200) NOT NULL,
                "version" integer NOT NULL,
                "definition" jsonb NOT NULL,
                "created_by" character varying(100) NOT NULL,
                "idempotency_key" character varying(200),
                "request_hash" character varying(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_recipes" PRIMARY KEY ("id"),
                CONSTRAINT "uq_recipes_name_version" UNIQUE ("name", "version")
            )
        `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_recipes_key" ON "recipes" ("idempotency_key") WHERE "idempotency_key" IS NOT NULL`);
        await queryRunner.query(`
            CREATE TABLE "flows" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "workflow_id" character varying(100) NOT NULL,
                "recipe_id" uuid,
                "recipe" jsonb NOT NULL,
                "demand_type" character varying(16) NOT NULL,
                "demand_id" uuid NOT NULL,
                "quantity" integer NOT NULL,
                "unit" character varying(32) NOT NULL,
                "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "recipient_type" character varying(8) NOT NULL,
                "recipient_id" uuid NOT NULL,
                "pickup_point_id" uuid,
                "recipient_location_id" uuid,
                "status" character varying(16) NOT NULL DEFAULT 'running',
                "created_by" character varying(100) NOT NULL,
                "idempotency_key" character varying(200),
                "request_hash" character varying(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "delivered_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_flows_quantity" CHECK ("quantity" > 0),
                CONSTRAINT "ck_flows_demand" CHECK ("demand_type" IN ('project', 'order')),
                CONSTRAINT "ck_flows_recipient" CHECK ("recipient_type" IN ('member', 'node', 'pickup')),
                CONSTRAINT "ck_flows_status" CHECK ("status" IN ('running', 'delivered', 'cancelled', 'failed')),
                CONSTRAINT "PK_flows" PRIMARY KEY ("id"),
                CONSTRAINT "uq_flows_workflow" UNIQUE ("workflow_id"),
                CONSTRAINT "fk_flows_recipe" FOREIGN KEY ("recipe_id") REFERENCES "recipes"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_flows_pickup" FOREIGN KEY ("pickup_point_id") REFERENCES "pickup_points"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_flows_demand" ON "flows" ("demand_type", "demand_id")`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_flows_key" ON "flows" ("idempotency_key") WHERE "idempotency_key" IS NOT NULL`);
        await queryRunner.query(`
            CREATE TABLE "flow_steps" (
                "flow_id" uuid NOT NULL,
                "step_key" character varying(40) NOT NULL,
                "capability" character varying(64) NOT NULL,
                "item" character varying(100) NOT NULL,
                "unit" character varying(32) NOT NULL,
                "good_quantity" integer NOT NULL,
                "start_quantity" integer NOT NULL,
                "lead_time_ms" bigint NOT NULL,
                "lead_time_source" character varying(8) NOT NULL,
                "planned_start_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "planned_done_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'waiting',
                "node_id" uuid,
                "job_id" uuid,
                "runs" integer NOT NULL DEFAULT 0,
                "offered_at" TIMESTAMP WITH TIME ZONE,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "done_at" TIMESTAMP WITH TIME ZONE,
                "received_at" TIMESTAMP WITH TIME ZONE,
                "late_noticed_at" TIMESTAMP WITH TIME ZONE,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_flow_steps_quantities" CHECK ("good_quantity" > 0 AND "start_quantity" >= "good_quantity"),
                CONSTRAINT "ck_flow_steps_source" CHECK ("lead_time_source" IN ('declared', 'learned')),
                CONSTRAINT "ck_flow_steps_status" CHECK ("status" IN ('waiting', 'offered', 'accepted', 'made', 'handed-off', 'cancelled')),
                CONSTRAINT "PK_flow_steps" PRIMARY KEY ("flow_id", "step_key"),
                CONSTRAINT "fk_flow_steps_flow" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_flow_steps_capability" ON "flow_steps" ("capability", "done_at")`);
        await queryRunner.query(`
            CREATE TABLE "lots" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "flow_id" uuid NOT NULL,
                "step_key" character varying(40) NOT NULL,
                "item" character varying(100) NOT NULL,
                "unit" character varying(32) NOT NULL,
                "quantity" integer NOT NULL,
                "made_by_node_id" uuid NOT NULL,
                "job_id" uuid NOT NULL,
                "run" integer NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'made',
                "holder_type" character varying(8) NOT NULL,
                "holder_id" uuid NOT NULL,
                "rework_of" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_lots_quantity" CHECK ("quantity" >= 0),
                CONSTRAINT "ck_lots_status" CHECK ("status" IN ('made', 'in-transit', 'received', 'consumed', 'delivered', 'rejected')),
                CONSTRAINT "ck_lots_holder" CHECK ("holder_type" IN ('node', 'member', 'pickup')),
                CONSTRAINT "PK_lots" PRIMARY KEY ("id"),
                CONSTRAINT "uq_lots_run" UNIQUE ("job_id", "run"),
                CONSTRAINT "fk_lots_flow" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_lots_rework" FOREIGN KEY ("rework_of") REFERENCES "lots"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_lots_flow" ON "lots" ("flow_id", "step_key")`);
        await queryRunner.query(`
            CREATE TABLE "lot_inputs" (
                "lot_id" uuid NOT NULL,
                "input_lot_id" uuid NOT NULL,
                "quantity" integer NOT NULL,
                CONSTRAINT "ck_lot_inputs_quantity" CHECK ("quantity" > 0),
                CONSTRAINT "ck_lot_inputs_self" CHECK ("lot_id" <> "input_lot_id"),
                CONSTRAINT "PK_lot_inputs" PRIMARY KEY ("lot_id", "input_lot_id"),
                CONSTRAINT "fk_lot_inputs_lot" FOREIGN KEY ("lot_id") REFERENCES "lots"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_lot_inputs_input" FOREIGN KEY ("input_lot_id") REFERENCES "lots"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_lot_inputs_input" ON "lot_inputs" ("input_lot_id")`);
        await queryRunner.query(`
            CREATE TABLE "flow_legs" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "flow_id" uuid NOT NULL,
                "from_step_key" character varying(40) NOT NULL,
                "to_step_key" character varying(40),
                "lot_id" uuid NOT NULL,
                "flow_type" character varying(40) NOT NULL,
                "from_node_id" uuid NOT NULL,
                "from_location_id" uuid,
                "to_type" character varying(8) NOT NULL,
                "to_id" uuid NOT NULL,
                "to_location_id" uuid,
                "quantity" integer NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'searching',
                "job_id" uuid,
                "carrier_node_id" uuid,
                "planned_done_at" TIMESTAMP WITH TIME ZONE,
                "offered_at" TIMESTAMP WITH TIME ZONE,
                "accepted_at" TIMESTAMP WITH TIME ZONE,
                "done_at" TIMESTAMP WITH TIME ZONE,
                "received_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "ck_flow_legs_quantity" CHECK ("quantity" > 0),
                CONSTRAINT "ck_flow_legs_to" CHECK ("to_type" IN ('node', 'member', 'pickup')),
                CONSTRAINT "ck_flow_legs_status" CHECK ("status" IN ('searching', 'offered', 'accepted', 'picked-up', 'delivered', 'received', 'rejected', 'no-carrier', 'cancelled')),
                CONSTRAINT "PK_flow_legs" PRIMARY KEY ("id"),
                CONSTRAINT "uq_flow_legs_lot" UNIQUE ("lot_id", "to_type", "to_id"),
                CONSTRAINT "fk_flow_legs_flow" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_flow_legs_lot" FOREIGN KEY ("lot_id") REFERENCES "lots"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_flow_legs_flow" ON "flow_legs" ("flow_id")`);
        await queryRunner.query(`
            CREATE TABLE "handoffs" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "flow_id" uuid NOT NULL,
                "lot_id" uuid NOT NULL,
                "leg_id" uuid,
                "from_type" character varying(8) NOT NULL,
                "from_id" uuid NOT NULL,
                "to_type" character varying(8) NOT NULL,
                "to_id" uuid NOT NULL,
                "confirmer_member_id" uuid NOT NULL,
                "quantity_sent" integer NOT NULL,
                "quantity_received" integer,
                "status" character varying(16) NOT NULL DEFAULT 'pending',
                "note" text,
                "photo_url" text,
                "reason" text,
                "answered_by" character varying(100),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "answered_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_handoffs_from" CHECK ("from_type" IN ('node', 'member', 'pickup')),
                CONSTRAINT "ck_handoffs_to" CHECK ("to_type" IN ('node', 'member', 'pickup')),
                CONSTRAINT "ck_handoffs_quantity" CHECK ("quantity_sent" > 0 AND ("quantity_received" IS NULL OR ("quantity_received" >= 0 AND "quantity_received" <= "quantity_sent"))),
                CONSTRAINT "ck_handoffs_status" CHECK ("status" IN ('pending', 'accepted', 'rejected')),
                CONSTRAINT "PK_handoffs" PRIMARY KEY ("id"),
                CONSTRAINT "uq_handoffs_step" UNIQUE ("lot_id", "to_type", "to_id"),
                CONSTRAINT "fk_handoffs_flow" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE,
                CONSTRAINT "fk_handoffs_lot" FOREIGN KEY ("lot_id") REFERENCES "lots"("id") ON DELETE RESTRICT,
                CONSTRAINT "fk_handoffs_leg" FOREIGN KEY ("leg_id") REFERENCES "flow_legs"("id") ON DELETE RESTRICT
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_handoffs_lot" ON "handoffs" ("lot_id", "created_at")`);
        await queryRunner.query(`CREATE INDEX "ix_handoffs_confirmer" ON "handoffs" ("confirmer_member_id", "status")`);
        await queryRunner.query(`CREATE INDEX "ix_handoffs_to" ON "handoffs" ("to_type", "to_id", "status")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "handoffs"`);
        await queryRunner.query(`DROP TABLE "flow_legs"`);
        await queryRunner.query(`DROP TABLE "lot_inputs"`);
        await queryRunner.query(`DROP TABLE "lots"`);
        await queryRunner.query(`DROP TABLE "flow_steps"`);
        await queryRunner.query(`DROP TABLE "flows"`);
        await queryRunner.query(`DROP TABLE "recipes"`);
        await queryRunner.query(`DROP TABLE "pickup_points"`);
        await queryRunner.query(`ALTER TABLE "nodes" DROP COLUMN "served_location_ids", DROP COLUMN "flow_types"`);
    }
}
