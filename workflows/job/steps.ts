/**
 * The steps of a job (`workflow.ts` tells them in order): project the view, tell the coordinator
 * and the nodes, offer the job until a node takes it, wait for the work, ask the recipient, and
 * stop cleanly when cancelled or when PostgreSQL refuses the job's data.
 *
 * `job.v2` marks runs from v0.4.0 on (`patched(BOUNDED)` in `workflow.ts`); the branches for older
 * runs keep their commands exactly as they were recorded.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { PaymentActivities } from '../../apps/worker/src/activities/payment.activities';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import { FlowJobEvent, flowJobEventSignal, flowWorkflowId } from '../../libs/contracts/src/flows';
import {
  CompletionReport,
  ESCALATIONS_KEPT,
  JobNotification,
  jobNotificationWorkflowId,
  JobOffer,
  JobRun,
  JobStatus,
  NotifyInput,
  OFFERS_KEPT,
  RUNS_KEPT,
  SendJobEventInput,
} from '../../libs/contracts/src/job';
import { JOB_WEBHOOK, MAIL, MUST_LAND } from '../shared/activity-options';
import { askMembers, decisionRequest } from '../shared/decision-request';
import { causeOf, dataRejected } from '../shared/failures';
import { jobNotificationWorkflow } from './notification';
import type { JobState } from './state';
import { makeStorable } from './storable';
import type { jobWorkflow } from './workflow';

const { pickNode, recordJob, recordOfferOutcome, announceCapacity, createRemainderJob } = proxyActivities<JobActivities>(MUST_LAND);
// Escalation emails (runs from before BOUNDED; newer runs send them from a notification child).
const { notify } = proxyActivities<JobActivities>(MAIL);
const { sendJobEvent } = proxyActivities<JobActivities>(JOB_WEBHOOK);
// Money (paid work): retried until PostgreSQL takes it, each step idempotent by its ledger key.
const { reserveJobPrice, payJobPrice, settleCancelledJob } = proxyActivities<PaymentActivities>(MUST_LAND);
/** A money step is never cut off by a cancellation: the cancel waits for it to commit, then works from what was committed. */
const money = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** A job waiting for money looks again at most this far apart (a top-up wakes it at once). */
const MONEY_RETRY_MAX = 6 * HOUR;
const DAY = 24 * HOUR;
const REMAINDERS_KEPT = 10;
const keepLast = <T>(list: T[], n: number) => void (list.length > n && list.splice(0, list.length - n));
const now = () => new Date().toISOString();

// ---- Projection -------------------------------------------------------------------------------

/** Projects the view; `seq` keeps a slower write from overwriting a newer one. */
export async function record(job: JobState): Promise<void> {
  const { input, view } = job;
  try {
    await recordJob({ jobId: input.jobId, seq: ++job.recordSeq, view });
  } catch (err) {
    if (!job.v2 || !dataRejected(err)) throw err;
    // PostgreSQL refused a text of the view (a NUL, say): store what it can, and say so.
    escalate(job, `data-rejected-${job.recordSeq}`, `PostgreSQL refused to store the state of job ${input.jobId} (${causeOf(err)}). Text it cannot store was removed and the job goes on; check what the node or coordinator sent.`);
    makeStorable(view);
    await recordJob({ jobId: input.jobId, seq: ++job.recordSeq, view });
  }
}

export async function set(job: JobState, status: JobStatus): Promise<void> {
  job.view.status = status;
  await record(job);
}

/** An activity whose failure must not stop the job: a DATA_REJECTED is told to the coordinator and `fallback` used. */
async function goOn<T>(job: JobState, what: string, run: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!job.v2 || !dataRejected(err)) throw err;
    escalate(job, `data-rejected-${what}`, `PostgreSQL refused the data of "${what}" for job ${job.input.jobId} (${causeOf(err)}); the job goes on without it.`);
    return fallback;
  }
}

// ---- Telling people and nodes -----------------------------------------------------------------

/** A notification on its own: a child the job abandons (it may retry for a day; the job does not wait). */
function notice(job: JobState, n: JobNotification): void {
  const workflowId = jobNotificationWorkflowId(job.input.jobId, ++job.notices);
  job.background.push(
    startChild(jobNotificationWorkflow, { workflowId, args: [n], parentClosePolicy: ParentClosePolicy.ABANDON }).catch((err: unknown) =>
      // Nothing the job does waits for a notification: it goes on without this one.
      log.warn('a job notification could not be started; the job goes on without it', { notificationWorkflowId: workflowId, kind: n.kind, error: causeOf(err) }),
    ),
  );
}

/** An email to the coordinator, once per `what`. */
function escalate(job: JobState, what: string, text: string, extra: Partial<NotifyInput> = {}): void {
  const { view, input } = job;
  if (view.escalations.includes(what)) return;
  view.escalations.push(what);
  if (job.v2) keepLast(view.escalations, ESCALATIONS_KEPT);
  const mail: NotifyInput = { key: `job:${input.jobId}:${what}`, to: { coordinator: true }, subject: `Job ${input.capability} × ${view.quantity}: ${what}`, text, ...extra };
  if (job.v2) notice(job, { kind: 'mail', mail });
  else job.background.push(mailOrLog(mail));
}

/** Before BOUNDED: an email sent from the job itself, which never stops the job. */
function mailOrLog(mail: NotifyInput): Promise<void> {
  return notify(mail).then(
    () => undefined,
    // The mail outbox records every attempt; a mail that could not be sent does not stop the job.
    (err: unknown) => log.warn('a job email was not sent after its retries; the job goes on', { key: mail.key, error: causeOf(err) }),
  );
}

/** A webhook to a node, sent now; `failed` once it was given up (every attempt is in webhook_attempts). */
function event(job: JobState, nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}) {
  const eventId = eventIdOf(job, suffix);
  return sendJobEvent({ nodeId, eventId, type, data: { jobId: job.input.jobId, ...data } }).catch((err: unknown) => {
    // Given up after its retries: the caller treats it as not delivered.
    log.warn('a job webhook was given up; it counts as not delivered', { nodeId, type, eventId, error: causeOf(err) });
    return 'failed' as const;
  });
}

/** A webhook to a node nobody waits for. */
function later(job: JobState, nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}): void {
  if (job.v2) notice(job, { kind: 'webhook', event: { nodeId, eventId: eventIdOf(job, suffix), type, data: { jobId: job.input.jobId, ...data } } });
  else job.background.push(event(job, nodeId, type, suffix, data));
}

const eventIdOf = (job: JobState, suffix: string) => `evt_${job.input.jobId.replace(/-/g, '')}_${suffix}`;

// ---- A long life ------------------------------------------------------------------------------

/**
 * Continue-as-new when the history is long (Temporal's suggestion, or `historyEventLimit`), at a
 * safe point: between offers, no update handler running, every notification started. The state
 * goes across as plain JSON. (A stale offer webhook still retrying is dropped with the run: its
 * offer has closed.)
 */
export async function continueIfLong(job: JobState, preferred: string | null): Promise<void> {
  if (!job.v2 || job.cancel) return;
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < job.historyEventLimit) return;
  await Promise.all(job.background);
  await condition(() => job.cancel !== undefined || allHandlersFinished());
  if (job.cancel) return;
  const { view, tried, recordSeq, notices } = job;
  await continueAsNew<typeof jobWorkflow>({ ...job.input, carried: { view, tried: [...tried], recordSeq, preferred, notices } });
}

// ---- Finding a node ---------------------------------------------------------------------------

/** Offers the job until a node takes it; false when it was cancelled first. */
export async function dispatch(job: JobState, preferred: string | null): Promise<boolean> {
  const { input, view, tried } = job;
  if (job.cancel) return false;
  if (preferred && (await offerTo(job, preferred, true))) return true;
  for (;;) {
    if (job.cancel) return false;
    await continueIfLong(job, null);
    const seen = job.freed; // before picking: a slot freed meanwhile must not be missed
    // (A leg's transport need narrows the carriers; activity inputs are not part of replay.)
    const pick = await pickNode({ jobId: input.jobId, capability: input.capability, locationId: input.locationId, exclude: [...tried], only: input.onlyNodeIds, ...(input.transport ? { transport: input.transport } : {}) });
    if (pick.kind === 'node') {
      if (await offerTo(job, pick.nodeId, false)) return true;
      continue;
    }
    if (pick.kind === 'all-busy') {
      // (A status already projected is not written again on every look.)
      if (!job.v2 || view.status !== 'waiting-for-capacity') await set(job, 'waiting-for-capacity');
      // Woken by a node that frees a slot; the hourly look is only a safety net.
      await condition(() => job.cancel !== undefined || job.freed > seen, HOUR);
    } else {
      if (!job.v2 || view.status !== 'no-node') {
        await set(job, 'no-node');
        if (job.flow) await tellFlow(job, { kind: 'no-node' });
      }
      escalate(job, 'no node left', `No node is left to offer this job to (${input.capability} × ${view.quantity} ${input.unit}, due ${view.dueAt}). ${tried.size} node(s) declined or did not answer. Register a capable node or change the job.`);
      // A day later, nodes that declined get another chance (their capacity may have changed);
      // the job's own exclusions stay.
      if (!(await condition(() => job.cancel !== undefined || job.freed > seen, DAY))) {
        tried.clear();
        if (job.v2) for (const n of job.exclusions) tried.add(n);
      }
    }
  }
}

/** Offers the job to one node; true when it accepted (possibly after a counter-offer taken). */
async function offerTo(job: JobState, nodeId: string, rework: boolean): Promise<boolean> {
  const { input, view, tried } = job;
  const n = (view.offerCount ?? view.offers.length) + 1;
  const offer: JobOffer = { offerId: `${input.jobId}:${n}`, nodeId, offeredAt: now(), answer: null, reason: null, answeredAt: null };
  view.offers.push(offer);
  if (job.v2) {
    // The latest offers only: every offer is kept in PostgreSQL (job_offers).
    view.offerCount = n;
    keepLast(view.offers, OFFERS_KEPT);
  }
  job.currentOffer = offer;
  await set(job, 'offered');
  const answerBy = Date.now() + input.offerTimeoutMs;
  const close = async (result: JobOffer['answer'], reason: string | null) => {
    offer.answer = result;
    offer.reason = reason;
    offer.answeredAt = now();
    job.currentOffer = null;
    await record(job);
  };
  try {
    // The answer window starts now, while the webhook may still be retried (a node may answer
    // from its list of offers before the webhook gets through).
    let sent: 'delivered' | 'failed' | 'skipped' | undefined;
    void event(job, nodeId, 'job.offered', `offer${n}`, {
      offerId: offer.offerId,
      capability: input.capability,
      quantity: view.quantity,
      unit: input.unit,
      specUrl: input.specUrl,
      dueAt: view.dueAt,
      answerBy: new Date(answerBy).toISOString(),
      rework,
      ...(input.deliverable ? { deliverable: { kind: input.deliverable.kind, licence: input.deliverable.licence } } : {}),
    }).then((r) => (sent = r));
    const answered = await condition(() => job.answer !== undefined || job.cancel !== undefined || sent === 'failed', input.offerTimeoutMs);
    if (job.cancel) {
      await close('withdrawn', 'the job was cancelled');
      return false;
    }
    if (!job.answer && sent === 'failed') {
      tried.add(nodeId);
      await close('undeliverable', 'the offer could not be delivered to the node');
      return false;
    }
    if (!answered) {
      tried.add(nodeId);
      await close('expired', `no answer by ${new Date(answerBy).toISOString()}`);
      const outcome = await goOn(job, 'offer outcome', () => recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: false }), null);
      later(job, nodeId, 'offer.withdrawn', `offer${n}-expired`, { offerId: offer.offerId, reason: 'expired' });
      if (outcome?.suspended) {
        const mail: NotifyInput = {
          key: `node:${nodeId}:suspended:${offer.offerId}`,
          to: { memberId: outcome.ownerMemberId },
          subject: `Your node "${outcome.nodeName}" was suspended`,
          text: `Your node let ${outcome.expiredInRow} job offers in a row expire without an answer, so it receives no more offers. Ask the coordinator to reactivate it when it is staffed again.`,
        };
        if (job.v2) notice(job, { kind: 'mail', mail });
        else job.background.push(mailOrLog(mail));
      }
      return false;
    }
    const a = job.answer!;
    await goOn(job, 'offer outcome', () => recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: true }), null);
    if (a.kind === 'reject') {
      tried.add(nodeId);
      await close('rejected', a.reason);
      return false;
    }
    if (a.kind === 'counter') {
      const lateBy = a.dueAt ? Date.parse(a.dueAt) - Date.parse(input.dueAt) : 0;
      // A priced job is not split (its price is one reservation).
      const noSplit = !input.allowPartial || job.priced;
      if (lateBy > input.maxDelayMs || (a.quantity !== undefined && noSplit)) {
        tried.add(nodeId);
        await close('countered', a.quantity !== undefined && noSplit ? 'refused: this job is not split' : `refused: more than ${input.maxDelayMs / HOUR} h after the due date`);
        later(job, nodeId, 'offer.withdrawn', `offer${n}-counter-refused`, { offerId: offer.offerId, reason: offer.reason });
        return false;
      }
      if (a.dueAt) view.dueAt = a.dueAt;
      if (a.quantity !== undefined) await splitOff(job, nodeId, a.quantity);
      // Within the ceiling (the update's validator refused anything above it): the price becomes the one asked.
      const priced = job.priced && a.price !== undefined ? `${a.quantity !== undefined || a.dueAt ? ', ' : ''}price ${a.price} ${view.price!.currency}` : '';
      if (job.priced && a.price !== undefined) view.price = { ...view.price!, amount: a.price };
      await close('countered', `taken: ${a.quantity !== undefined ? `${a.quantity} of the quantity` : ''}${a.quantity !== undefined && a.dueAt ? ', ' : ''}${a.dueAt ? `due ${a.dueAt}` : ''}${priced}${a.note ? ` (${a.note})` : ''}`);
    } else {
      await close('accepted', null);
    }
    view.nodeId = nodeId;
    await set(job, 'accepted');
    return true;
  } finally {
    // Whatever happened, the answer (if any) belongs to this offer only: never to the next one.
    job.answer = undefined;
  }
}

/** The node makes part; the rest becomes a job of its own, offered to other nodes. */
async function splitOff(job: JobState, nodeId: string, quantity: number): Promise<void> {
  const { input, view } = job;
  const restId = uuid4();
  const rest = view.quantity - quantity;
  view.quantity = quantity;
  await createRemainderJob({ parentJobId: input.jobId, jobId: restId, quantity: rest });
  // By name: the same workflow type as `jobWorkflow` (workflow.ts imports this module).
  await startChild<typeof jobWorkflow>('jobWorkflow', {
    workflowId: `job-${restId}`,
    args: [{ ...input, jobId: restId, quantity: rest, excludeNodeIds: [...job.tried, nodeId], carried: undefined }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  view.remainderJobIds.push(restId);
  if (job.v2) keepLast(view.remainderJobIds, REMAINDERS_KEPT);
}

// ---- Paid work --------------------------------------------------------------------------------

/**
 * Reserves the price from the paying account once a node has accepted (a rework keeps the first
 * reservation). Not enough money: the job says `waiting-for-money` (the project's blockers show
 * it) and tries again when the account is topped up (`moneyAdded`) or on a timer that doubles from
 * a minute to 6 h, so a long wait adds a few dozen events a day. False when cancelled meanwhile.
 */
export async function reserve(job: JobState): Promise<boolean> {
  const { input, view } = job;
  if (view.payment === 'reserved') return true;
  let wait = MINUTE;
  for (;;) {
    if (job.cancel) return false;
    const seen = job.moneyAdded; // before asking: a top-up meanwhile must not be missed
    const result = await money(() => reserveJobPrice({ jobId: input.jobId, amount: view.price!.amount }));
    if (result.reserved) {
      view.payment = 'reserved';
      if (view.status === 'waiting-for-money') await set(job, 'accepted');
      return true;
    }
    if (view.status !== 'waiting-for-money') {
      view.payment = 'waiting';
      await set(job, 'waiting-for-money');
      escalate(job, 'waiting-for-money', `Job ${input.jobId} (${input.capability} × ${view.quantity}) was accepted by node ${view.nodeId}, but its paying account holds ${result.available} and the price is ${result.asked} (${view.price!.currency} minor units). The job waits until the account is topped up.`);
    }
    await condition(() => job.cancel !== undefined || job.moneyAdded > seen, wait);
    wait = Math.min(wait * 2, MONEY_RETRY_MAX);
  }
}

/** A cancelled (or failed) priced job: the reported progress paid if the task says so, the rest released. */
async function settle(job: JobState, payProgress: boolean): Promise<void> {
  if (!job.priced) return;
  const r = await money(() => settleCancelledJob({ jobId: job.input.jobId, payProgress }));
  if (job.view.payment === 'reserved') job.view.payment = r.paid !== '0' ? 'part-paid' : 'released';
  else job.view.payment = null;
}

// ---- Making and delivering --------------------------------------------------------------------

/** Waits for the accepted node to finish; reminds it a day before the due date, escalates after. */
export async function production(job: JobState): Promise<CompletionReport | undefined> {
  const { input, view } = job;
  const done = () => job.completion !== undefined || job.cancel !== undefined;
  const remindIn = Date.parse(view.dueAt) - DAY - Date.now();
  if (remindIn > 0 && !(await condition(done, remindIn))) {
    // (The latest progress comes from PostgreSQL, added by the activity.)
    later(job, view.nodeId!, 'job.reminder', `reminder${job.runNo()}`, job.v2 ? { dueAt: view.dueAt } : { dueAt: view.dueAt, progress: view.progress });
  }
  const dueIn = Date.parse(view.dueAt) - Date.now();
  // Late (or rework that starts after the due date): the coordinator is told.
  if (dueIn <= 0 || !(await condition(done, dueIn))) {
    if (!done()) {
      if (job.v2) escalate(job, `overdue-${job.runNo()}`, `The job (${input.capability} × ${view.quantity}) at node ${view.nodeId} was due ${view.dueAt} and is not complete.`, { withProgressOf: input.jobId });
      else escalate(job, `overdue-${view.runs.length}`, `The job (${input.capability} × ${view.quantity}) at node ${view.nodeId} was due ${view.dueAt} and is not complete (progress: ${view.progress?.percent ?? 0}%).`);
    }
  }
  await condition(done);
  return job.completion;
}

/** Records the run the node completed, the job `delivered`, and the node's slot free again. */
export async function delivered(job: JobState, report: CompletionReport): Promise<JobRun> {
  const { view } = job;
  view.runs.push({
    made: report.made,
    scrapped: report.scrapped,
    completedAt: now(),
    confirmation: null,
    reason: null,
    ...(report.documents?.length ? { documents: report.documents } : {}),
  });
  const run = view.runs.at(-1)!;
  if (job.v2) {
    // The latest runs only (every run is kept in jobs.runs); the yield over all of them.
    view.runCount = job.runNo() + 1;
    view.yield = { made: (view.yield?.made ?? 0) + report.made, scrapped: (view.yield?.scrapped ?? 0) + report.scrapped };
    keepLast(view.runs, RUNS_KEPT);
  }
  job.completion = undefined;
  await set(job, 'delivered');
  await goOn(job, 'announce capacity', () => announceCapacity({ nodeId: view.nodeId! }), 0);
  return run;
}

export type RecipientAnswer = { kind: 'confirmed' } | { kind: 'rejected'; reason: string | null } | { kind: 'unanswered' } | { kind: 'withdrawn' };

/**
 * The recipient confirms receipt and quality, or rejects with a reason (a `memberDecisionWorkflow`
 * child). Cancelled meanwhile: the question is withdrawn (the decision records that).
 */
export async function askRecipient(job: JobState, report: CompletionReport): Promise<RecipientAnswer> {
  const { input, view } = job;
  const request = decisionRequest({
    kind: 'delivery-confirmation',
    subject: { type: 'delivery', id: input.jobId },
    title: `Delivery: ${report.made} ${input.unit} of ${input.capability}`,
    question: `Node ${view.nodeId} reports ${report.made} ${input.unit} made for you. Did you receive them, in the quality specified?`,
    context: [
      { label: 'Job', value: input.jobId },
      { label: 'Quantity', value: `${report.made} ${input.unit} (${report.scrapped} scrapped in production)` },
      { label: 'Specification', value: input.specUrl },
      ...(report.documents ?? []).map((d) => ({ label: `Document: ${d.title}`, value: d.url })),
    ],
    options: [
      { id: 'confirm', label: 'Received, quality as specified' },
      { id: 'reject', label: 'Not received, or not as specified (send it back for rework)' },
    ],
    asked: { memberIds: [input.recipient.confirmerId] },
    answerWithinMs: input.confirmWithinMs,
    remindBeforeMs: [Math.floor(input.confirmWithinMs / 2), Math.floor(input.confirmWithinMs / 8)],
    rule: { kind: 'each' },
    requestedBy: `job:${input.jobId}`,
  });
  const scope = new CancellationScope();
  const decision = await scope.run(() => askMembers(request));
  let outcome: Awaited<ReturnType<typeof decision.result>> | undefined;
  let settled = false;
  void decision
    .result()
    .then(
      (o) => (outcome = o),
      (err: unknown) =>
        // Withdrawn below, or ended without an outcome (terminated, say): the delivery counts as unanswered.
        log.warn(job.cancel ? 'the delivery question was withdrawn: the job is being cancelled' : 'the delivery decision ended without an outcome; the delivery counts as unanswered', {
          decisionId: request.decisionId,
          error: causeOf(err),
        }),
    )
    .then(() => (settled = true));
  await condition(() => settled || job.cancel !== undefined);
  if (!settled) {
    // Cancelled while the recipient was asked: withdraw the question (it records that).
    scope.cancel();
    await condition(() => settled);
    return { kind: 'withdrawn' };
  }
  const mine = outcome?.perMember[0];
  if (mine?.optionId === 'confirm') return { kind: 'confirmed' };
  if (mine?.optionId === 'reject') return { kind: 'rejected', reason: mine.comment ?? null };
  return { kind: 'unanswered' };
}

/**
 * A flow job after its delivery: the flow answers once the hand-off of this run's output is answered
 * by whoever received it. Cancelled meanwhile: withdrawn; nothing within `confirmWithinMs`: unanswered.
 */
export async function handoffAnswer(job: JobState): Promise<RecipientAnswer> {
  const run = job.runNo();
  const answered = await condition(() => job.handoffAnswer?.run === run || job.cancel !== undefined, job.input.confirmWithinMs);
  if (job.cancel) return { kind: 'withdrawn' };
  if (!answered) return { kind: 'unanswered' };
  const a = job.handoffAnswer!;
  return a.accepted ? { kind: 'confirmed' } : { kind: 'rejected', reason: a.reason };
}

/** Tells the job's flow what happened (a signal to the flow workflow); a flow that has ended is not waited for. */
export async function tellFlow(job: JobState, ev: DistributiveOmit<FlowJobEvent, 'jobId'>): Promise<void> {
  const flowId = job.input.flow!.flowId;
  try {
    await getExternalWorkflowHandle(flowWorkflowId(flowId)).signal(flowJobEventSignal, { jobId: job.input.jobId, ...ev } as FlowJobEvent);
  } catch (err) {
    log.warn('the flow of this job could not be told; the job goes on', { flowId, kind: ev.kind, error: causeOf(err) });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Confirmed: the outcome is known, from here on nothing can cancel it; the node is told. */
export async function confirmed(job: JobState, run: JobRun): Promise<void> {
  if (job.v2) job.finished = true;
  if (job.priced) {
    // Only a confirmed run is paid (a rejected one earned nothing); the ledger key names the run.
    await money(() => payJobPrice({ jobId: job.input.jobId, run: job.runNo() }));
    job.view.payment = 'paid';
  }
  run.confirmation = 'confirmed';
  await set(job, 'confirmed');
  later(job, job.view.nodeId!, 'delivery.confirmed', `confirmed${job.runNo()}`, { made: run.made });
}

/** Rejected: the run's parts count as scrap, and the same node gets the job again first (its rework). */
export function sendBackForRework(job: JobState, run: JobRun, reason: string | null): string {
  const { view } = job;
  run.confirmation = 'rejected';
  run.reason = reason;
  // A rejected delivery's parts count as scrap.
  if (job.v2 && view.yield) view.yield = { made: view.yield.made - run.made, scrapped: view.yield.scrapped + run.made };
  later(job, view.nodeId!, 'delivery.rejected', `rejected${job.runNo()}`, { reason: run.reason });
  const preferred = view.nodeId!;
  view.nodeId = null;
  view.progress = null;
  return preferred;
}

/** Not answered in time: the job ends, and the coordinator settles it with the recipient. */
export async function unanswered(job: JobState, run: JobRun): Promise<void> {
  if (job.v2) job.finished = true;
  run.confirmation = 'unanswered';
  await record(job);
  escalate(job, `delivery-unconfirmed-${job.runNo()}`, `The recipient has not confirmed the delivery of job ${job.input.jobId} (${run.made} ${job.input.unit}) in time. Please settle it with them.`);
}

// ---- Ending early -----------------------------------------------------------------------------

/** Cancelled through the job API: the node that holds the job (or whose offer was withdrawn) is told, its slot freed. */
export async function cancelled(job: JobState): Promise<void> {
  const { view } = job;
  const last = view.offers.at(-1);
  const nodeId = view.nodeId ?? (last?.answer === 'withdrawn' ? last.nodeId : undefined);
  if (nodeId) later(job, nodeId, 'job.cancelled', 'cancelled', { reason: job.cancel!.reason });
  // Settled before `cancelled` is recorded: the row still has the run's progress.
  await settle(job, job.input.payProgressOnCancel === true);
  await set(job, 'cancelled');
  if (view.nodeId) await goOn(job, 'announce capacity', () => announceCapacity({ nodeId: view.nodeId! }), 0);
}

/** Cancelled through Temporal (the UI, a cancelled phase): recorded, and the node that holds the job told. */
export async function cancelledThroughTemporal(job: JobState): Promise<void> {
  const { view } = job;
  await CancellationScope.nonCancellable(async () => {
    const nodeId = view.nodeId ?? (view.status === 'offered' ? view.offers.at(-1)?.nodeId : undefined);
    await settle(job, job.input.payProgressOnCancel === true);
    await set(job, 'cancelled');
    if (job.v2) {
      // On its own: a dead receiver does not hold the cancellation (or the phase) for a day.
      if (nodeId) later(job, nodeId, 'job.cancelled', 'cancelled', { reason: 'cancelled through Temporal' });
      await Promise.all(job.background);
    } else if (nodeId) await event(job, nodeId, 'job.cancelled', 'cancelled', { reason: 'cancelled through Temporal' });
  });
}

/**
 * Stops the job because an activity refused its data for good (DATA_REJECTED, v2 only): the
 * coordinator is told, the node that holds the job is told, the job is recorded `failed` (what
 * can be stored of it), and the run fails with the same failure type.
 */
export async function stopCleanly(job: JobState, err: ActivityFailure): Promise<never> {
  const { input, view } = job;
  escalate(job, 'data-rejected-stop', `Job ${input.jobId} (${input.capability} × ${view.quantity}) stopped: PostgreSQL refused its data (${causeOf(err)}). It is recorded as failed; restart the work with corrected data.`);
  const holder = view.nodeId ?? (view.status === 'offered' ? view.offers.at(-1)?.nodeId : undefined);
  if (holder) later(job, holder, 'job.cancelled', 'failed', { reason: 'the job stopped: its data could not be stored' });
  // The money goes back to the payer (no progress is paid for a job that stopped on bad data).
  await settle(job, false).catch((e: unknown) => log.warn('the failed job could not be settled; the coordinator was told', { error: causeOf(e) }));
  view.status = 'failed';
  makeStorable(view);
  await recordJob({ jobId: input.jobId, seq: ++job.recordSeq, view }).catch((e: unknown) =>
    // The job fails either way (below); the coordinator was told above what to fix.
    log.warn('the failed job could not be recorded; the coordinator was told', { error: causeOf(e) }),
  );
  await Promise.all(job.background);
  throw ApplicationFailure.nonRetryable(`job ${input.jobId} stopped: ${causeOf(err)}`, DATA_REJECTED);
}
