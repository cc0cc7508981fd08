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
} from '@app/contracts';
import { JobEntity, MemberEntity, NodeEntity } from '@app/db';
import { escapeHtml, MailOutbox } from '@app/mail';
import { WebhookSender } from '@app/nodes';

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
   */
  async sendJobEvent(input: SendJobEventInput): Promise<'delivered' | 'failed'> {
    const node = await this.ds.getRepository(NodeEntity).findOneByOrFail({ id: input.nodeId });
    if (node.webhookDisabledAt) return 'failed';
    const attempt = Context.current().info.attempt;
    const r = await this.webhooks.deliver(input.nodeId, { id: input.eventId, type: input.type, data: input.data }, attempt);
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

  /** Projects the job's state (status, node, offers, runs) and its lead-time milestones. */
  async recordJob({ jobId, seq, view }: RecordJobInput): Promise<void> {
    const accepted = view.offers.find((o) => o.answer === 'accepted' || (o.answer === 'countered' && o.reason?.startsWith('taken')));
    const lastRun = view.runs.at(-1);
    await this.ds.query(
      `UPDATE jobs SET status = $2::varchar, node_id = $3, quantity = $4, due_at = $5, offers = $6, runs = $7, progress = $8,
              first_offered_at = COALESCE(first_offered_at, $9::timestamptz), accepted_at = COALESCE(accepted_at, $10::timestamptz), completed_at = $11::timestamptz,
              confirmed_at = CASE WHEN $2::varchar = 'confirmed' THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END,
              record_seq = $12, updated_at = now()
        WHERE id = $1 AND record_seq < $12`,
      [
        jobId,
        view.status,
        view.nodeId,
        view.quantity,
        view.dueAt,
        JSON.stringify(view.offers),
        JSON.stringify(view.runs),
        view.progress ? JSON.stringify(view.progress) : null,
        view.offers[0]?.offeredAt ?? null,
        accepted?.answeredAt ?? null,
        lastRun?.completedAt ?? null,
        seq,
      ],
    );
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
    await this.outbox.enqueue({ key: input.key, to, subject: input.subject, text: input.text, html: `<p>${escapeHtml(input.text)}</p>` });
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

  /** The row of a job split off for the rest of a partial counter-offer. Idempotent. */
  async createRemainderJob(input: { parentJobId: string; jobId: string; quantity: number }): Promise<void> {
    await this.ds.query(
      `INSERT INTO jobs (id, workflow_id, capability, quantity, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, parent_job_id, status, created_by)
       SELECT $2, $3, capability, $4, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, id, 'searching', created_by
         FROM jobs WHERE id = $1
       ON CONFLICT (id) DO NOTHING`,
      [input.parentJobId, input.jobId, jobWorkflowId(input.jobId), input.quantity],
    );
    const job = await this.ds.getRepository(JobEntity).findOneBy({ id: input.jobId });
    if (!job) throw ApplicationFailure.nonRetryable(`parent job ${input.parentJobId} not found`, 'JobNotFound');
  }
}
