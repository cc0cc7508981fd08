import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { FlowLegStatus, FlowLegView, FlowRecipient, FlowStatus, FlowStepStatus, FlowStepView, FlowView, flowWorkflowId, Recipe } from '@app/contracts';
import { lateByMs, StepPlan } from '@app/domain';
import { IdempotencyConflictError, requestHash } from '../hash';
import { HANDOFF_COLUMNS, HandoffRow, iso, toHandoffView } from './flow-views';

/** How many past jobs (per capability) and legs (per flow type) lead times are learned from. */
export const LEAD_TIME_SAMPLES = 20;
/** How many hand-offs a flow's view carries (newest first); the rest are in each lot's trace. */
export const FLOW_VIEW_HANDOFFS = 50;

export interface NewFlow {
  recipeId: string | null;
  recipe: Recipe;
  demand: { type: 'project' | 'order'; id: string };
  quantity: number;
  unit: string;
  dueAt: Date;
  recipient: FlowRecipient;
  /** Where the output goes, when known (a node's or a pickup point's location). */
  recipientLocationId: string | null;
  /** One per recipe step, from `planFlow`. */
  plan: StepPlan[];
  createdBy: string;
  idempotencyKey: string | null;
}

/** Where lead-time samples are read from: a table, the column they are grouped by, and the two times a duration spans. Constants only. */
type DurationSource =
  | { table: 'jobs'; key: 'capability'; start: 'first_offered_at'; end: 'completed_at' }
  | { table: 'flow_legs'; key: 'flow_type'; start: 'offered_at'; end: 'received_at' };

/** A flow in a list: its figures without its steps, legs and hand-offs. */
export interface FlowListItem {
  id: string;
  recipeName: string;
  recipeId: string | null;
  demand: { type: 'project' | 'order'; id: string };
  quantity: number;
  unit: string;
  dueAt: string;
  status: FlowStatus;
  steps: number;
  stepsDone: number;
  lateSteps: number;
  openLegs: number;
  pendingHandoffs: number;
  createdAt: string;
  deliveredAt: string | null;
}

/** What a project waits for in its flows: a late step, or a leg no carrier takes. */
export interface FlowBlockerRow {
  kind: 'late-step' | 'no-carrier';
  flowId: string;
  recipeName: string;
  stepKey: string;
  /** The leg's consumer step (null: the recipient), for `no-carrier`. */
  toStep: string | null;
  legId: string | null;
  flowType: string | null;
  nodeId: string | null;
  plannedDoneAt: string | null;
  lateByMs: number | null;
}

interface FlowRow {
  id: string;
  workflow_id: string;
  recipe_id: string | null;
  recipe: Recipe;
  demand_type: 'project' | 'order';
  demand_id: string;
  quantity: number;
  unit: string;
  due_at: Date;
  recipient_type: 'member' | 'node' | 'pickup';
  recipient_id: string;
  pickup_point_id: string | null;
  status: FlowStatus;
  created_at: Date;
  delivered_at: Date | null;
  request_hash: string | null;
}

const recipientOf = (f: FlowRow): FlowRecipient =>
  f.recipient_type === 'pickup' ? { type: 'pickup', pickupPointId: f.pickup_point_id!, memberId: f.recipient_id } : { type: f.recipient_type, id: f.recipient_id };

/**
 * Production flows on the API side (`flows`, `flow_steps` and the views over legs, lots and
 * hand-offs). A flow and its planned steps are written in one transaction; the flow's workflow
 * (slice C, `FlowRunRepository`) writes what happens next.
 */
@Injectable()
export class FlowsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The `flows` row and one `flow_steps` row per planned step, in one transaction. The same
   * Idempotency-Key with the same request answers the first flow (`replayed`); with another
   * request it is refused (`IdempotencyConflictError`).
   */
  async create(f: NewFlow): Promise<{ flow: FlowView; workflowId: string; replayed: boolean }> {
    const hash = requestHash({ recipeId: f.recipeId, recipe: f.recipeId ? null : f.recipe, demand: f.demand, quantity: f.quantity, dueAt: f.dueAt.toISOString(), recipient: f.recipient });
    const byKey = new Map(f.recipe.steps.map((s) => [s.key, s]));
    return this.ds.transaction(async (m) => {
      if (f.idempotencyKey) {
        await m.query(`SELECT pg_advisory_xact_lock(hashtext('flow-key:' || $1))`, [f.idempotencyKey]);
        const [prior] = (await m.query(`SELECT id, workflow_id, request_hash FROM flows WHERE idempotency_key = $1`, [f.idempotencyKey])) as Array<{ id: string; workflow_id: string; request_hash: string }>;
        if (prior) {
          if (prior.request_hash !== hash) throw new IdempotencyConflictError(f.idempotencyKey);
          return { flow: (await this.view(prior.id, m))!, workflowId: prior.workflow_id, replayed: true };
        }
      }
      const id = randomUUID();
      const r = f.recipient;
      await m.query(
        `INSERT INTO flows (id, workflow_id, recipe_id, recipe, demand_type, demand_id, quantity, unit, due_at, recipient_type, recipient_id, pickup_point_id, recipient_location_id, created_by, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          id,
          flowWorkflowId(id),
          f.recipeId,
          JSON.stringify(f.recipe),
          f.demand.type,
          f.demand.id,
          f.quantity,
          f.unit,
          f.dueAt,
          r.type,
          r.type === 'pickup' ? r.memberId : r.id,
          r.type === 'pickup' ? r.pickupPointId : null,
          f.recipientLocationId,
          f.createdBy,
          f.idempotencyKey,
          hash,
        ],
      );
      for (const p of f.plan) {
        const s = byKey.get(p.key);
        if (!s) throw new Error(`plan names step ${p.key}, which the recipe does not have`);
        await m.query(
          `INSERT INTO flow_steps (flow_id, step_key, capability, item, unit, good_quantity, start_quantity, lead_time_ms, lead_time_source, planned_start_at, planned_done_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [id, p.key, s.capability, s.produces.item, s.produces.unit, p.good, p.start, Math.round(p.leadTimeMs), p.leadTimeSource, p.plannedStartAt, p.plannedDoneAt],
        );
      }
      return { flow: (await this.view(id, m))!, workflowId: flowWorkflowId(id), replayed: false };
    });
  }

  /** Cancels flows whose workflow never started (no step has a job), with their waiting steps. */
  async discardUnstarted(flowIds: string[]): Promise<void> {
    if (flowIds.length === 0) return;
    await this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `UPDATE flows f SET status = 'cancelled', updated_at = now() WHERE f.id = ANY($1) AND f.status = 'running'
            AND NOT EXISTS (SELECT 1 FROM flow_steps s WHERE s.flow_id = f.id AND s.job_id IS NOT NULL) RETURNING f.id`,
        [flowIds],
      )) as [Array<{ id: string }>, number];
      const ids = rows[0].map((r) => r.id);
      if (ids.length) await m.query(`UPDATE flow_steps SET status = 'cancelled', updated_at = now() WHERE flow_id = ANY($1) AND status = 'waiting'`, [ids]);
    });
  }

  /**
   * What lead times are learned from, latest first: offer → done of the latest completed jobs of
   * each capability, and offer → received of the latest received legs of each flow type.
   */
  async leadTimeSamples(capabilities: string[], flowTypes: string[]): Promise<{ stepSamplesMs: Record<string, number[]>; transportSamplesMs: Record<string, number[]> }> {
    return {
      stepSamplesMs: await this.latestDurations({ table: 'jobs', key: 'capability', start: 'first_offered_at', end: 'completed_at' }, capabilities),
      transportSamplesMs: await this.latestDurations({ table: 'flow_legs', key: 'flow_type', start: 'offered_at', end: 'received_at' }, flowTypes),
    };
  }

  /**
   * The latest `LEAD_TIME_SAMPLES` durations (end − start, in whole ms) per key of `keys`, newest
   * first, from the rows of `source` that have both times in order. The table and column names are
   * fixed by the callers above (never user input); only the keys are bound as a parameter.
   */
  private async latestDurations(source: DurationSource, keys: string[]): Promise<Record<string, number[]>> {
    const { table, key, start, end } = source;
    const rows = (await this.ds.query(
      `SELECT ${key} AS k, ms FROM (
         SELECT ${key}, EXTRACT(EPOCH FROM (${end} - ${start})) * 1000 AS ms,
                row_number() OVER (PARTITION BY ${key} ORDER BY ${end} DESC) AS rn
           FROM ${table} WHERE ${key} = ANY($1) AND ${end} IS NOT NULL AND ${start} IS NOT NULL AND ${end} >= ${start}
       ) x WHERE rn <= $2 ORDER BY ${key}, rn`,
      [keys, LEAD_TIME_SAMPLES],
    )) as Array<{ k: string; ms: string }>;
    const out: Record<string, number[]> = {};
    for (const r of rows) (out[r.k] ??= []).push(Math.round(Number(r.ms)));
    return out;
  }

  /** The flow types of which at least one active node with the `transport` function carries. */
  async carriedFlowTypes(flowTypes: string[]): Promise<Set<string>> {
    const rows = (await this.ds.query(
      `SELECT DISTINCT ft AS flow_type FROM nodes n, jsonb_array_elements_text(n.flow_types) ft
        WHERE n.status = 'active' AND n.capabilities @> '[{"function": "transport"}]' AND ft = ANY($1)`,
      [flowTypes],
    )) as Array<{ flow_type: string }>;
    return new Set(rows.map((r) => r.flow_type));
  }

  /** The demand a flow serves: a project (with its status) or an output plan (a quarter's orders of an asset); null when there is none. */
  async demand(type: 'project' | 'order', id: string): Promise<{ status: string } | null> {
    const [row] = (await this.ds.query(type === 'project' ? `SELECT status FROM production_projects WHERE id = $1` : `SELECT 'open' AS status FROM output_plans WHERE id = $1`, [id])) as Array<{ status: string }>;
    return row ?? null;
  }

  async workflowIdOf(id: string): Promise<string | null> {
    const [row] = (await this.ds.query(`SELECT workflow_id FROM flows WHERE id = $1`, [id])) as Array<{ workflow_id: string }>;
    return row?.workflow_id ?? null;
  }

  /** A flow with its steps (plan and times), legs and latest hand-offs, names joined. */
  async view(id: string, m: EntityManager = this.ds.manager, now = new Date()): Promise<FlowView | null> {
    const [f] = (await m.query(`SELECT * FROM flows WHERE id = $1`, [id])) as FlowRow[];
    if (!f) return null;
    const steps = (await m.query(`SELECT fs.*, n.name AS node_name FROM flow_steps fs LEFT JOIN nodes n ON n.id = fs.node_id WHERE fs.flow_id = $1`, [id])) as StepRow[];
    const legs = (await m.query(`SELECT l.*, n.name AS carrier_name FROM flow_legs l LEFT JOIN nodes n ON n.id = l.carrier_node_id WHERE l.flow_id = $1 ORDER BY l.created_at, l.id`, [id])) as LegRow[];
    const handoffs = (await m.query(`SELECT ${HANDOFF_COLUMNS} FROM handoffs h WHERE h.flow_id = $1 ORDER BY h.created_at DESC, h.id DESC LIMIT $2`, [id, FLOW_VIEW_HANDOFFS])) as HandoffRow[];
    // In the recipe's own order (the order its author wrote the steps in).
    const order = new Map(f.recipe.steps.map((s, i) => [s.key, i]));
    steps.sort((a, b) => (order.get(a.step_key) ?? 0) - (order.get(b.step_key) ?? 0));
    return {
      id: f.id,
      recipeName: f.recipe.name,
      recipeId: f.recipe_id,
      demand: { type: f.demand_type, id: f.demand_id },
      quantity: f.quantity,
      unit: f.unit,
      dueAt: new Date(f.due_at).toISOString(),
      recipient: recipientOf(f),
      status: f.status,
      steps: steps.map((s) => toStepView(s, f.status === 'running' ? now : null)),
      legs: legs.map(toLegView),
      handoffs: handoffs.map(toHandoffView),
      createdAt: new Date(f.created_at).toISOString(),
      deliveredAt: iso(f.delivered_at),
    };
  }

  /** Flows of a demand (or every flow), newest first, with their counts. */
  async list(f: { demandType?: 'project' | 'order'; demandId?: string; status?: FlowStatus; limit: number; offset: number }): Promise<{ items: FlowListItem[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.demandType) where.push(`f.demand_type = $${args.push(f.demandType)}`);
    if (f.demandId) where.push(`f.demand_id = $${args.push(f.demandId)}`);
    if (f.status) where.push(`f.status = $${args.push(f.status)}`);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM flows f ${cond}`, args)) as Array<{ n: number }>;
    const rows = (await this.ds.query(
      `SELECT f.*,
              (SELECT count(*)::int FROM flow_steps s WHERE s.flow_id = f.id) AS steps,
              (SELECT count(*)::int FROM flow_steps s WHERE s.flow_id = f.id AND s.done_at IS NOT NULL) AS steps_done,
              (SELECT count(*)::int FROM flow_steps s WHERE s.flow_id = f.id AND s.status <> 'cancelled' AND f.status = 'running'
                  AND COALESCE(s.done_at, now()) > s.planned_done_at) AS late_steps,
              (SELECT count(*)::int FROM flow_legs l WHERE l.flow_id = f.id AND l.status NOT IN ('received', 'rejected', 'cancelled')) AS open_legs,
              (SELECT count(*)::int FROM handoffs h WHERE h.flow_id = f.id AND h.status = 'pending') AS pending_handoffs
         FROM flows f ${cond} ORDER BY f.created_at DESC, f.id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, f.limit, f.offset],
    )) as Array<FlowRow & { steps: number; steps_done: number; late_steps: number; open_legs: number; pending_handoffs: number }>;
    return {
      total: n,
      items: rows.map((r) => ({
        id: r.id,
        recipeName: r.recipe.name,
        recipeId: r.recipe_id,
        demand: { type: r.demand_type, id: r.demand_id },
        quantity: r.quantity,
        unit: r.unit,
        dueAt: new Date(r.due_at).toISOString(),
        status: r.status,
        steps: r.steps,
        stepsDone: r.steps_done,
        lateSteps: r.late_steps,
        openLegs: r.open_legs,
        pendingHandoffs: r.pending_handoffs,
        createdAt: new Date(r.created_at).toISOString(),
        deliveredAt: iso(r.delivered_at),
      })),
    };
  }

  /** A member sees a flow they (or their pickup) receive, or one their nodes make or carry for. */
  async memberMaySee(memberId: string, flowId: string): Promise<boolean> {
    const [row] = (await this.ds.query(
      `SELECT 1 FROM flows f WHERE f.id = $2 AND (
         f.recipient_id = $1
         OR (f.recipient_type = 'node' AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = f.recipient_id AND n.owner_member_id = $1))
         OR EXISTS (SELECT 1 FROM flow_steps s JOIN nodes n ON n.id = s.node_id WHERE s.flow_id = f.id AND n.owner_member_id = $1)
         OR EXISTS (SELECT 1 FROM flow_legs l JOIN nodes n ON n.id = l.carrier_node_id WHERE l.flow_id = f.id AND n.owner_member_id = $1)
       )`,
      [memberId, flowId],
    )) as unknown[];
    return !!row;
  }

  /**
   * What a project's running flows wait for: steps past their planned done time and not done
   * (latest plan first), and legs no carrier takes.
   */
  async blockersOfProject(projectId: string, now = new Date()): Promise<FlowBlockerRow[]> {
    const late = (await this.ds.query(
      `SELECT s.flow_id, f.recipe->>'name' AS recipe_name, s.step_key, s.node_id, s.planned_done_at
         FROM flow_steps s JOIN flows f ON f.id = s.flow_id
        WHERE f.demand_type = 'project' AND f.demand_id = $1 AND f.status = 'running'
          AND s.done_at IS NULL AND s.status <> 'cancelled' AND s.planned_done_at < $2
        ORDER BY s.planned_done_at, s.flow_id, s.step_key`,
      [projectId, now],
    )) as Array<{ flow_id: string; recipe_name: string; step_key: string; node_id: string | null; planned_done_at: Date }>;
    const legs = (await this.ds.query(
      `SELECT l.id, l.flow_id, f.recipe->>'name' AS recipe_name, l.from_step_key, l.to_step_key, l.flow_type, l.planned_done_at
         FROM flow_legs l JOIN flows f ON f.id = l.flow_id
        WHERE f.demand_type = 'project' AND f.demand_id = $1 AND f.status = 'running' AND l.status = 'no-carrier'
        ORDER BY l.created_at, l.id`,
      [projectId],
    )) as Array<{ id: string; flow_id: string; recipe_name: string; from_step_key: string; to_step_key: string | null; flow_type: string; planned_done_at: Date | null }>;
    return [
      ...late.map(
        (s): FlowBlockerRow => ({
          kind: 'late-step',
          flowId: s.flow_id,
          recipeName: s.recipe_name,
          stepKey: s.step_key,
          toStep: null,
          legId: null,
          flowType: null,
          nodeId: s.node_id,
          plannedDoneAt: new Date(s.planned_done_at).toISOString(),
          lateByMs: lateByMs(new Date(s.planned_done_at), null, now),
        }),
      ),
      ...legs.map(
        (l): FlowBlockerRow => ({
          kind: 'no-carrier',
          flowId: l.flow_id,
          recipeName: l.recipe_name,
          stepKey: l.from_step_key,
          toStep: l.to_step_key,
          legId: l.id,
          flowType: l.flow_type,
          nodeId: null,
          plannedDoneAt: iso(l.planned_done_at),
          lateByMs: null,
        }),
      ),
    ];
  }
}

interface StepRow {
  step_key: string;
  capability: string;
  item: string;
  unit: string;
  good_quantity: number;
  start_quantity: number;
  lead_time_ms: string;
  lead_time_source: 'declared' | 'learned';
  planned_start_at: Date;
  planned_done_at: Date;
  status: FlowStepStatus;
  node_id: string | null;
  node_name: string | null;
  job_id: string | null;
  runs: number;
  offered_at: Date | null;
  accepted_at: Date | null;
  done_at: Date | null;
  received_at: Date | null;
}

/** `now` null: the flow has ended, a step not done is not late any more (it was cancelled with it). */
const toStepView = (s: StepRow, now: Date | null): FlowStepView => ({
  key: s.step_key,
  capability: s.capability,
  item: s.item,
  unit: s.unit,
  goodQuantity: s.good_quantity,
  startQuantity: s.start_quantity,
  leadTimeMs: Number(s.lead_time_ms),
  leadTimeSource: s.lead_time_source,
  plannedStartAt: new Date(s.planned_start_at).toISOString(),
  plannedDoneAt: new Date(s.planned_done_at).toISOString(),
  status: s.status,
  nodeId: s.node_id,
  nodeName: s.node_name,
  jobId: s.job_id,
  runs: s.runs,
  offeredAt: iso(s.offered_at),
  acceptedAt: iso(s.accepted_at),
  doneAt: iso(s.done_at),
  receivedAt: iso(s.received_at),
  lateByMs: s.status === 'cancelled' ? null : s.done_at ? lateByMs(new Date(s.planned_done_at), new Date(s.done_at), new Date(s.done_at)) : now ? lateByMs(new Date(s.planned_done_at), null, now) : null,
});

interface LegRow {
  id: string;
  from_step_key: string;
  to_step_key: string | null;
  lot_id: string;
  flow_type: string;
  from_location_id: string | null;
  to_location_id: string | null;
  quantity: number;
  status: FlowLegStatus;
  carrier_node_id: string | null;
  carrier_name: string | null;
  job_id: string | null;
  planned_done_at: Date | null;
  offered_at: Date | null;
  accepted_at: Date | null;
  done_at: Date | null;
  received_at: Date | null;
}

const toLegView = (l: LegRow): FlowLegView => ({
  id: l.id,
  fromStep: l.from_step_key,
  toStep: l.to_step_key,
  lotId: l.lot_id,
  flowType: l.flow_type,
  fromLocationId: l.from_location_id,
  toLocationId: l.to_location_id,
  quantity: l.quantity,
  status: l.status,
  carrierNodeId: l.carrier_node_id,
  carrierName: l.carrier_name,
  jobId: l.job_id,
  plannedDoneAt: iso(l.planned_done_at),
  offeredAt: iso(l.offered_at),
  acceptedAt: iso(l.accepted_at),
  doneAt: iso(l.done_at),
  receivedAt: iso(l.received_at),
});
