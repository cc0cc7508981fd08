import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import {
  capacityFreedSignal,
  jobWorkflowId,
  NotifyInput,
  OfferOutcomeInput,
  OfferOutcomeResult,
  PickNodeInput,
  PickNodeResult,
  RecordJobInput,
  SendJobEventInput,
  SendJobEventResult,
} from '@app/contracts';
import { insertJobRow, JobEntity, MemberEntity, NodeEntity } from '@app/db';
import { escapeHtml, MailOutbox } from '@app/mail';
import { WebhookSender } from '@app/nodes';

interface CurrentJob {
  status: string;
  nodeId: string | null;
  lastOffer: { offerId: string; answer: string | null } | null;
  progress: { percent: number; note: string | null; reportedAt?: string; reports?: number } | null;
}

/** `<jobId>:<n>` → n. */
const offerNumber = (offerId: string) => Number(offerId.slice(offerId.lastIndexOf(':') + 1));

/**
 * Why a job event is no longer worth sending, or null. An offer is announced only while it is
 * open; a reminder only while the node still holds the job. Events that report what happened
 * (offer withdrawn, job cancelled, delivery confirmed or rejected) always go out.
 */
export function staleness(e: Pick<SendJobEventInput, 'type' | 'nodeId' | 'data'>, job: Pick<CurrentJob, 'status' | 'nodeId' | 'lastOffer'>): string | null {
  if (e.type === 'job.offered') {
    const open = job.status === 'offered' && job.lastOffer?.offerId === e.data.offerId && job.lastOffer?.answer === null;
    return open ? null : `offer ${String(e.data.offerId)} is no longer open (the job is ${job.status})`;
  }
  if (e.type === 'job.reminder') {
    const held = (job.status === 'accepted' || job.status === 'in-progress') && job.nodeId === e.nodeId;
    return held ? null : `the node no longer holds the job (it is ${job.status})`;
  }
  return null;
}

/** Offers a node may let expire in a row before it is suspended (partner networks take silent shops offline). */
export const EXPIRED_OFFERS_BEFORE_SUSPENSION = 3;
const AUTOMATION_RANK = `CASE n.automation_level WHEN 'automated' THEN 3 WHEN 'computer-aided' THEN 2 WHEN 'conventional' THEN 1 ELSE 0 END`;

/** Activities of job dispatch: choosing nodes, signed webhooks, the read model, escalations. */
@Injectable()
export class JobActivities {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly webhooks: WebhookSender,
    private readonly outbox: MailOutbox,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * The node to offer a job to next: active, endpoint enabled, with the capability, not tried
   * before; under its work-in-progress limit; higher automation first, then the recipient's
   * location, then the least busy. `all-busy` when every capable node is at its limit (jobs held
   * plus offers open).
   */
  async pickNode(input: PickNodeInput): Promise<PickNodeResult> {
    // Work in progress: jobs a node holds, and jobs offered to it right now.
    const wip = `(SELECT COUNT(*) FROM jobs j WHERE j.node_id = n.id AND j.status IN ('accepted', 'in-progress')
                  OR (j.status = 'offered' AND j.id <> $4::uuid AND j.offers -> (jsonb_array_length(j.offers) - 1) ->> 'nodeId' = n.id::text))`;
    const rows: Array<{ id: string; busy: boolean }> = await this.ds.query(
      `SELECT n.id, ${wip} >= n.wip_limit AS busy
         FROM nodes n
        WHERE n.status = 'active' AND n.webhook_disabled_at IS NULL
          AND n.capabilities @> $1::jsonb AND NOT (n.id = ANY($2::uuid[]))
          AND ($5::uuid[] IS NULL OR n.id = ANY($5::uuid[]))
        ORDER BY ${AUTOMATION_RANK} DESC,
                 (n.location_id IS NOT DISTINCT FROM $3::uuid) DESC,
                 ${wip} ASC,
                 n.id ASC`,
      [JSON.stringify([{ function: input.capability }]), input.exclude, input.locationId, input.jobId, input.only ?? null],
    );
    if (rows.length === 0) return { kind: 'none' };
    const free = rows.find((r) => !r.busy);
    return free ? { kind: 'node', nodeId: free.id } : { kind: 'all-busy' };
  }

  /**
   * One signed delivery of a job event. Retryable answers (5xx, 408, 429, network) throw, so that
   * Temporal retries the activity with the same event id (honouring Retry-After); a final refusal
   * (other 4xx, 410, a disabled endpoint) answers `failed` at once. A 410 also tells the operator.
   * Before each attempt it checks that what it announces is still current (see `staleness`): a
   * stale event is recorded as `skipped` and not sent.
   */
  async sendJobEvent(input: SendJobEventInput): Promise<SendJobEventResult> {
    const node = await this.ds.getRepository(NodeEntity).findOneByOrFail({ id: input.nodeId });
    if (node.webhookDisabledAt) return 'failed';
    const attempt = Context.current().info.attempt;
    const job = typeof input.data.jobId === 'string' ? await this.currentJob(input.data.jobId) : null;
    const stale = job ? staleness(input, job) : null;
    if (stale) {
      await this.webhooks.recordSkipped(input.nodeId, { id: input.eventId, type: input.type, data: input.data }, attempt, stale);
      log.info('job event skipped: no longer current', { nodeId: input.nodeId, type: input.type, reason: stale });
      return 'skipped';
    }
    // A reminder carries the latest progress the node reported (kept in PostgreSQL, not in the workflow).
    const data = input.type === 'job.reminder' && job && !('progress' in input.data) ? { ...input.data, progress: job.progress } : input.data;
    const r = await this.webhooks.deliver(input.nodeId, { id: input.eventId, type: input.type, data }, attempt);
    if (r.outcome === 'delivered') return 'delivered';
    if (r.outcome === 'retry') {
      throw ApplicationFailure.create({ message: `${input.type} to node ${input.nodeId}: ${r.error}`, type: 'WebhookRetry', nextRetryDelay: r.retryAfterMs ?? undefined });
    }
    if (r.outcome === 'gone') {
      await this.notify({
        key: `node:${node.id}:gone:${input.eventId}`,
        to: { memberId: node.ownerMemberId },
        subject: `Your node "${node.name}" stopped receiving DPN webhooks`,
        text: `Your endpoint ${node.webhookUrl} answered 410 Gone to ${input.type}. DPN sends nothing more to it until the coordinator pings it successfully or its URL changes.`,
      });
    }
    log.warn('job event not delivered', { nodeId: input.nodeId, type: input.type, outcome: r.outcome, error: r.error });
    return 'failed';
  }

  /**
   * Projects the job's state (status, node, the latest offers, runs) and its lead-time milestones.
   * The view keeps only the latest offers and runs (with counts): every offer is kept in
   * `job_offers`, every run in `jobs.runs` (the older ones stay, the view's replace the tail).
   * Progress is not the workflow's: the node API writes it; a new offer clears it.
   */
  async recordJob({ jobId, seq, view }: RecordJobInput): Promise<void> {
    const accepted = view.offers.find((o) => o.answer === 'accepted' || (o.answer === 'countered' && o.reason?.startsWith('taken')));
    const lastRun = view.runs.at(-1);
    const offerCount = view.offerCount ?? view.offers.length;
    // Runs before the view's window, kept from the row (views of older runs carry every run: 0).
    const runsKept = Math.max(0, (view.runCount ?? view.runs.length) - view.runs.length);
    await this.ds.transaction(async (m) => {
      const [moved] = await m.query(
        `UPDATE jobs SET status = $2::varchar, node_id = $3, quantity = $4, due_at = $5, offers = $6, offer_count = $12,
                runs = (SELECT COALESCE(jsonb_agg(r.e ORDER BY r.i), '[]'::jsonb) FROM jsonb_array_elements(jobs.runs) WITH ORDINALITY AS r(e, i) WHERE r.i <= $13) || $7::jsonb,
                progress = CASE WHEN $2::varchar IN ('accepted', 'in-progress') THEN progress END,
                first_offered_at = COALESCE(first_offered_at, $8::timestamptz), accepted_at = COALESCE(accepted_at, $9::timestamptz), completed_at = $10::timestamptz,
                confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END,
                record_seq = $11, updated_at = now()
          WHERE id = $1 AND record_seq < $11
          RETURNING id`,
        [
          jobId,
          view.status,
          view.nodeId,
          view.quantity,
          view.dueAt,
          JSON.stringify(view.offers),
          JSON.stringify(view.runs),
          view.offers[0]?.offeredAt ?? null,
          accepted?.answeredAt ?? null,
          lastRun?.completedAt ?? null,
          seq,
          offerCount,
          runsKept,
        ],
      );
      // An older write (a retry overtaken by a newer one) changes nothing.
      if ((moved as unknown[]).length === 0 || view.offers.length === 0) return;
      await m.query(
        `INSERT INTO job_offers (offer_id, job_id, n, node_id, offered_at, answer, reason, answered_at)
         SELECT o.offer_id, $1::uuid, o.n, o.node_id, o.offered_at, o.answer, o.reason, o.answered_at
           FROM jsonb_to_recordset($2::jsonb) AS o(offer_id varchar, n int, node_id uuid, offered_at timestamptz, answer varchar, reason text, answered_at timestamptz)
         ON CONFLICT (offer_id) DO UPDATE SET answer = EXCLUDED.answer, reason = EXCLUDED.reason, answered_at = EXCLUDED.answered_at`,
        [
          jobId,
          JSON.stringify(
            view.offers.map((o) => ({ offer_id: o.offerId, n: offerNumber(o.offerId), node_id: o.nodeId, offered_at: o.offeredAt, answer: o.answer, reason: o.reason, answered_at: o.answeredAt })),
          ),
        ],
      );
    });
  }

  /** What a job event is checked against before each attempt: the job row (the workflow's projection). */
  private async currentJob(jobId: string): Promise<CurrentJob | null> {
    const rows: CurrentJob[] = await this.ds.query(`SELECT status, node_id AS "nodeId", offers -> -1 AS "lastOffer", progress FROM jobs WHERE id = $1`, [jobId]);
    return rows[0] ?? null;
  }

  /**
   * Counts offers a node let expire in a row (once per offer, however often retried) and suspends
   * it at the limit; an answer resets the count. The workflow emails the operator on suspension.
   */
  async recordOfferOutcome(input: OfferOutcomeInput): Promise<OfferOutcomeResult> {
    // For an UPDATE, TypeORM's query() answers [rows, affected].
    const [rows] = input.answered
      ? await this.ds.query(
          `UPDATE nodes SET expired_offers_in_row = 0, last_expired_offer_id = NULL WHERE id = $1
           RETURNING expired_offers_in_row, status, owner_member_id, name`,
          [input.nodeId],
        )
      : await this.ds.query(
          `UPDATE nodes SET expired_offers_in_row = expired_offers_in_row + CASE WHEN last_expired_offer_id IS DISTINCT FROM $2 THEN 1 ELSE 0 END,
                  last_expired_offer_id = $2,
                  status = CASE WHEN expired_offers_in_row + 1 >= $3 AND last_expired_offer_id IS DISTINCT FROM $2 THEN 'suspended' ELSE status END
            WHERE id = $1 RETURNING expired_offers_in_row, status, owner_member_id, name`,
          [input.nodeId, input.offerId, EXPIRED_OFFERS_BEFORE_SUSPENSION],
        );
    const row = (rows as Array<{ expired_offers_in_row: number; status: string; owner_member_id: string; name: string }>)[0];
    return {
      suspended: !input.answered && row.status === 'suspended' && row.expired_offers_in_row === EXPIRED_OFFERS_BEFORE_SUSPENSION,
      expiredInRow: row.expired_offers_in_row,
      ownerMemberId: row.owner_member_id,
      nodeName: row.name,
    };
  }

  /** Emails the coordinator or a member, once per key. */
  async notify(input: NotifyInput): Promise<void> {
    let to = this.config.coordinatorEmail;
    if ('memberId' in input.to) {
      const m = await this.ds.getRepository(MemberEntity).findOneBy({ id: input.to.memberId });
      if (!m) return;
      to = m.email;
    }
    let text = input.text;
    if (input.withProgressOf) {
      const job = await this.currentJob(input.withProgressOf);
      const p = job?.progress;
      text += p ? ` Latest progress: ${p.percent}%${p.note ? ` (${p.note})` : ''}${p.reportedAt ? `, reported ${p.reportedAt}` : ''}.` : ' The node has reported no progress.';
    }
    await this.outbox.enqueue({ key: input.key, to, subject: input.subject, text, html: `<p>${escapeHtml(text)}</p>` });
  }

  /** A node freed a slot: every job waiting for capacity that it could do is told (pull, not push). */
  async announceCapacity(input: { nodeId: string }): Promise<number> {
    const waiting: Array<{ id: string }> = await this.ds.query(
      `SELECT j.id FROM jobs j JOIN nodes n ON n.id = $1
        WHERE j.status = 'waiting-for-capacity' AND n.capabilities @> jsonb_build_array(jsonb_build_object('function', j.capability))
        ORDER BY j.due_at, j.id`,
      [input.nodeId],
    );
    for (const j of waiting) {
      await this.temporal.workflow
        .getHandle(jobWorkflowId(j.id))
        .signal(capacityFreedSignal, { nodeId: input.nodeId })
        .catch((err: unknown) => log.warn('could not signal a waiting job', { jobId: j.id, error: String(err) }));
    }
    return waiting.length;
  }

  /**
   * The row of a job split off for the rest of a partial counter-offer: the parent's row through
   * the shared insert (every column it writes), with its own quantity and the parent's id.
   * Idempotent.
   */
  async createRemainderJob(input: { parentJobId: string; jobId: string; quantity: number }): Promise<void> {
    const parent = await this.ds.getRepository(JobEntity).findOneBy({ id: input.parentJobId });
    if (!parent) throw ApplicationFailure.nonRetryable(`parent job ${input.parentJobId} not found`, 'JobNotFound');
    await this.ds.transaction(async (m) => {
      await insertJobRow(m, {
        id: input.jobId,
        capability: parent.capability,
        productId: parent.productId,
        quantity: input.quantity,
        unit: parent.unit,
        specUrl: parent.specUrl,
        dueAt: parent.dueAt,
        recipient: { type: parent.recipientType, id: parent.recipientId },
        demand: { type: parent.demandType, id: parent.demandId },
        phase: parent.phase,
        taskKey: parent.taskKey,
        createdBy: parent.createdBy,
      });
      await m.query(`UPDATE jobs SET parent_job_id = $2 WHERE id = $1 AND parent_job_id IS NULL`, [input.jobId, input.parentJobId]);
    });
  }
}
