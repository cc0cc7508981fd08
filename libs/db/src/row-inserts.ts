/**
 * The first write of a job or a funding round row, before its workflow starts: one statement per
 * table for every place that creates one (the API, and the activities of phases, orders), so a
 * new column is added once. Idempotent on the id (a retried activity writes nothing twice).
 */
import { fundingRoundWorkflowId, jobWorkflowId, RoundDocument } from '@app/contracts';

type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

export interface NewJobRow {
  id: string;
  capability: string;
  /** For output-order jobs: the catalogue product made. */
  productId?: string | null;
  quantity: number;
  unit: string;
  specUrl: string;
  dueAt: Date | string;
  recipient: { type: 'member' | 'node'; id: string };
  demand: { type: 'project' | 'order'; id: string };
  /** For the jobs of a project phase: the phase and the plan's task key. */
  phase?: string | null;
  taskKey?: string | null;
  createdBy: string;
}

export async function insertJobRow(db: Queryable, r: NewJobRow): Promise<void> {
  await db.query(
    `INSERT INTO jobs (id, workflow_id, capability, product_id, quantity, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, phase, task_key, status, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'searching', $15) ON CONFLICT (id) DO NOTHING`,
    [r.id, jobWorkflowId(r.id), r.capability, r.productId ?? null, r.quantity, r.unit, r.specUrl, r.dueAt, r.recipient.type, r.recipient.id, r.demand.type, r.demand.id, r.phase ?? null, r.taskKey ?? null, r.createdBy],
  );
}

export interface NewRoundRow {
  id: string;
  projectId: string;
  assetId: string | null;
  /** For a phase budget: the phase whose work it funds. */
  phase?: string | null;
  /** Minor units, digits only. */
  goal: string;
  currency: string;
  minPledge: string;
  deadline: Date | string;
  closeWhenGoalMet: boolean;
  payoutApproval: 'coordinator' | 'members';
  operator: { memberId: string; upfront: string; outputBonusPercent: number } | null;
  documents: RoundDocument[];
  createdBy: string;
  idempotencyKey?: string | null;
  requestHash?: string | null;
}

/**
 * A new round holds its pledges in PostgreSQL (`pledge_mode` 'database'). It is `open` at once,
 * unless an operator puts in a share first: then it is `opening` (no pledge is taken) until its
 * workflow has held that share and opened it.
 */
export async function insertRoundRow(db: Queryable, r: NewRoundRow): Promise<void> {
  await db.query(
    `INSERT INTO funding_rounds (id, project_id, asset_id, phase, workflow_id, goal, currency, min_pledge, deadline, close_when_goal_met,
                                 payout_approval, operator, documents, status, created_by, idempotency_key, request_hash, pledge_mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $17, $14, $15, $16, 'database') ON CONFLICT (id) DO NOTHING`,
    [
      r.id,
      r.projectId,
      r.assetId,
      r.phase ?? null,
      fundingRoundWorkflowId(r.id),
      r.goal,
      r.currency,
      r.minPledge,
      r.deadline,
      r.closeWhenGoalMet,
      r.payoutApproval,
      r.operator ? JSON.stringify(r.operator) : null,
      JSON.stringify(r.documents),
      r.createdBy,
      r.idempotencyKey ?? null,
      r.requestHash ?? null,
      r.operator ? 'opening' : 'open',
    ],
  );
}
