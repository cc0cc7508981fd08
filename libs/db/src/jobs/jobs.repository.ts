import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobOffer, JobProgress, JobStatus, jobWorkflowId, JobView, WorkingPhase } from '@app/contracts';
import { JobEntity, JobOfferEntity } from '../entities/job.entity';

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
  /** Paid work: the price (minor units) and currency, the counter-offer ceiling, the account that pays. */
  price?: { amount: bigint; currency: string; ceiling: bigint | null; payerAccountId: string; payProgressOnCancel: boolean } | null;
}

/**
 * The first write of a job row, before its workflow starts: the one statement for every place that
 * creates one (the API, the phase and order activities, the rest of a partial counter-offer), so
 * a new column is added once. Idempotent on the id (a retried activity writes nothing twice).
 * Use `JobsRepository.create`; exported for the order activities until they take the repository.
 */
export async function insertJobRow(db: Queryable, r: NewJobRow): Promise<void> {
  await db.query(
    `INSERT INTO jobs (id, workflow_id, capability, product_id, quantity, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, phase, task_key, status, created_by,
                       price_amount, price_currency, price_ceiling, payer_account_id, pay_progress_on_cancel)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'searching', $15, $16, $17, $18, $19, $20) ON CONFLICT (id) DO NOTHING`,
    [
      r.id, jobWorkflowId(r.id), r.capability, r.productId ?? null, r.quantity, r.unit, r.specUrl, r.dueAt, r.recipient.type, r.recipient.id, r.demand.type, r.demand.id, r.phase ?? null, r.taskKey ?? null, r.createdBy,
      r.price ? String(r.price.amount) : null, r.price?.currency ?? null, r.price?.ceiling != null ? String(r.price.ceiling) : null, r.price?.payerAccountId ?? null, r.price?.payProgressOnCancel ?? false,
    ],
  );
}

/** What a job event is checked against before each attempt: the job row as the workflow last wrote it. */
export interface JobSnapshot {
  status: JobStatus;
  nodeId: string | null;
  lastOffer: { offerId: string; answer: string | null } | null;
  progress: JobProgress | null;
}

/** One projection write of a job workflow's state (see `JobsRepository.record`). */
export interface JobProjection {
  jobId: string;
  /** The workflow's write sequence: an older write never overwrites a newer one. */
  seq: number;
  status: JobStatus;
  nodeId: string | null;
  quantity: number;
  dueAt: string;
  /** The view's window of the latest offers (every offer is kept in `job_offers`). */
  offers: JobOffer[];
  offerCount: number;
  /** The view's window of the latest runs; the row keeps the `runsKept` runs before it. */
  runs: JobView['runs'];
  runsKept: number;
  firstOfferedAt: string | null;
  acceptedAt: string | null;
  completedAt: string | null;
}

/** A job of a project's phase work, with its node's name, as the project's page shows it. */
export interface PhaseJobRow {
  id: string;
  phase: WorkingPhase;
  taskKey: string | null;
  capability: string;
  status: JobStatus;
  nodeId: string | null;
  nodeName: string | null;
  offers: JobOffer[];
  dueAt: Date;
  firstOfferedAt: Date | null;
  acceptedAt: Date | null;
  completedAt: Date | null;
  confirmedAt: Date | null;
  /** A delivered job nobody confirmed in time whose price is still reserved: a treasurer settles it. */
  unsettledPrice: { amount: string; currency: string } | null;
}

export interface JobListFilter {
  status?: JobStatus;
  /** A node's view: the jobs it holds and the ones offered to it right now. */
  nodeId?: string;
  limit: number;
  offset: number;
}

/** `<jobId>:<n>` → n. */
const offerNumber = (offerId: string) => Number(offerId.slice(offerId.lastIndexOf(':') + 1));

/**
 * Jobs (`jobs`, the read model of each job workflow) and every offer made for them (`job_offers`).
 * The API creates a row and the node API writes progress; everything else is the workflow's
 * projection, written only forward (`record_seq`).
 */
@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  create(row: NewJobRow): Promise<void> {
    return insertJobRow(this.ds, row);
  }

  /**
   * The row of a job split off for the rest of a partial counter-offer: the parent's row through
   * the shared insert (every column it writes), with its own quantity and the parent's id.
   * Idempotent.
   */
  async createRemainder(parent: JobEntity, jobId: string, quantity: number): Promise<void> {
    await this.ds.transaction(async (m) => {
      await insertJobRow(m, {
        id: jobId,
        capability: parent.capability,
        productId: parent.productId,
        quantity,
        unit: parent.unit,
        specUrl: parent.specUrl,
        dueAt: parent.dueAt,
        recipient: { type: parent.recipientType, id: parent.recipientId },
        demand: { type: parent.demandType, id: parent.demandId },
        phase: parent.phase,
        taskKey: parent.taskKey,
        createdBy: parent.createdBy,
      });
      await m.query(`UPDATE jobs SET parent_job_id = $2 WHERE id = $1 AND parent_job_id IS NULL`, [jobId, parent.id]);
    });
  }

  /** The jobs of these output plans still in progress (not confirmed or cancelled). */
  async inProgressForPlans(planIds: string[]): Promise<JobEntity[]> {
    if (planIds.length === 0) return [];
    return this.ds
      .getRepository(JobEntity)
      .createQueryBuilder('j')
      .where("j.demandType = 'order' AND j.demandId IN (:...ids) AND j.status NOT IN ('confirmed', 'cancelled')", { ids: planIds })
      .getMany();
  }

    findById(id: string): Promise<JobEntity | null> {
    return this.ds.getRepository(JobEntity).findOneBy({ id });
  }

  async delete(id: string): Promise<void> {
    await this.ds.getRepository(JobEntity).delete({ id });
  }

  /** Jobs by due date; for a node, the ones it holds and the ones offered to it now. */
  async list(f: JobListFilter): Promise<{ items: JobEntity[]; total: number }> {
    const qb = this.ds.getRepository(JobEntity).createQueryBuilder('j');
    if (f.status) qb.andWhere('j.status = :status', { status: f.status });
    if (f.nodeId) {
      qb.andWhere(`(j.nodeId = :nodeId OR (j.status = 'offered' AND j.offers -> (jsonb_array_length(j.offers) - 1) ->> 'nodeId' = :nodeIdText))`, {
        nodeId: f.nodeId,
        nodeIdText: f.nodeId,
      });
    }
    const [items, total] = await qb.orderBy('j.dueAt', 'ASC').addOrderBy('j.id', 'ASC').take(f.limit).skip(f.offset).getManyAndCount();
    return { items, total };
  }

  /** Every offer of a job, oldest first. */
  async offers(jobId: string, page: { limit: number; offset: number }): Promise<{ items: JobOfferEntity[]; total: number }> {
    const [items, total] = await this.ds.getRepository(JobOfferEntity).findAndCount({ where: { jobId }, order: { n: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }

  /**
   * Records a node's progress report, only while that node holds the job (accepted or in
   * progress); counts the reports. Null when the row did not take it (another node's job, not
   * accepted, or ended). Answers the status before any workflow has seen it, and the run's offer.
   */
  async recordProgress(jobId: string, nodeId: string, report: { percent: number; note?: string | null }): Promise<{ status: JobStatus; offerId: string | null } | null> {
    // For an UPDATE … RETURNING, TypeORM's query() answers [rows, affected].
    const [rows] = (await this.ds.query(
      `UPDATE jobs SET progress = jsonb_build_object('percent', $3::int, 'note', $4::text, 'reportedAt', now(), 'reports', COALESCE((progress ->> 'reports')::int, 0) + 1), updated_at = now()
        WHERE id = $1 AND node_id = $2 AND status IN ('accepted', 'in-progress')
        RETURNING status, offers -> -1 ->> 'offerId' AS offer_id`,
      [jobId, nodeId, report.percent, report.note ?? null],
    )) as [Array<{ status: JobStatus; offer_id: string | null }>, number];
    return rows[0] ? { status: rows[0].status, offerId: rows[0].offer_id } : null;
  }

  /**
   * Writes one projection of the job workflow's state, in one transaction: the row (only if `seq`
   * moves it forward; runs before the view's window are kept; progress survives only while the
   * job is held; milestones are set once), then every offer of the view into `job_offers`.
   */
  async record(p: JobProjection): Promise<{ applied: boolean }> {
    return this.ds.transaction(async (m) => {
      const [moved] = await m.query(
        `UPDATE jobs SET status = $2::varchar, node_id = $3, quantity = $4, due_at = $5, offers = $6, offer_count = $12,
                runs = (SELECT COALESCE(jsonb_agg(r.e ORDER BY r.i), '[]'::jsonb) FROM jsonb_array_elements(jobs.runs) WITH ORDINALITY AS r(e, i) WHERE r.i <= $13) || $7::jsonb,
                progress = CASE WHEN $2::varchar IN ('accepted', 'in-progress') THEN progress END,
                first_offered_at = COALESCE(first_offered_at, $8::timestamptz), accepted_at = COALESCE(accepted_at, $9::timestamptz), completed_at = $10::timestamptz,
                confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END,
                record_seq = $11, updated_at = now()
          WHERE id = $1 AND record_seq < $11
          RETURNING id`,
        [p.jobId, p.status, p.nodeId, p.quantity, p.dueAt, JSON.stringify(p.offers), JSON.stringify(p.runs), p.firstOfferedAt, p.acceptedAt, p.completedAt, p.seq, p.offerCount, p.runsKept],
      );
      // An older write (a retry overtaken by a newer one) changes nothing.
      if ((moved as unknown[]).length === 0) return { applied: false };
      // A price paid in output: the owner of the node that did the job holds the credit once the
      // job is confirmed; a job that ends otherwise frees it. Only a promised credit moves (a
      // repeat changes nothing); a job cancelled after work began does not split its credit.
      if (p.status === 'confirmed' && p.nodeId) {
        await m.query(
          `UPDATE output_credits c SET status = 'granted', holder_member_id = n.owner_member_id, updated_at = now() FROM nodes n WHERE c.job_id = $1 AND c.status = 'promised' AND n.id = $2`,
          [p.jobId, p.nodeId],
        );
      } else if (p.status === 'cancelled' || p.status === 'failed') {
        await m.query(`UPDATE output_credits SET status = 'cancelled', updated_at = now() WHERE job_id = $1 AND status = 'promised'`, [p.jobId]);
      }
      if (p.offers.length > 0) {
        await m.query(
          `INSERT INTO job_offers (offer_id, job_id, n, node_id, offered_at, answer, reason, answered_at)
           SELECT o.offer_id, $1::uuid, o.n, o.node_id, o.offered_at, o.answer, o.reason, o.answered_at
             FROM jsonb_to_recordset($2::jsonb) AS o(offer_id varchar, n int, node_id uuid, offered_at timestamptz, answer varchar, reason text, answered_at timestamptz)
           ON CONFLICT (offer_id) DO UPDATE SET answer = EXCLUDED.answer, reason = EXCLUDED.reason, answered_at = EXCLUDED.answered_at`,
          [
            p.jobId,
            JSON.stringify(p.offers.map((o) => ({ offer_id: o.offerId, n: offerNumber(o.offerId), node_id: o.nodeId, offered_at: o.offeredAt, answer: o.answer, reason: o.reason, answered_at: o.answeredAt }))),
          ],
        );
      }
      return { applied: true };
    });
  }

  async snapshot(jobId: string): Promise<JobSnapshot | null> {
    const rows: JobSnapshot[] = await this.ds.query(`SELECT status, node_id AS "nodeId", offers -> -1 AS "lastOffer", progress FROM jobs WHERE id = $1`, [jobId]);
    return rows[0] ?? null;
  }

  /** Jobs waiting for capacity that the node could do, soonest due first. */
  async waitingForCapacityOf(nodeId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.ds.query(
      `SELECT j.id FROM jobs j JOIN nodes n ON n.id = $1
        WHERE j.status = 'waiting-for-capacity' AND n.capabilities @> jsonb_build_array(jsonb_build_object('function', j.capability))
        ORDER BY j.due_at, j.id`,
      [nodeId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The task keys of a project phase that are done (in any attempt): a task's job was confirmed,
   * or a recipe task's flow was delivered (its key is `phase:<project>:<phase>:<attempt>:<task>`).
   */
  async confirmedTaskKeys(projectId: string, phase: WorkingPhase): Promise<string[]> {
    const rows: Array<{ task_key: string }> = await this.ds.query(
      `SELECT task_key FROM jobs WHERE demand_type = 'project' AND demand_id = $1 AND phase = $2 AND status = 'confirmed' AND task_key IS NOT NULL
       UNION
       SELECT split_part(idempotency_key, ':', 5) FROM flows
        WHERE demand_type = 'project' AND demand_id = $1 AND status = 'delivered' AND idempotency_key LIKE 'phase:' || $1::text || ':' || $2::text || ':%'
       ORDER BY 1`,
      [projectId, phase],
    );
    return rows.map((r) => r.task_key);
  }

  /** Every job of a project's phase work, in the order they were made. */
  async ofProjectPhases(projectId: string): Promise<PhaseJobRow[]> {
    const rows: Array<{
      id: string;
      task_key: string | null;
      capability: string;
      status: JobStatus;
      node_id: string | null;
      node_name: string | null;
      offers: JobOffer[];
      due_at: Date;
      first_offered_at: Date | null;
      accepted_at: Date | null;
      completed_at: Date | null;
      confirmed_at: Date | null;
      phase: WorkingPhase;
      unsettled_amount: string | null;
      price_currency: string | null;
    }> = await this.ds.query(
      `SELECT j.id, j.task_key, j.capability, j.status, j.node_id, n.name AS node_name, j.offers, j.due_at, j.first_offered_at, j.accepted_at, j.completed_at, j.confirmed_at, j.phase,
              CASE WHEN j.status = 'delivered' AND j.payment = 'reserved' AND j.runs -> -1 ->> 'confirmation' = 'unanswered' THEN j.price_amount::text END AS unsettled_amount, j.price_currency
         FROM jobs j LEFT JOIN nodes n ON n.id = j.node_id
        WHERE j.demand_type = 'project' AND j.demand_id = $1 AND j.phase IS NOT NULL
        ORDER BY j.created_at, j.id`,
      [projectId],
    );
    return rows.map((r) => ({
      id: r.id,
      phase: r.phase,
      taskKey: r.task_key,
      capability: r.capability,
      status: r.status,
      nodeId: r.node_id,
      nodeName: r.node_name,
      offers: r.offers,
      dueAt: r.due_at,
      firstOfferedAt: r.first_offered_at,
      acceptedAt: r.accepted_at,
      completedAt: r.completed_at,
      confirmedAt: r.confirmed_at,
      unsettledPrice: r.unsettled_amount !== null && r.price_currency ? { amount: r.unsettled_amount, currency: r.price_currency } : null,
    }));
  }

  /** Closes job rows whose workflow never started (still `searching`, never projected). */
  async discardUnstarted(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.ds.query(`UPDATE jobs SET status = 'cancelled', updated_at = now() WHERE id = ANY($1) AND status = 'searching' AND record_seq = 0`, [jobIds]);
  }
}
