import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { Client } from '@temporalio/client';
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
import { JobSnapshot, JobsRepository, MembersRepository, NodesRepository } from '@app/db';
import { escapeHtml, MailOutbox } from '@app/mail';
import { WebhookSender } from '@app/nodes';

/**
 * Why a job event is no longer worth sending, or null. An offer is announced only while it is
 * open; a reminder only while the node still holds the job. Events that report what happened
 * (offer withdrawn, job cancelled, delivery confirmed or rejected) always go out.
 */
export function staleness(e: Pick<SendJobEventInput, 'type' | 'nodeId' | 'data'>, job: Pick<JobSnapshot, 'status' | 'nodeId' | 'lastOffer'>): string | null {
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

/** Activities of job dispatch: choosing nodes, signed webhooks, the read model, escalations. */
@Injectable()
export class JobActivities {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly nodes: NodesRepository,
    private readonly members: MembersRepository,
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
    const rows = await this.nodes.candidates(input);
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
    const node = await this.nodes.get(input.nodeId);
    if (node.webhookDisabledAt) return 'failed';
    const attempt = Context.current().info.attempt;
    const job = typeof input.data.jobId === 'string' ? await this.jobs.snapshot(input.data.jobId) : null;
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
    await this.jobs.record({
      jobId,
      seq,
      status: view.status,
      nodeId: view.nodeId,
      quantity: view.quantity,
      dueAt: view.dueAt,
      offers: view.offers,
      offerCount,
      runs: view.runs,
      runsKept,
      firstOfferedAt: view.offers[0]?.offeredAt ?? null,
      acceptedAt: accepted?.answeredAt ?? null,
      completedAt: lastRun?.completedAt ?? null,
    });
  }

  /**
   * Counts offers a node let expire in a row (once per offer, however often retried) and suspends
   * it at the limit; an answer resets the count. The workflow emails the operator on suspension.
   */
  async recordOfferOutcome(input: OfferOutcomeInput): Promise<OfferOutcomeResult> {
    const row = input.answered
      ? await this.nodes.resetExpiredOffers(input.nodeId)
      : await this.nodes.countExpiredOffer(input.nodeId, input.offerId, EXPIRED_OFFERS_BEFORE_SUSPENSION);
    return {
      suspended: !input.answered && row.status === 'suspended' && row.expiredInRow === EXPIRED_OFFERS_BEFORE_SUSPENSION,
      expiredInRow: row.expiredInRow,
      ownerMemberId: row.ownerMemberId,
      nodeName: row.name,
    };
  }

  /** Emails the coordinator or a member, once per key. */
  async notify(input: NotifyInput): Promise<void> {
    let to = this.config.coordinatorEmail;
    if ('memberId' in input.to) {
      const m = await this.members.findById(input.to.memberId);
      if (!m) return;
      to = m.email;
    }
    let text = input.text;
    if (input.withProgressOf) {
      const job = await this.jobs.snapshot(input.withProgressOf);
      const p = job?.progress;
      text += p ? ` Latest progress: ${p.percent}%${p.note ? ` (${p.note})` : ''}${p.reportedAt ? `, reported ${p.reportedAt}` : ''}.` : ' The node has reported no progress.';
    }
    await this.outbox.enqueue({ key: input.key, to, subject: input.subject, text, html: `<p>${escapeHtml(text)}</p>` });
  }

  /** A node freed a slot: every job waiting for capacity that it could do is told (pull, not push). */
  async announceCapacity(input: { nodeId: string }): Promise<number> {
    const waiting = await this.jobs.waitingForCapacityOf(input.nodeId);
    for (const jobId of waiting) {
      await this.temporal.workflow
        .getHandle(jobWorkflowId(jobId))
        .signal(capacityFreedSignal, { nodeId: input.nodeId })
        .catch((err: unknown) => log.warn('could not signal a waiting job', { jobId, error: String(err) }));
    }
    return waiting.length;
  }

  /**
   * The row of a job split off for the rest of a partial counter-offer: the parent's row through
   * the shared insert (every column it writes), with its own quantity and the parent's id.
   * Idempotent.
   */
  async createRemainderJob(input: { parentJobId: string; jobId: string; quantity: number }): Promise<void> {
    const parent = await this.jobs.findById(input.parentJobId);
    if (!parent) throw ApplicationFailure.nonRetryable(`parent job ${input.parentJobId} not found`, 'JobNotFound');
    await this.jobs.createRemainder(parent, input.jobId, input.quantity);
  }
}
