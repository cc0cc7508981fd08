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
 * The function name is stored in histories: never rename it.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
} from '@temporalio/workflow';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { decisionWorkflowId } from '../../libs/contracts/src/decision';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  capacityFreedSignal,
  completeJobUpdate,
  CompletionReport,
  getJobQuery,
  JobInput,
  JobOffer,
  JobRejection,
  JobStatus,
  JobView,
  NodeAnswer,
  reportProgressUpdate,
  SendJobEventInput,
} from '../../libs/contracts/src/job';
import { memberDecisionWorkflow } from '../decision/workflow';
import { MAIL, MUST_LAND } from '../shared/activity-options';

const { pickNode, recordJob, recordOfferOutcome, announceCapacity, createRemainderJob } = proxyActivities<JobActivities>(MUST_LAND);
// Escalation emails: never block or fail the job.
const { notify } = proxyActivities<JobActivities>(MAIL);

/**
 * A webhook is retried (5xx, 408, 429 with Retry-After, network errors) for more than a day, with
 * the same event id; the activity answers `failed` at once for a final refusal (other 4xx, 410).
 */
const { sendJobEvent } = proxyActivities<JobActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '26 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const fail = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);

export async function jobWorkflow(input: JobInput): Promise<JobView> {
  const view: JobView = {
    jobId: input.jobId,
    status: 'searching',
    nodeId: null,
    quantity: input.quantity,
    dueAt: input.dueAt,
    offers: [],
    progress: null,
    runs: [],
    remainderJobIds: [],
    escalations: [],
  };
  // Nodes not to offer this job to (again): those that declined, let it expire, or (for the rest of
  // a partial counter-offer) the node that is making the first part.
  const tried = new Set<string>(input.excludeNodeIds ?? []);
  let currentOffer: JobOffer | null = null;
  /** Webhooks nobody waits for (withdrawals, reminders, outcomes): awaited before the end. */
  const background: Array<Promise<unknown>> = [];
  let recordSeq = 0;
  let answer: NodeAnswer | undefined;
  let completion: CompletionReport | undefined;
  let cancel: { actor: string; reason: string } | undefined;
  let freed = 0;

  const now = () => new Date().toISOString();
  /** Projects the view; `seq` keeps a slower write from overwriting a newer one. */
  const record = () => recordJob({ jobId: input.jobId, seq: ++recordSeq, view });
  const set = async (status: JobStatus) => {
    view.status = status;
    await record();
  };
  const event = (nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}) =>
    sendJobEvent({ nodeId, eventId: `evt_${input.jobId.replace(/-/g, '')}_${suffix}`, type, data: { jobId: input.jobId, ...data } }).catch(() => 'failed' as const);
  const escalate = (what: string, text: string) => {
    if (view.escalations.includes(what)) return;
    view.escalations.push(what);
    background.push(notify({ key: `job:${input.jobId}:${what}`, to: { coordinator: true }, subject: `Job ${input.capability} × ${view.quantity}: ${what}`, text }).catch(() => undefined));
  };
  const later = (nodeId: string, type: SendJobEventInput['type'], suffix: string, data: Record<string, unknown> = {}) => void background.push(event(nodeId, type, suffix, data));

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
        if (a.kind === 'accept' && view.nodeId === a.nodeId && ['accepted', 'in-progress'].includes(view.status)) return;
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
      view.progress = { percent: r.percent, note: r.note ?? null };
      if (view.status === 'accepted') view.status = 'in-progress';
      await record();
      return view;
    },
    {
      validator: (r) => {
        assigned(r.nodeId);
        if (!Number.isInteger(r.percent) || r.percent < 0 || r.percent > 100) throw fail(JobRejection.InvalidReport, 'percent must be a whole number from 0 to 100');
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
        if (repeat) return;
        assigned(r.nodeId);
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
      await condition(() => view.status === 'cancelled');
      return view;
    },
    {
      validator: (req) => {
        if (['confirmed', 'cancelled'].includes(view.status) || cancel) throw fail(JobRejection.Closed, `the job is ${view.status}`);
        if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
      },
    },
  );
  setHandler(capacityFreedSignal, () => void (freed += 1));

  /** Offers the job to one node; true when it accepted (possibly after a counter-offer taken). */
  async function offerTo(nodeId: string, rework: boolean): Promise<boolean> {
    const n = view.offers.length + 1;
    const offer: JobOffer = { offerId: `${input.jobId}:${n}`, nodeId, offeredAt: now(), answer: null, reason: null, answeredAt: null };
    view.offers.push(offer);
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
      let sent: 'delivered' | 'failed' | undefined;
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
        const outcome = await recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: false });
        later(nodeId, 'offer.withdrawn', `offer${n}-expired`, { offerId: offer.offerId, reason: 'expired' });
        if (outcome.suspended) {
          background.push(
            notify({
              key: `node:${nodeId}:suspended:${offer.offerId}`,
              to: { memberId: outcome.ownerMemberId },
              subject: `Your node "${outcome.nodeName}" was suspended`,
              text: `Your node let ${outcome.expiredInRow} job offers in a row expire without an answer, so it receives no more offers. Ask the coordinator to reactivate it when it is staffed again.`,
            }).catch(() => undefined),
          );
        }
        return false;
      }
      const a = answer!;
      await recordOfferOutcome({ nodeId, offerId: offer.offerId, answered: true });
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
            args: [{ ...input, jobId: restId, quantity: rest, excludeNodeIds: [...tried, nodeId] }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          view.remainderJobIds.push(restId);
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
      const seen = freed; // before picking: a slot freed meanwhile must not be missed
      const pick = await pickNode({ jobId: input.jobId, capability: input.capability, locationId: input.locationId, exclude: [...tried], only: input.onlyNodeIds });
      if (pick.kind === 'node') {
        if (await offerTo(pick.nodeId, false)) return true;
        continue;
      }
      if (pick.kind === 'all-busy') {
        await set('waiting-for-capacity');
        // Woken by a node that frees a slot; the hourly look is only a safety net.
        await condition(() => cancel !== undefined || freed > seen, HOUR);
      } else {
        await set('no-node');
        escalate('no node left', `No node is left to offer this job to (${input.capability} × ${view.quantity} ${input.unit}, due ${view.dueAt}). ${tried.size} node(s) declined or did not answer. Register a capable node or change the job.`);
        // A day later, nodes that declined get another chance (their capacity may have changed).
        if (!(await condition(() => cancel !== undefined || freed > seen, DAY))) tried.clear();
      }
    }
  }

  /** Waits for the accepted node to finish; reminds it a day before the due date, escalates after. */
  async function production(): Promise<CompletionReport | undefined> {
    const done = () => completion !== undefined || cancel !== undefined;
    const remindIn = Date.parse(view.dueAt) - DAY - Date.now();
    if (remindIn > 0 && !(await condition(done, remindIn))) {
      later(view.nodeId!, 'job.reminder', `reminder${view.runs.length}`, { dueAt: view.dueAt, progress: view.progress });
    }
    const dueIn = Date.parse(view.dueAt) - Date.now();
    // Late (or rework that starts after the due date): the coordinator is told.
    if (dueIn <= 0 || !(await condition(done, dueIn))) {
      if (!done()) {
        escalate(`overdue-${view.runs.length}`, `The job (${input.capability} × ${view.quantity}) at node ${view.nodeId} was due ${view.dueAt} and is not complete (progress: ${view.progress?.percent ?? 0}%).`);
      }
    }
    await condition(done);
    return completion;
  }

  let confirmScope: CancellationScope;
  try {
    await record();
    let preferred: string | null = null;
    for (;;) {
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
      completion = undefined;
      await set('delivered');
      await announceCapacity({ nodeId: view.nodeId! });

      // The recipient confirms receipt and quality, or rejects with a reason.
      const decisionId = uuid4();
      const run = view.runs.at(-1)!;
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
        run.confirmation = 'confirmed';
        await set('confirmed');
        later(view.nodeId!, 'delivery.confirmed', `confirmed${view.runs.length}`, { made: run.made });
        break;
      }
      if (mine?.optionId === 'reject') {
        run.confirmation = 'rejected';
        run.reason = mine.comment ?? null;
        // Rework: the same node gets the job again first; its output counts as scrap.
        later(view.nodeId!, 'delivery.rejected', `rejected${view.runs.length}`, { reason: run.reason });
        preferred = view.nodeId;
        view.nodeId = null;
        view.progress = null;
        continue;
      }
      run.confirmation = 'unanswered';
      await record();
      escalate(`delivery-unconfirmed-${view.runs.length}`, `The recipient has not confirmed the delivery of job ${input.jobId} (${run.made} ${input.unit}) in time. Please settle it with them.`);
      break;
    }
    if (cancel) {
      // Tell the node that holds the job, or the one whose offer was withdrawn.
      const last = view.offers.at(-1);
      const nodeId = view.nodeId ?? (last?.answer === 'withdrawn' ? last.nodeId : undefined);
      if (nodeId) later(nodeId, 'job.cancelled', 'cancelled', { reason: cancel.reason });
      await set('cancelled');
      if (view.nodeId) await announceCapacity({ nodeId: view.nodeId });
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        const nodeId = view.nodeId ?? (view.status === 'offered' ? view.offers.at(-1)?.nodeId : undefined);
        await set('cancelled');
        if (nodeId) await event(nodeId, 'job.cancelled', 'cancelled', { reason: 'cancelled through Temporal' });
      });
    }
    throw err;
  }
  await Promise.all(background);
  await condition(allHandlersFinished);
  return view;
}
