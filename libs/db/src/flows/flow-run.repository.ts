import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { FlowLegStatus, FlowRecipient, FlowStatus, FlowStepStatus, HandoffStatus, PartyType, Recipe } from '@app/contracts';

/**
 * What the flow workflow's activities read and write (issue 17): the flow as its workflow loads it,
 * the ids of the jobs it starts, lots and their inputs, legs and hand-offs as a flow creates them,
 * late steps and the flow's end. Every write is idempotent (a retried activity changes nothing
 * twice): lots are unique by (job_id, run), legs and hand-offs by (lot_id, to_type, to_id). The
 * API's reads and the answers to hand-offs are in the other repositories of this folder.
 */

/** A step of a flow as its workflow needs it. */
export interface FlowRunStep {
  key: string;
  capability: string;
  item: string;
  unit: string;
  /** The keys of the steps whose output it consumes, with how much per unit. */
  inputs: { step: string; perUnit: number }[];
  flowType: string;
  specUrl: string | null;
  goodQuantity: number;
  startQuantity: number;
  plannedStartAt: string;
  plannedDoneAt: string;
  status: FlowStepStatus;
  jobId: string | null;
  nodeId: string | null;
  lateNoticed: boolean;
}

export interface FlowRun {
  flowId: string;
  status: FlowStatus;
  recipeName: string;
  quantity: number;
  unit: string;
  dueAt: string;
  demand: { type: 'project' | 'order'; id: string };
  recipient: FlowRecipient;
  createdBy: string;
  steps: FlowRunStep[];
}

/** A party as a hand-off or a leg names it. */
export interface Party {
  type: PartyType;
  id: string;
}

/** Where a lot goes: the node of the step that consumes it, or the flow's recipient. */
export type LotDestination = { kind: 'step'; stepKey: string; nodeId: string } | { kind: 'recipient' };

/** How a lot reaches its destination: a hand-off there and then, or a transport leg first. */
export type LotRoute =
  | { kind: 'handoff'; handoffId: string; to: Party; created: boolean }
  | { kind: 'leg'; legId: string; status: FlowLegStatus; jobId: string | null; created: boolean };

export interface RunLot {
  id: string;
  flowId: string;
  stepKey: string;
  quantity: number;
  makerNodeId: string;
  jobId: string;
  run: number;
  status: string;
}

export interface LegRow {
  id: string;
  flowId: string;
  fromStepKey: string;
  toStepKey: string | null;
  lotId: string;
  flowType: string;
  fromNodeId: string;
  fromLocationId: string | null;
  to: Party;
  toLocationId: string | null;
  quantity: number;
  status: FlowLegStatus;
  jobId: string | null;
  carrierNodeId: string | null;
  plannedDoneAt: string | null;
}

export interface RunHandoff {
  id: string;
  flowId: string;
  lotId: string;
  legId: string | null;
  from: Party;
  to: Party;
  confirmerMemberId: string;
  quantitySent: number;
  quantityReceived: number | null;
  status: HandoffStatus;
  reason: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

@Injectable()
export class FlowRunRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The flow with its recipe snapshot and its steps' plans and state; null when there is no such flow. */
  async load(flowId: string): Promise<FlowRun | null> {
    const [f] = await this.ds.query(`SELECT * FROM flows WHERE id = $1`, [flowId]);
    if (!f) return null;
    const recipe = f.recipe as Recipe;
    const rows: Record<string, unknown>[] = await this.ds.query(`SELECT * FROM flow_steps WHERE flow_id = $1`, [flowId]);
    const byKey = new Map(rows.map((r) => [r.step_key as string, r]));
    const steps: FlowRunStep[] = recipe.steps.map((s) => {
      const r = byKey.get(s.key);
      if (!r) throw new Error(`flow ${flowId} has no plan for step ${s.key}`);
      return {
        key: s.key,
        capability: s.capability,
        item: s.produces.item,
        unit: s.produces.unit,
        inputs: s.inputs.map((i) => ({ step: i.step, perUnit: i.perUnit })),
        flowType: s.flowType ?? 'crate',
        specUrl: s.specUrl ?? null,
        goodQuantity: Number(r.good_quantity),
        startQuantity: Number(r.start_quantity),
        plannedStartAt: iso(r.planned_start_at as Date)!,
        plannedDoneAt: iso(r.planned_done_at as Date)!,
        status: r.status as FlowStepStatus,
        jobId: (r.job_id as string | null) ?? null,
        nodeId: (r.node_id as string | null) ?? null,
        lateNoticed: r.late_noticed_at !== null,
      };
    });
    const recipient: FlowRecipient =
      f.recipient_type === 'pickup' ? { type: 'pickup', pickupPointId: f.pickup_point_id, memberId: f.recipient_id } : { type: f.recipient_type, id: f.recipient_id };
    return {
      flowId,
      status: f.status,
      recipeName: recipe.name,
      quantity: f.quantity,
      unit: f.unit,
      dueAt: iso(f.due_at)!,
      demand: { type: f.demand_type, id: f.demand_id },
      recipient,
      createdBy: f.created_by,
      steps,
    };
  }

  /** The step's row before its job starts: the job id is stored first, so a retried start starts the same job. */
  async stepJobStarting(flowId: string, stepKey: string, jobId: string): Promise<void> {
    await this.ds.query(
      `UPDATE flow_steps SET job_id = $3::uuid, status = CASE WHEN job_id IS DISTINCT FROM $3::uuid OR status = 'waiting' THEN 'offered' ELSE status END,
              offered_at = COALESCE(offered_at, now()), updated_at = now()
        WHERE flow_id = $1 AND step_key = $2`,
      [flowId, stepKey, jobId],
    );
  }

  async legJobStarting(legId: string, jobId: string): Promise<void> {
    await this.ds.query(
      `UPDATE flow_legs SET job_id = $2, status = CASE WHEN status = 'searching' THEN 'offered' ELSE status END, offered_at = COALESCE(offered_at, now()), updated_at = now()
        WHERE id = $1`,
      [legId, jobId],
    );
  }

  /** A step's job was accepted by a node: the node and the time (the first acceptance's), and the node's location. */
  async stepAccepted(flowId: string, stepKey: string, jobId: string, nodeId: string): Promise<{ locationId: string | null }> {
    await this.ds.query(
      `UPDATE flow_steps SET node_id = $4, accepted_at = COALESCE(accepted_at, now()), updated_at = now(),
              status = CASE WHEN status IN ('waiting', 'offered') THEN 'accepted' ELSE status END
        WHERE flow_id = $1 AND step_key = $2 AND job_id = $3`,
      [flowId, stepKey, jobId, nodeId],
    );
    return { locationId: await this.locationOfNode(nodeId) };
  }

  async legAccepted(legId: string, nodeId: string): Promise<void> {
    await this.ds.query(
      `UPDATE flow_legs SET carrier_node_id = $2, accepted_at = COALESCE(accepted_at, now()), updated_at = now(),
              status = CASE WHEN status IN ('searching', 'offered', 'no-carrier') THEN 'accepted' ELSE status END
        WHERE id = $1`,
      [legId, nodeId],
    );
  }

  /** A leg's status; `done_at` or `received_at` set (once) when it is delivered or received. */
  async setLegStatus(legId: string, status: FlowLegStatus, only?: FlowLegStatus[]): Promise<void> {
    await this.ds.query(
      `UPDATE flow_legs SET status = $2::varchar, updated_at = now(),
              done_at = CASE WHEN $2::varchar IN ('delivered', 'received', 'rejected') THEN COALESCE(done_at, now()) ELSE done_at END,
              received_at = CASE WHEN $2::varchar = 'received' THEN COALESCE(received_at, now()) ELSE received_at END
        WHERE id = $1 AND ($3::text[] IS NULL OR status = ANY($3::text[]))`,
      [legId, status, only ?? null],
    );
  }

  async setStepStatus(flowId: string, stepKey: string, status: FlowStepStatus): Promise<void> {
    await this.ds.query(`UPDATE flow_steps SET status = $3, updated_at = now() WHERE flow_id = $1 AND step_key = $2`, [flowId, stepKey, status]);
  }

  /**
   * Every input of the step has reached its node: the output of each step it consumes has been
   * received where it was going (a step's `received_at`: when its output was received).
   */
  async stepInputsReceived(flowId: string, stepKey: string): Promise<void> {
    await this.ds.query(
      `UPDATE flow_steps SET received_at = COALESCE(received_at, now()), updated_at = now()
        WHERE flow_id = $1 AND step_key IN (
          SELECT i->>'step' FROM flows f, jsonb_array_elements(f.recipe->'steps') s, jsonb_array_elements(s->'inputs') i
           WHERE f.id = $1 AND s->>'key' = $2)`,
      [flowId, stepKey],
    );
  }

  /**
   * The lot a step's job delivered (run `run`), held by the maker node, with the input lots its node
   * had received for the step (consumed now). One transaction; a retry finds the lot by (job_id, run)
   * and changes nothing.
   */
  async recordLot(input: { flowId: string; stepKey: string; jobId: string; run: number; nodeId: string; quantity: number; reworkOf: string | null }): Promise<{ lotId: string; created: boolean }> {
    return this.ds.transaction(async (m) => {
      const [step] = await m.query(`SELECT item, unit FROM flow_steps WHERE flow_id = $1 AND step_key = $2 FOR UPDATE`, [input.flowId, input.stepKey]);
      if (!step) throw new Error(`flow ${input.flowId} has no step ${input.stepKey}`);
      const [made] = await m.query(
        `INSERT INTO lots (flow_id, step_key, item, unit, quantity, made_by_node_id, job_id, run, status, holder_type, holder_id, rework_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'made', 'node', $6, $9)
         ON CONFLICT (job_id, run) DO NOTHING RETURNING id`,
        [input.flowId, input.stepKey, step.item, step.unit, input.quantity, input.nodeId, input.jobId, input.run, input.reworkOf],
      );
      if (!made) {
        const [old] = await m.query(`SELECT id FROM lots WHERE job_id = $1 AND run = $2`, [input.jobId, input.run]);
        return { lotId: old.id as string, created: false };
      }
      // The inputs this node received for the step (a rework of a rejected lot reworks that lot: no new inputs).
      if (!input.reworkOf) {
        await m.query(
          `WITH inputs AS (
             SELECT l.id, l.quantity FROM lots l
              WHERE l.flow_id = $1 AND l.status = 'received' AND l.holder_type = 'node' AND l.holder_id = $3
                AND l.step_key IN (SELECT jsonb_array_elements(s.value -> 'inputs') ->> 'step'
                                     FROM flows f, jsonb_array_elements(f.recipe -> 'steps') s
                                    WHERE f.id = $1 AND s.value ->> 'key' = $2)
              FOR UPDATE),
           linked AS (INSERT INTO lot_inputs (lot_id, input_lot_id, quantity) SELECT $4, id, quantity FROM inputs WHERE quantity > 0 ON CONFLICT DO NOTHING)
           UPDATE lots SET status = 'consumed', updated_at = now() WHERE id IN (SELECT id FROM inputs)`,
          [input.flowId, input.stepKey, input.nodeId, made.id],
        );
      }
      await m.query(
        `UPDATE flow_steps SET status = 'made', done_at = COALESCE(done_at, now()), runs = runs + 1, node_id = $3, updated_at = now() WHERE flow_id = $1 AND step_key = $2`,
        [input.flowId, input.stepKey, input.nodeId],
      );
      return { lotId: made.id as string, created: true };
    });
  }

  async lot(lotId: string): Promise<RunLot> {
    const [l] = await this.ds.query(`SELECT * FROM lots WHERE id = $1`, [lotId]);
    if (!l) throw new Error(`lot ${lotId} not found`);
    return { id: l.id, flowId: l.flow_id, stepKey: l.step_key, quantity: l.quantity, makerNodeId: l.made_by_node_id, jobId: l.job_id, run: l.run, status: l.status };
  }

  /**
   * Sends a lot towards its destination (the consuming step's node, or the flow's recipient): a
   * hand-off from the maker when it is the same node or both locations are known and equal, else a
   * transport leg (`searching`; the flow starts its job). Idempotent: the hand-off or leg of this
   * lot to this receiver, if there is one already, is answered.
   */
  async routeLot(input: { lotId: string; destination: LotDestination; quantity: number; flowType: string; plannedDoneAt: string | null }): Promise<LotRoute> {
    return this.ds.transaction(async (m) => {
      const [lot] = await m.query(`SELECT * FROM lots WHERE id = $1 FOR UPDATE`, [input.lotId]);
      if (!lot) throw new Error(`lot ${input.lotId} not found`);
      const to = await this.receiver(m, lot.flow_id, input.destination);
      const [leg] = await m.query(`SELECT id, status, job_id FROM flow_legs WHERE lot_id = $1 AND to_type = $2 AND to_id = $3`, [lot.id, to.party.type, to.party.id]);
      if (leg) return { kind: 'leg', legId: leg.id, status: leg.status, jobId: leg.job_id, created: false };
      const [h] = await m.query(`SELECT id FROM handoffs WHERE lot_id = $1 AND to_type = $2 AND to_id = $3 AND leg_id IS NULL`, [lot.id, to.party.type, to.party.id]);
      if (h) return { kind: 'handoff', handoffId: h.id, to: to.party, created: false };
      const fromLocation = await this.locationOfNode(lot.made_by_node_id, m);
      const sameNode = to.party.type === 'node' && to.party.id === lot.made_by_node_id;
      const sameLocation = fromLocation !== null && to.locationId !== null && fromLocation === to.locationId;
      if (sameNode || sameLocation) {
        const handoffId = await this.insertHandoff(m, { flowId: lot.flow_id, lotId: lot.id, legId: null, from: { type: 'node', id: lot.made_by_node_id }, to: to.party, quantity: input.quantity });
        return { kind: 'handoff', handoffId, to: to.party, created: true };
      }
      const [made] = await m.query(
        `INSERT INTO flow_legs (flow_id, from_step_key, to_step_key, lot_id, flow_type, from_node_id, from_location_id, to_type, to_id, to_location_id, quantity, planned_done_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
        [
          lot.flow_id, lot.step_key, input.destination.kind === 'step' ? input.destination.stepKey : null, lot.id, input.flowType, lot.made_by_node_id, fromLocation,
          to.party.type, to.party.id, to.locationId, input.quantity, input.plannedDoneAt,
        ],
      );
      return { kind: 'leg', legId: made.id, status: 'searching', jobId: null, created: true };
    });
  }

  async leg(legId: string): Promise<LegRow> {
    const [l] = await this.ds.query(`SELECT * FROM flow_legs WHERE id = $1`, [legId]);
    if (!l) throw new Error(`leg ${legId} not found`);
    return {
      id: l.id, flowId: l.flow_id, fromStepKey: l.from_step_key, toStepKey: l.to_step_key, lotId: l.lot_id, flowType: l.flow_type, fromNodeId: l.from_node_id,
      fromLocationId: l.from_location_id, to: { type: l.to_type, id: l.to_id }, toLocationId: l.to_location_id, quantity: l.quantity, status: l.status,
      jobId: l.job_id, carrierNodeId: l.carrier_node_id, plannedDoneAt: iso(l.planned_done_at),
    };
  }

  /** A hand-off (pending) of a lot from one party to another; the existing one when it was created before. */
  async createHandoff(input: { flowId: string; lotId: string; legId: string | null; from: Party; to: Party; quantity: number }): Promise<{ handoffId: string; created: boolean }> {
    return this.ds.transaction(async (m) => {
      const [h] = await m.query(`SELECT id FROM handoffs WHERE lot_id = $1 AND to_type = $2 AND to_id = $3`, [input.lotId, input.to.type, input.to.id]);
      if (h) return { handoffId: h.id as string, created: false };
      return { handoffId: await this.insertHandoff(m, input), created: true };
    });
  }

  async handoff(handoffId: string): Promise<RunHandoff | null> {
    const [h] = await this.ds.query(`SELECT * FROM handoffs WHERE id = $1`, [handoffId]);
    if (!h) return null;
    return {
      id: h.id, flowId: h.flow_id, lotId: h.lot_id, legId: h.leg_id, from: { type: h.from_type, id: h.from_id }, to: { type: h.to_type, id: h.to_id },
      confirmerMemberId: h.confirmer_member_id, quantitySent: h.quantity_sent, quantityReceived: h.quantity_received, status: h.status, reason: h.reason,
    };
  }

  /** Who is told of a hand-off: a node's id (webhook), or the member who answers it (email) and what the point is. */
  async handoffAudience(handoffId: string): Promise<{ nodeId: string | null; memberId: string; pickup: { name: string; days: unknown; hours: string | null } | null; item: string; unit: string; quantity: number }> {
    const [h] = await this.ds.query(
      `SELECT h.to_type, h.to_id, h.confirmer_member_id, h.quantity_sent, l.item, l.unit, p.name AS pickup_name, p.days AS pickup_days, p.hours AS pickup_hours
         FROM handoffs h JOIN lots l ON l.id = h.lot_id LEFT JOIN pickup_points p ON h.from_type = 'pickup' AND p.id = h.from_id OR h.to_type = 'pickup' AND p.id = h.to_id
        WHERE h.id = $1`,
      [handoffId],
    );
    if (!h) throw new Error(`hand-off ${handoffId} not found`);
    return {
      nodeId: h.to_type === 'node' ? h.to_id : null,
      memberId: h.confirmer_member_id,
      pickup: h.pickup_name ? { name: h.pickup_name, days: h.pickup_days, hours: h.pickup_hours } : null,
      item: h.item,
      unit: h.unit,
      quantity: h.quantity_sent,
    };
  }

  /**
   * Marks the step late once (not made by its planned time): true while it is late and noticed
   * (now or before), so that a retry still sends the coordinator's email (the outbox key keeps it
   * to one).
   */
  async noticeLate(flowId: string, stepKey: string, at: Date): Promise<boolean> {
    // `at`: the workflow's time (its timer fired then), which is what the plan is compared with.
    const [[row]] = await this.ds.query(
      `UPDATE flow_steps SET late_noticed_at = COALESCE(late_noticed_at, $3), updated_at = now()
        WHERE flow_id = $1 AND step_key = $2 AND done_at IS NULL AND planned_done_at <= $3 RETURNING late_noticed_at`,
      [flowId, stepKey, at],
    );
    return row !== undefined;
  }

  /** The flow ends (delivered, cancelled, failed): once; open steps and legs of a cancelled flow are marked cancelled. */
  async finish(flowId: string, status: Exclude<FlowStatus, 'running'>): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE flows SET status = $2::varchar, updated_at = now(), delivered_at = CASE WHEN $2::varchar = 'delivered' THEN COALESCE(delivered_at, now()) ELSE delivered_at END
          WHERE id = $1 AND status = 'running'`,
        [flowId, status],
      );
      // Delivered: the output step's output was received by the recipient.
      if (status === 'delivered') {
        await m.query(
          `UPDATE flow_steps SET received_at = COALESCE(received_at, now()), updated_at = now()
            WHERE flow_id = $1 AND step_key NOT IN (
              SELECT i->>'step' FROM flows f, jsonb_array_elements(f.recipe->'steps') s, jsonb_array_elements(s->'inputs') i WHERE f.id = $1)`,
          [flowId],
        );
      }
      if (status === 'cancelled') {
        await m.query(`UPDATE flow_steps SET status = 'cancelled', updated_at = now() WHERE flow_id = $1 AND status IN ('waiting', 'offered', 'accepted')`, [flowId]);
        await m.query(`UPDATE flow_legs SET status = 'cancelled', updated_at = now() WHERE flow_id = $1 AND status IN ('searching', 'offered', 'accepted', 'picked-up', 'no-carrier')`, [flowId]);
      }
    });
  }

  /** The jobs of a flow not yet finished with (their steps or legs still open): what a cancel cancels. */
  async openJobIds(flowId: string): Promise<string[]> {
    const rows: { job_id: string }[] = await this.ds.query(
      `SELECT job_id FROM flow_steps WHERE flow_id = $1 AND job_id IS NOT NULL AND status IN ('offered', 'accepted')
       UNION SELECT job_id FROM flow_legs WHERE flow_id = $1 AND job_id IS NOT NULL AND status IN ('offered', 'accepted', 'picked-up', 'no-carrier')`,
      [flowId],
    );
    return rows.map((r) => r.job_id);
  }

  private async locationOfNode(nodeId: string, m: EntityManager | DataSource = this.ds): Promise<string | null> {
    const [n] = await m.query(`SELECT location_id FROM nodes WHERE id = $1`, [nodeId]);
    return n?.location_id ?? null;
  }

  /** The receiving party of a destination and its location (null: not known). */
  private async receiver(m: EntityManager, flowId: string, d: LotDestination): Promise<{ party: Party; locationId: string | null }> {
    if (d.kind === 'step') return { party: { type: 'node', id: d.nodeId }, locationId: await this.locationOfNode(d.nodeId, m) };
    const [f] = await m.query(`SELECT recipient_type, recipient_id, pickup_point_id, recipient_location_id FROM flows WHERE id = $1`, [flowId]);
    if (f.recipient_type === 'node') return { party: { type: 'node', id: f.recipient_id }, locationId: await this.locationOfNode(f.recipient_id, m) };
    if (f.recipient_type === 'pickup') {
      const [p] = await m.query(`SELECT location_id FROM pickup_points WHERE id = $1`, [f.pickup_point_id]);
      return { party: { type: 'pickup', id: f.pickup_point_id }, locationId: p?.location_id ?? null };
    }
    return { party: { type: 'member', id: f.recipient_id }, locationId: f.recipient_location_id ?? null };
  }

  /** Inserts a pending hand-off; the member who answers it is the receiver's (a node's owner, a point's keeper, the member). */
  private async insertHandoff(m: EntityManager, h: { flowId: string; lotId: string; legId: string | null; from: Party; to: Party; quantity: number }): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO handoffs (flow_id, lot_id, leg_id, from_type, from_id, to_type, to_id, confirmer_member_id, quantity_sent)
       SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::uuid, $6::varchar, $7::uuid,
              CASE $6::varchar WHEN 'node' THEN (SELECT owner_member_id FROM nodes WHERE id = $7::uuid) WHEN 'pickup' THEN (SELECT keeper_member_id FROM pickup_points WHERE id = $7::uuid) ELSE $7::uuid END,
              $8::int
       ON CONFLICT (lot_id, to_type, to_id) DO UPDATE SET lot_id = EXCLUDED.lot_id RETURNING id`,
      [h.flowId, h.lotId, h.legId, h.from.type, h.from.id, h.to.type, h.to.id, h.quantity],
    );
    return row.id as string;
  }
}
