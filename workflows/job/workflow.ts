/**
 * jobWorkflow: one job, offered to nodes until one takes it, made, delivered and confirmed.
 *
 * The network cannot command a node: it offers. The workflow picks the best free node (right
 * capability, active, under its work-in-progress limit, higher automation first, the recipient's
 * location first), sends it a signed `job.offered` webhook and waits for its answer (the node
 * API's `answerOffer` update) until the offer times out; a rejection or silence moves on to the
 * next node. A counter-offer is taken by the job's rules (a later date within `maxDelayMs`; part
 * of the quantity if `allowPartial`, the rest becoming a job of its own). When every capable node
 * is at its limit the job waits and is offered as soon as one frees a slot (`capacityFreed`):
 * pull, not push. No node left: the coordinator is told.
 *
 * Accepted: it waits for progress and completion until the due date, reminds the node a day
 * before, tells the coordinator when it is late. Completed: the recipient confirms or rejects the
 * delivery (a `memberDecisionWorkflow` child: an email with a link, or the member API); a
 * rejection sends the job back to the same node for rework first. Yield and lead times are kept.
 *
 * Bounded for the job's whole life (runs from v0.4.0, `patched(BOUNDED)`): progress reports live in
 * PostgreSQL (the node API writes them; only the first of a run reaches the workflow); every Update
 * is refused once applied (a repeat is answered by the API from the job row); the state keeps the
 * latest offers, runs and escalations with counts; a job that waits long continues as new at a
 * safe point; notifications go out on their own (`jobNotificationWorkflow`, abandoned children),
 * so the job ends as soon as its outcome is known. An activity that refuses its data
 * (DATA_REJECTED) is not retried: the coordinator is told, the job stores what it can and goes on,
 * or stops cleanly (`failed`).
 *
 * The function name is stored in histories: never rename it.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { decisionWorkflowId } from '../../libs/contracts/src/decision';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  capacityFreedSignal,
  completeJobUpdate,
  completionProblem,
  CompletionReport,
  ESCALATIONS_KEPT,
  getJobQuery,
  JOB_HISTORY_EVENT_LIMIT,
  JOB_TEXT_MAX,
  JobInput,
  JobNotification,
  jobNotificationWorkflowId,
  JobOffer,
  JobRejection,
  JobStatus,
  JobView,
  NodeAnswer,
  NotifyInput,
  OFFERS_KEPT,
  reportProgressUpdate,
  RUNS_KEPT,
  SendJobEventInput,
} from '../../libs/contracts/src/job';
import { memberDecisionWorkflow } from '../decision/workflow';
import { MAIL, MUST_LAND } from '../shared/activity-options';
import { jobNotificationWorkflow } from './notification';
import { WEBHOOK } from './options';
import { makeStorable } from './storable';

const { pickNode, recordJob, recordOfferOutcome, announceCapacity, createRemainderJob } = proxyActivities<JobActivities>(MUST_LAND);
// Escalation emails (runs from before BOUNDED; newer runs send them from a notification child).
const { notify } = proxyActivities<JobActivities>(MAIL);
const { sendJobEvent } = proxyActivities<JobActivities>(WEBHOOK);

/**
 * Runs started from v0.4.0 on: bounded history and state, notifications on their own, DATA_REJECTED
 * handled, the exclusions kept on the daily retry, a finished job refusing a cancel. Runs started
 * before keep their old path (their histories replay command for command).
 */
export const BOUNDED = '2026-12-job-bounded';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REMAINDERS_KEPT = 10;
const fail = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);
const keepLast = <T>(list: T[], n: number) => void (list.length > n && list.splice(0, list.length - n));
const tooLong = (s: string | undefined) => s !== undefined && s.length > JOB_TEXT_MAX;
/** An activity that failed because PostgreSQL refused its data: retrying cannot help. */
const dataRejected = (err: unknown): err is ActivityFailure =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === DATA_REJECTED;
const causeOf = (err: unknown) => (err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err));

export async function jobWorkflow(input: JobInput): Promise<JobView> {
  const v2 = patched(BOUNDED);
  const carried = v2 ? input.carried : undefined;
  const view: JobView = carried?.view ?? {
    jobId: input.jobId,
    status: 'searching',
    nodeId: null,
    quantity: input.quantity,
    dueAt: input.dueAt,
    offers: [],
    ...(v2 ? { offerCount: 0 } : {}),
    progress: null,
    runs: [],
    ...(v2 ? { runCount: 0, yield: { made: 0, scrapped: 0 } } : {}),
    remainderJobIds: [],
    escalations: [],
  };
  // Nodes not to offer this job to (again): those that declined, let it expire, or (for the rest of
  // a partial counter-offer) the node that is making the first part.
  const exclusions = input.excludeNodeIds ?? [];
  const tried = new Set<string>(carried?.tried ?? exclusions);
  let currentOffer: JobOffer | null = null;
  /**
   * Before BOUNDED: webhooks and emails nobody waits for, awaited before the end. Since: the starts
   * of their notification children (a moment each), awaited before the end or continue-as-new.
   */
  const background: Array<Promise<unknown>> = [];
  let recordSeq = carried?.recordSeq ?? 0;
  let notices = carried?.notices ?? 0;
  let answer: NodeAnswer | undefined;
  let completion: CompletionReport | undefined;
  let cancel: { actor: string; reason: string } | undefined;
  /** The outcome is known (confirmed, unanswered, cancelled, failed): nothing more is taken. */
  let finished = false;
  let freed = 0;
  const historyEventLimit = input.historyEventLimit ?? JOB_HISTORY_EVENT_LIMIT;

  const now = () => new Date().toISOString();
  const eventId = (suffix: string) => `evt_${input.jobId.replace(/-/g, '')}_${suffix}`;
  /** A notification on its own: a child the job abandons (it may retry for a day; the job does not wait). */
  const notice = (n: JobNotification) => {
    const workflowId = jobNotificationWorkflowId(input.jobId, ++notices);
    background.push(startChild(jobNotificationWorkflow, { workflowId, args: [n], parentClosePolicy: ParentClosePolicy.ABANDON }).catch(() => undefined));
  };
  const escalate = (what: string, text: string, extra: Partial<NotifyInput> = {}) => {
    if (view.escalations.includes(what)) return;
    view.escalations.push(what);
    if (v2) keepLast(view.escalations, ESCALATIONS_KEPT);
    const mail: NotifyInput = { key: `job:${input.jobId}:${what}`, to: { coordinator: true }, subject: `Job ${input.capability} × ${view.quantity}: ${what}`, text, ...extra };
    if (v2) notice({ kind: 'mail', mail });
    else background.push(notify(mail).catch(() => undefined));
  };
  /** Projects the view; `seq` keeps a slower write from overwriting a newer one. */
  const record = async () => {
    try {
      await recordJob({ jobId: input.jobId, seq: ++recordSeq, view });
    } catch (err) {
      if (!v2 || !dataRejected(err)) throw err;
      // PostgreSQL refused a text of the view (a NUL, say): store what it can, and say so.
      escalate(`data-rejected-${recordSeq}`, `PostgreSQL refused to store the state of job ${input.jobId} (${causeOf(err)}). Text it cannot store was removed and the job goes on; check what the node or coordinator sent.`);
      makeStorable(view);
      await recordJob({ jobId: input.jobId, seq: ++recordSeq, view });
    }
  };
  const set = async (status: JobStatus) => {
    view.status = status;
    await record();
  };
  /** An activity whose failure must not stop the job: a DATA_REJECTED is told to the coordinator and `fallback` used. */
  const goOn = async <T>(what: string, run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (!v2 || !dataRejected(err)) throw err;
      escalate(`data-rejected-${what}`, `PostgreSQL refused the data of "${what}" for job ${input.jobId} (${causeOf(err)}); the job goes on without it.`);
      return fallback;
    }
  };
  const event = (nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}) =>
    sendJobEvent({ nodeId, eventId: eventId(suffix), type, data: { jobId: input.jobId, ...data } }).catch(() => 'failed' as const);
  const later = (nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}) => {
    if (v2) notice({ kind: 'webhook', event: { nodeId, eventId: eventId(suffix), type, data: { jobId: input.jobId, ...data } } });
    else background.push(event(nodeId, type, suffix, data));
  };
  /**
   * Continue-as-new when the history is long (Temporal's suggestion, or `historyEventLimit`), at a
   * safe point: between offers, no update handler running, every notification started. The state
   * goes across as plain JSON. (A stale offer webhook still retrying is dropped with the run: its
   * offer has closed.)
   */
  const continueIfLong = async (preferred: string | null) => {
    if (!v2 || cancel) return;
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < historyEventLimit) return;
    await Promise.all(background);
    await condition(() => cancel !== undefined || allHandlersFinished());
    if (cancel) return;
    await continueAsNew<typeof jobWorkflow>({ ...input, carried: { view, tried: [...tried], recordSeq, preferred, notices } });
  };

  setHandler(getJobQuery, () => view);
  setHandler(
    answerOfferUpdate,
    async (a: NodeAnswer) => {
      // The same acceptance sent twice is harmless: the first one has already been applied.
      if (a.kind === 'accept' && view.nodeId === a.nodeId && view.status !== 'offered') return view;
      answer = a;
      await condition(() => answer !== a);
      return view;
    },
    {
      validator: (a: NodeAnswer) => {
        if (a.kind === 'accept' && view.nodeId === a.nodeId && ['accepted', 'in-progress'].includes(view.status)) {
          // Applied already: refused, so that a repeat takes no Update (the API answers it from the job row).
          if (v2) throw fail(JobRejection.Repeat, 'the job is already accepted by this node');
          return;
        }
        if (v2 && (tooLong(a.kind === 'reject' ? a.reason : undefined) || tooLong(a.kind === 'counter' ? a.note : undefined))) {
          throw fail(JobRejection.TextTooLong, `a reason or note is at most ${JOB_TEXT_MAX} characters`);
        }
        if (view.status !== 'offered' || !currentOffer || answer || cancel) {
          throw fail(view.nodeId && view.nodeId !== a.nodeId ? JobRejection.NotYours : JobRejection.NotOffered, `the job is ${view.status}, not waiting for an answer from this node`);
        }
        if (currentOffer.nodeId !== a.nodeId) throw fail(JobRejection.NotYours, 'the job is offered to another node');
        if (a.offerId && a.offerId !== currentOffer.offerId) throw fail(JobRejection.NotOffered, `offer ${a.offerId} is no longer open; the open one is ${currentOffer.offerId}`);
        if (a.kind === 'counter') {
          if (a.dueAt === undefined && a.quantity === undefined) throw fail(JobRejection.InvalidCounter, 'a counter-offer names a later dueAt, a smaller quantity, or both');
          if (a.dueAt !== undefined && !(Date.parse(a.dueAt) > Date.now())) throw fail(JobRejection.InvalidCounter, 'dueAt must be a future ISO-8601 time');
          if (a.quantity !== undefined && (!Number.isInteger(a.quantity) || a.quantity < 1 || a.quantity >= view.quantity)) {
            throw fail(JobRejection.InvalidCounter, `quantity must be a whole number from 1 to ${view.quantity - 1}`);
          }
        }
      },
    },
  );
  const assigned = (nodeId: string) => {
    if (cancel) throw fail(JobRejection.Closed, 'the job is being cancelled');
    if (view.nodeId !== nodeId) throw fail(view.nodeId ? JobRejection.NotYours : JobRejection.NotAccepted, view.nodeId ? 'the job is assigned to another node' : 'the job has not been accepted yet');
    if (!['accepted', 'in-progress'].includes(view.status)) throw fail(view.status === 'offered' ? JobRejection.NotAccepted : JobRejection.Closed, `the job is ${view.status}`);
  };
  setHandler(
    reportProgressUpdate,
    async (r) => {
      if (v2) {
        // The report itself is in PostgreSQL (the node API wrote it); the job only learns that work started.
        if (view.status === 'accepted') await set('in-progress');
        return view;
      }
      view.progress = { percent: r.percent, note: r.note ?? null };
      if (view.status === 'accepted') view.status = 'in-progress';
      await record();
      return view;
    },
    {
      validator: (r) => {
        assigned(r.nodeId);
        if (!Number.isInteger(r.percent) || r.percent < 0 || r.percent > 100) throw fail(JobRejection.InvalidReport, 'percent must be a whole number from 0 to 100');
        if (v2 && tooLong(r.note)) throw fail(JobRejection.TextTooLong, `a note is at most ${JOB_TEXT_MAX} characters`);
        // One per run: later reports are recorded by the node API alone.
        if (v2 && view.status === 'in-progress') throw fail(JobRejection.Repeat, 'the job is already in progress: the node API records progress');
      },
    },
  );
  setHandler(
    completeJobUpdate,
    async (r) => {
      const last = view.runs.at(-1);
      if (view.status !== 'accepted' && view.status !== 'in-progress' && last && last.made === r.made && last.scrapped === r.scrapped) return view; // a repeat
      completion = r;
      await condition(() => completion === undefined || view.status === 'cancelled');
      return view;
    },
    {
      validator: (r) => {
        const last = view.runs.at(-1);
        const repeat = view.nodeId === r.nodeId && ['delivered', 'confirmed'].includes(view.status) && last?.made === r.made && last?.scrapped === r.scrapped;
        if (repeat) {
          if (v2) throw fail(JobRejection.Repeat, 'this completion is already recorded');
          return;
        }
        assigned(r.nodeId);
        if (v2 && completion) throw fail(JobRejection.Repeat, 'a completion of this run is being recorded');
        if (v2) {
          const problem = completionProblem(r, view.quantity);
          if (problem) throw fail(JobRejection.InvalidReport, problem);
        }
        if (!Number.isInteger(r.made) || !Number.isInteger(r.scrapped) || r.made < 1 || r.scrapped < 0) {
          throw fail(JobRejection.InvalidReport, 'made must be a whole number of at least 1, scrapped a whole number of at least 0');
        }
        if (input.deliverable?.documentsRequired && !r.documents?.length) {
          throw fail(JobRejection.DocumentsRequired, `this job delivers a ${input.deliverable.kind}: attach at least one document (title, url) to complete it`);
        }
      },
    },
  );
  setHandler(
    cancelJobUpdate,
    async (req) => {
      cancel = req;
      await condition(() => view.status === 'cancelled' || (v2 && finished));
      // The outcome came first (confirmed, unanswered): nothing is cancelled.
      if (view.status !== 'cancelled') throw fail(JobRejection.Closed, `the job is ${view.status}: it ended before the cancellation`);
      return view;
    },
    {
      validator: (req) => {
        if (['confirmed', 'cancelled', 'failed'].includes(view.status) || cancel || finished) throw fail(JobRejection.Closed, `the job is ${view.status}`);
        if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
        if (v2 && tooLong(req.reason)) throw fail(JobRejection.TextTooLong, `a reason is at most ${JOB_TEXT_MAX} characters`);
      },
    },
  );
  setHandler(capacityFreedSignal, () => void (freed += 1));

  /** Offers the job to one node; true when it accepted (possibly after a counter-offer taken). */
  async function offerTo(nodeId: string, rework: boolean): Promise<boolean> {
    const n = (view.offerCount ?? view.offers.length) + 1;
    const offer: JobOffer = { offerId: `${input.jobId}:${n}`, nodeId, offeredAt: now(), answer: null, reason: null, answeredAt: null };
    view.offers.push(offer);
    if (v2) {
      // The latest offers only: every offer is kept in PostgreSQL (job_offers).
      view.offerCount = n;
      keepLast(view.offers, OFFERS_KEPT);
    }
    currentOffer = offer;
    await set('offered');
    const answerBy = Date.now() + input.offerTimeoutMs;
    const close = async (result: JobOffer['answer'], reason: string | null) => {
      offer.answer = result;
      offer.reason = reason;
      offer.answeredAt = now();
      currentOffer = null;
      await record();
    };
    try {
      // The answer window starts now, while the webhook may still be retried (a node may answer
      // from its list of offers before the webhook gets through).
      let sent: 'delivered' | 'failed' | 'skipped' | undefined;
      void event(nodeId, 'job.offered', `offer${n}`, {
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
      const answered = await condition(() => answer !== undefined || cancel !== undefined || sent === 'failed', input.offerTimeoutMs);
      if (cancel) {
        await close('withdrawn', 'the job was cancelled');
        return false;
      }
      if (!answer && sent === 'failed') {
        tried.add(nodeId);
        await close('undeliverable', 'the offer could not be delivered to the node');
        return false;
      }
      if (!answered) {
        tried.add(nodeId);
        await close('expired', `no answer by ${new Date(answerBy).toISOString()}`);
        const outcome = await goOn('offer outcome', () => recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: false }), null);
        later(nodeId, 'offer.withdrawn', `offer${n}-expired`, { offerId: offer.offerId, reason: 'expired' });
        if (outcome?.suspended) {
          const mail: NotifyInput = {
            key: `node:${nodeId}:suspended:${offer.offerId}`,
            to: { memberId: outcome.ownerMemberId },
            subject: `Your node "${outcome.nodeName}" was suspended`,
            text: `Your node let ${outcome.expiredInRow} job offers in a row expire without an answer, so it receives no more offers. Ask the coordinator to reactivate it when it is staffed again.`,
          };
          if (v2) notice({ kind: 'mail', mail });
          else background.push(notify(mail).catch(() => undefined));
        }
        return false;
      }
      const a = answer!;
      await goOn('offer outcome', () => recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: true }), null);
      if (a.kind === 'reject') {
        tried.add(nodeId);
        await close('rejected', a.reason);
        return false;
      }
      if (a.kind === 'counter') {
        const lateBy = a.dueAt ? Date.parse(a.dueAt) - Date.parse(input.dueAt) : 0;
        if (lateBy > input.maxDelayMs || (a.quantity !== undefined && !input.allowPartial)) {
          tried.add(nodeId);
          await close('countered', a.quantity !== undefined && !input.allowPartial ? 'refused: this job is not split' : `refused: more than ${input.maxDelayMs / HOUR} h after the due date`);
          later(nodeId, 'offer.withdrawn', `offer${n}-counter-refused`, { offerId: offer.offerId, reason: offer.reason });
          return false;
        }
        if (a.dueAt) view.dueAt = a.dueAt;
        if (a.quantity !== undefined) {
          // The node makes part; the rest becomes a job of its own, offered to other nodes.
          const restId = uuid4();
          const rest = view.quantity - a.quantity;
          view.quantity = a.quantity;
          await createRemainderJob({ parentJobId: input.jobId, jobId: restId, quantity: rest });
          await startChild(jobWorkflow, {
            workflowId: `job-${restId}`,
            args: [{ ...input, jobId: restId, quantity: rest, excludeNodeIds: [...tried, nodeId], carried: undefined }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          view.remainderJobIds.push(restId);
          if (v2) keepLast(view.remainderJobIds, REMAINDERS_KEPT);
        }
        await close('countered', `taken: ${a.quantity !== undefined ? `${a.quantity} of the quantity` : ''}${a.quantity !== undefined && a.dueAt ? ', ' : ''}${a.dueAt ? `due ${a.dueAt}` : ''}${a.note ? ` (${a.note})` : ''}`);
      } else {
        await close('accepted', null);
      }
      view.nodeId = nodeId;
      await set('accepted');
      return true;
    } finally {
      // Whatever happened, the answer (if any) belongs to this offer only: never to the next one.
      answer = undefined;
    }
  }

  /** Offers the job until a node takes it; false when it was cancelled first. */
  async function dispatch(preferred: string | null): Promise<boolean> {
    if (cancel) return false;
    if (preferred && (await offerTo(preferred, true))) return true;
    for (;;) {
      if (cancel) return false;
      await continueIfLong(null);
      const seen = freed; // before picking: a slot freed meanwhile must not be missed
      const pick = await pickNode({ jobId: input.jobId, capability: input.capability, locationId: input.locationId, exclude: [...tried], only: input.onlyNodeIds });
      if (pick.kind === 'node') {
        if (await offerTo(pick.nodeId, false)) return true;
        continue;
      }
      if (pick.kind === 'all-busy') {
        // (A status already projected is not written again on every look.)
        if (!v2 || view.status !== 'waiting-for-capacity') await set('waiting-for-capacity');
        // Woken by a node that frees a slot; the hourly look is only a safety net.
        await condition(() => cancel !== undefined || freed > seen, HOUR);
      } else {
        if (!v2 || view.status !== 'no-node') await set('no-node');
        escalate('no node left', `No node is left to offer this job to (${input.capability} × ${view.quantity} ${input.unit}, due ${view.dueAt}). ${tried.size} node(s) declined or did not answer. Register a capable node or change the job.`);
        // A day later, nodes that declined get another chance (their capacity may have changed);
        // the job's own exclusions stay.
        if (!(await condition(() => cancel !== undefined || freed > seen, DAY))) {
          tried.clear();
          if (v2) for (const n of exclusions) tried.add(n);
        }
      }
    }
  }

  /** Runs completed so far (the view keeps only the latest). */
  const runNo = () => view.runCount ?? view.runs.length;

  /** Waits for the accepted node to finish; reminds it a day before the due date, escalates after. */
  async function production(): Promise<CompletionReport | undefined> {
    const done = () => completion !== undefined || cancel !== undefined;
    const remindIn = Date.parse(view.dueAt) - DAY - Date.now();
    if (remindIn > 0 && !(await condition(done, remindIn))) {
      // (The latest progress comes from PostgreSQL, added by the activity.)
      later(view.nodeId!, 'job.reminder', `reminder${runNo()}`, v2 ? { dueAt: view.dueAt } : { dueAt: view.dueAt, progress: view.progress });
    }
    const dueIn = Date.parse(view.dueAt) - Date.now();
    // Late (or rework that starts after the due date): the coordinator is told.
    if (dueIn <= 0 || !(await condition(done, dueIn))) {
      if (!done()) {
        if (v2) escalate(`overdue-${runNo()}`, `The job (${input.capability} × ${view.quantity}) at node ${view.nodeId} was due ${view.dueAt} and is not complete.`, { withProgressOf: input.jobId });
        else escalate(`overdue-${view.runs.length}`, `The job (${input.capability} × ${view.quantity}) at node ${view.nodeId} was due ${view.dueAt} and is not complete (progress: ${view.progress?.percent ?? 0}%).`);
      }
    }
    await condition(done);
    return completion;
  }

  /**
   * Stops the job because an activity refused its data for good (DATA_REJECTED, v2 only): the
   * coordinator is told, the node that holds the job is told, the job is recorded `failed` (what
   * can be stored of it), and the run fails with the same failure type.
   */
  const stopCleanly = async (err: ActivityFailure): Promise<never> => {
    escalate('data-rejected-stop', `Job ${input.jobId} (${input.capability} × ${view.quantity}) stopped: PostgreSQL refused its data (${causeOf(err)}). It is recorded as failed; restart the work with corrected data.`);
    const holder = view.nodeId ?? (view.status === 'offered' ? view.offers.at(-1)?.nodeId : undefined);
    if (holder) later(holder, 'job.cancelled', 'failed', { reason: 'the job stopped: its data could not be stored' });
    view.status = 'failed';
    makeStorable(view);
    await recordJob({ jobId: input.jobId, seq: ++recordSeq, view }).catch(() => undefined);
    await Promise.all(background);
    throw ApplicationFailure.nonRetryable(`job ${input.jobId} stopped: ${causeOf(err)}`, DATA_REJECTED);
  };

  let confirmScope: CancellationScope;
  try {
    if (!carried) await record();
    let preferred: string | null = carried?.preferred ?? null;
    for (;;) {
      if (preferred) await continueIfLong(preferred); // between reworks: a safe point too
      if (!(await dispatch(preferred))) break;
      const report = await production();
      if (!report) break;
      view.runs.push({
        made: report.made,
        scrapped: report.scrapped,
        completedAt: now(),
        confirmation: null,
        reason: null,
        ...(report.documents?.length ? { documents: report.documents } : {}),
      });
      const run = view.runs.at(-1)!;
      if (v2) {
        // The latest runs only (every run is kept in jobs.runs); the yield over all of them.
        view.runCount = runNo() + 1;
        view.yield = { made: (view.yield?.made ?? 0) + report.made, scrapped: (view.yield?.scrapped ?? 0) + report.scrapped };
        keepLast(view.runs, RUNS_KEPT);
      }
      completion = undefined;
      await set('delivered');
      await goOn('announce capacity', () => announceCapacity({ nodeId: view.nodeId! }), 0);

      // The recipient confirms receipt and quality, or rejects with a reason.
      const decisionId = uuid4();
      confirmScope = new CancellationScope();
      const decision = await confirmScope.run(() =>
        startChild(memberDecisionWorkflow, {
          workflowId: decisionWorkflowId(decisionId),
          args: [
            {
              decisionId,
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
              voterIds: [input.recipient.confirmerId],
              deadline: new Date(Date.now() + input.confirmWithinMs).toISOString(),
              remindBeforeMs: [Math.floor(input.confirmWithinMs / 2), Math.floor(input.confirmWithinMs / 8)],
              rule: { kind: 'each' },
              fallbackOptionId: null,
              requestedBy: `job:${input.jobId}`,
            },
          ],
        }),
      );
      let outcome: Awaited<ReturnType<typeof decision.result>> | undefined;
      let settled = false;
      void decision
        .result()
        .then((o) => (outcome = o), () => undefined)
        .then(() => (settled = true));
      await condition(() => settled || cancel !== undefined);
      if (!settled) {
        // Cancelled while the recipient was asked: withdraw the question (it records that).
        confirmScope.cancel();
        await condition(() => settled);
        break;
      }
      const mine = outcome?.perMember[0];
      if (mine?.optionId === 'confirm') {
        // The outcome is known: from here on nothing can cancel it.
        if (v2) finished = true;
        run.confirmation = 'confirmed';
        await set('confirmed');
        later(view.nodeId!, 'delivery.confirmed', `confirmed${runNo()}`, { made: run.made });
        break;
      }
      if (mine?.optionId === 'reject') {
        run.confirmation = 'rejected';
        run.reason = mine.comment ?? null;
        // A rejected delivery's parts count as scrap.
        if (v2 && view.yield) view.yield = { made: view.yield.made - run.made, scrapped: view.yield.scrapped + run.made };
        // Rework: the same node gets the job again first; its output counts as scrap.
        later(view.nodeId!, 'delivery.rejected', `rejected${runNo()}`, { reason: run.reason });
        preferred = view.nodeId;
        view.nodeId = null;
        view.progress = null;
        continue;
      }
      if (v2) finished = true;
      run.confirmation = 'unanswered';
      await record();
      escalate(`delivery-unconfirmed-${runNo()}`, `The recipient has not confirmed the delivery of job ${input.jobId} (${run.made} ${input.unit}) in time. Please settle it with them.`);
      break;
    }
    // The outcome is known unless a cancellation is under way: a cancel from now on is refused
    // (before, one accepted here waited for a status nothing would set).
    if (!cancel) finished = true;
    if (cancel && !(v2 && finished)) {
      // Tell the node that holds the job, or the one whose offer was withdrawn.
      const last = view.offers.at(-1);
      const nodeId = view.nodeId ?? (last?.answer === 'withdrawn' ? last.nodeId : undefined);
      if (nodeId) later(nodeId, 'job.cancelled', 'cancelled', { reason: cancel.reason });
      await set('cancelled');
      if (view.nodeId) await goOn('announce capacity', () => announceCapacity({ nodeId: view.nodeId! }), 0);
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        const nodeId = view.nodeId ?? (view.status === 'offered' ? view.offers.at(-1)?.nodeId : undefined);
        await set('cancelled');
        if (v2) {
          // On its own: a dead receiver does not hold the cancellation (or the phase) for a day.
          if (nodeId) later(nodeId, 'job.cancelled', 'cancelled', { reason: 'cancelled through Temporal' });
          await Promise.all(background);
        } else if (nodeId) await event(nodeId, 'job.cancelled', 'cancelled', { reason: 'cancelled through Temporal' });
      });
    }
    if (v2 && dataRejected(err)) await stopCleanly(err);
    throw err;
  }
  finished = true;
  // Before BOUNDED: every webhook and email. Since: only the starts of their children.
  await Promise.all(background);
  await condition(allHandlersFinished);
  return view;
}
