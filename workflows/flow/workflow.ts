/**
 * flowWorkflow: one run of a recipe (issue 17), from its leaf steps to the recipient's hand.
 *
 * It loads the flow once (steps, plan, recipient) and offers each step as a `jobWorkflow` (started
 * by an activity, job id chosen here with `uuid4()` so a retried start starts the same job) once
 * every input of the step is made; leaf steps at once. Its jobs tell it when they are accepted and
 * delivered (`flowJobEvent`); a delivered run becomes a lot, which goes to the consuming step's
 * node (once that step's job is accepted) or to the recipient: a hand-off when it is the same node
 * or the same location, else a transport leg (a `transport` job carried by a node of the lot's
 * flow type serving both places) with a pickup and a drop-off hand-off. The API records the
 * receiver's answer to a hand-off and signals `handoffAnswered`; the flow reads it and answers the
 * maker's or the carrier's job (`flowHandoffAnswer`, sent straight to the job with
 * `getExternalWorkflowHandle`: two events, no activity, and Temporal delivers it exactly once).
 * A rejection at the first hand-off is reworked by the job itself; later, by a new job of the
 * producing step offered first to the maker. A short receipt gets a make-up run. Reworks and
 * make-ups are bounded per step (`FLOW_MAX_REWORKS_PER_STEP`), then the coordinator is asked.
 * A timer to each open step's planned done time marks it late once (`late_noticed_at`) and tells
 * the coordinator. `cancelFlow` cancels the open jobs; `getFlow` answers a `FlowSummary`.
 *
 * The state is a few entries per step, lot, leg and hand-off: bounded by the recipe's size
 * (≤ 30 steps) times its runs (≤ 1 + 5 each). PostgreSQL holds the records; the history is bounded
 * the same way (see docs/operations.md), so the flow never continues as new.
 *
 * The function name is stored in histories: never rename it.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, log, proxyActivities, setHandler, uuid4, allHandlersFinished } from '@temporalio/workflow';
import type { FlowActivities } from '../../apps/worker/src/activities/flow.activities';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { FlowRun, LotDestination, Party } from '../../libs/db/src/flows/flow-run.repository';
import {
  cancelFlowUpdate,
  FLOW_MAX_REWORKS_PER_STEP,
  FlowInput,
  FlowJobEvent,
  flowHandoffAnswerSignal,
  flowJobEventSignal,
  FlowStatus,
  FlowStepStatus,
  FlowSummary,
  getFlowQuery,
  handoffAnsweredSignal,
  HandoffAnswerToJob,
} from '../../libs/contracts/src/flows';
import { jobWorkflowId } from '../../libs/contracts/src/job';
import { JOB_WEBHOOK, MAIL, MUST_LAND } from '../shared/activity-options';
import { causeOf } from '../shared/failures';

const acts = proxyActivities<FlowActivities>({ ...MUST_LAND, retry: { ...MUST_LAND.retry, nonRetryableErrorTypes: ['FlowNotFound', 'FlowStepNotFound'] } });
const mail = proxyActivities<FlowActivities>(MAIL);
const { sendJobEvent } = proxyActivities<JobActivities>(JOB_WEBHOOK);

interface StepState {
  key: string;
  inputs: { step: string; perUnit: number }[];
  consumers: string[];
  flowType: string;
  goodQuantity: number;
  startQuantity: number;
  plannedStartAt: string;
  plannedDoneAt: string;
  status: FlowStepStatus;
  jobId: string | null;
  nodeId: string | null;
  late: boolean;
  /** A run of it has delivered a lot (its consumers may be offered). */
  made: boolean;
  /** Good units received at its node from each input step. */
  received: Record<string, number>;
  /** Reworks and make-up runs so far. */
  extraRuns: number;
}

interface JobRef {
  part: 'step' | 'leg';
  key: string;
  /** The lot the next delivered run reworks (a rejection of this job's run, or of a lot after a leg). */
  reworkOf: string | null;
  /** It told the flow it ended. */
  ended?: boolean;
}

interface LotState {
  stepKey: string;
  jobId: string;
  run: number;
  quantity: number;
  makerNodeId: string;
}

type Stage = 'direct' | 'pickup' | 'dropoff' | 'collect';

interface HandoffState {
  lotId: string;
  legId: string | null;
  stage: Stage;
  destination: LotDestination;
  open: boolean;
}

interface LegState {
  lotId: string;
  destination: LotDestination;
  to: Party;
  quantity: number;
  jobId: string | null;
  carrier: string | null;
  /** The run the carrier delivered (its job waits for the drop-off's answer for this run). */
  run: number;
  open: boolean;
}

type Msg = { kind: 'job'; ev: FlowJobEvent } | { kind: 'handoff'; handoffId: string };

export async function flowWorkflow({ flowId }: FlowInput): Promise<FlowSummary> {
  let status: FlowStatus = 'running';
  let cancel: { actor: string; reason: string } | undefined;
  const inbox: Msg[] = [];
  const steps = new Map<string, StepState>();
  const jobs = new Map<string, JobRef>();
  const lots = new Map<string, LotState>();
  const handoffs = new Map<string, HandoffState>();
  const legs = new Map<string, LegState>();
  /** Lots made whose consuming step has no node yet. */
  const waiting: { lotId: string; consumer: string }[] = [];
  let recipientReceived = 0;

  const summary = (): FlowSummary => ({
    flowId,
    status,
    steps: [...steps.values()].map((s) => ({ key: s.key, status: s.status, jobId: s.jobId, late: s.late })),
    openLegs: [...legs.values()].filter((l) => l.open).length,
    pendingHandoffs: [...handoffs.values()].filter((h) => h.open).length,
  });

  setHandler(getFlowQuery, summary);
  setHandler(flowJobEventSignal, (ev) => void inbox.push({ kind: 'job', ev }));
  setHandler(handoffAnsweredSignal, ({ handoffId }) => void inbox.push({ kind: 'handoff', handoffId }));
  setHandler(
    cancelFlowUpdate,
    async (req) => {
      cancel = req;
      await condition(() => status !== 'running');
      return summary();
    },
    {
      validator: (req) => {
        if (status !== 'running' || cancel) throw ApplicationFailure.nonRetryable(`the flow is ${cancel ? 'being cancelled' : status}`, 'FlowClosed');
        if (!req?.reason?.trim()) throw ApplicationFailure.nonRetryable('reason is required', 'InvalidArgument');
      },
    },
  );

  const step = (key: string) => steps.get(key)!;
  const outputKey = () => [...steps.values()].find((s) => s.consumers.length === 0)!.key;
  const recipientParty = (): Party => {
    const r = flow.recipient;
    return r.type === 'pickup' ? { type: 'pickup', id: r.pickupPointId } : { type: r.type, id: r.id };
  };
  const partyOf = (d: LotDestination): Party => (d.kind === 'step' ? { type: 'node', id: d.nodeId } : recipientParty());

  /** A flow job's hand-off was answered: the job confirms its run (and is paid, if priced) or reworks it. */
  async function answerJob(jobId: string, answer: HandoffAnswerToJob): Promise<void> {
    try {
      await getExternalWorkflowHandle(jobWorkflowId(jobId)).signal(flowHandoffAnswerSignal, answer);
    } catch (err) {
      // The job ended meanwhile (cancelled, or unanswered after its window): the hand-off stays recorded.
      log.warn('a flow job could not be told the answer to its hand-off', { jobId, error: causeOf(err) });
    }
  }

  async function escalate(what: string, text: string): Promise<void> {
    await mail.escalateFlow({ flowId, what, text });
  }

  /** Tells the receiver of a new hand-off: a node by signed webhook (on its own: the flow goes on), a member by email. */
  async function announce(handoffId: string): Promise<void> {
    const a = await mail.announceHandoff({ flowId, handoffId });
    if (a.nodeId) {
      const nodeId = a.nodeId;
      void sendJobEvent({ nodeId, eventId: `evt_handoff_${handoffId.replace(/-/g, '')}`, type: 'handoff.requested', data: a.data }).catch((err: unknown) =>
        // Every attempt is in webhook_attempts; the node also sees the hand-off in its list.
        log.warn('a handoff.requested webhook was given up', { nodeId, handoffId, error: causeOf(err) }),
      );
    }
  }

  async function startJob(s: StepState, quantity: number, reworkOf: string | null, preferNodeId?: string): Promise<void> {
    const jobId = uuid4();
    jobs.set(jobId, { part: 'step', key: s.key, reworkOf });
    s.jobId = jobId;
    s.status = 'offered';
    await acts.startFlowJob({ flowId, part: 'step', key: s.key, jobId, quantity, ...(preferNodeId ? { preferNodeId } : {}) });
  }

  /** Offers every step whose inputs are all made and that has no job yet. */
  async function offerReady(): Promise<void> {
    for (const s of steps.values()) {
      if (s.jobId || s.status === 'cancelled') continue;
      if (s.inputs.every((i) => step(i.step).made)) await startJob(s, s.startQuantity, null);
    }
  }

  /** One more run of a step (a rework of a rejected lot, or a make-up of a shortfall), within the step's bound. */
  async function extraRun(s: StepState, why: string, quantity: number, reworkOf: string | null, preferNodeId: string | undefined): Promise<void> {
    if (s.extraRuns >= FLOW_MAX_REWORKS_PER_STEP) {
      await escalate(`reworks:${s.key}`, `Step "${s.key}" of flow ${flowId} needed more than ${FLOW_MAX_REWORKS_PER_STEP} reworks or make-up runs (${why}). It waits for you: settle it with the nodes, or cancel the flow.`);
      return;
    }
    s.extraRuns += 1;
    await startJob(s, quantity, reworkOf, preferNodeId);
  }

  async function route(lotId: string, destination: LotDestination, quantity: number): Promise<void> {
    const lot = lots.get(lotId)!;
    const s = step(lot.stepKey);
    const plannedDoneAt = destination.kind === 'step' ? step(destination.stepKey).plannedStartAt : flow.dueAt;
    const r = await acts.routeFlowLot({ lotId, destination, quantity, flowType: s.flowType, plannedDoneAt });
    if (r.kind === 'handoff') {
      if (!handoffs.has(r.handoffId)) {
        handoffs.set(r.handoffId, { lotId, legId: null, stage: 'direct', destination, open: true });
        await announce(r.handoffId);
      }
      return;
    }
    if (legs.has(r.legId)) return;
    const jobId = r.jobId ?? uuid4();
    legs.set(r.legId, { lotId, destination, to: partyOf(destination), quantity, jobId, carrier: null, run: 0, open: true });
    jobs.set(jobId, { part: 'leg', key: r.legId, reworkOf: null });
    await acts.startFlowJob({ flowId, part: 'leg', key: r.legId, jobId, quantity });
  }

  /** The lots waiting for this step's node go to it now. */
  async function routeWaiting(consumer: StepState): Promise<void> {
    for (let i = 0; i < waiting.length; ) {
      const w = waiting[i];
      if (w.consumer !== consumer.key) {
        i += 1;
        continue;
      }
      waiting.splice(i, 1);
      await route(w.lotId, { kind: 'step', stepKey: consumer.key, nodeId: consumer.nodeId! }, lots.get(w.lotId)!.quantity);
    }
  }

  async function onJobEvent(ev: FlowJobEvent): Promise<void> {
    const j = jobs.get(ev.jobId);
    if (!j) return log.warn('an event of a job this flow does not know', { jobId: ev.jobId, kind: ev.kind });
    if (ev.kind === 'accepted') {
      if (j.part === 'step') {
        const s = step(j.key);
        if (s.jobId !== ev.jobId) return;
        await acts.recordFlowJobAccepted({ flowId, part: 'step', key: s.key, jobId: ev.jobId, nodeId: ev.nodeId });
        s.nodeId = ev.nodeId;
        if (s.status === 'offered' || s.status === 'waiting') s.status = 'accepted';
        await routeWaiting(s);
        return;
      }
      const leg = legs.get(j.key)!;
      if (leg.carrier) return; // a rework of the same leg job: the pickup was handed over already
      leg.carrier = ev.nodeId;
      await acts.recordFlowJobAccepted({ flowId, part: 'leg', key: j.key, jobId: ev.jobId, nodeId: ev.nodeId });
      const lot = lots.get(leg.lotId)!;
      const { handoffId } = await acts.requestHandoff({ flowId, lotId: leg.lotId, legId: j.key, from: { type: 'node', id: lot.makerNodeId }, to: { type: 'node', id: ev.nodeId }, quantity: leg.quantity });
      handoffs.set(handoffId, { lotId: leg.lotId, legId: j.key, stage: 'pickup', destination: leg.destination, open: true });
      await announce(handoffId);
      return;
    }
    if (ev.kind === 'no-node') {
      if (j.part === 'leg') {
        await acts.setFlowLegStatus({ legId: j.key, status: 'no-carrier', only: ['searching', 'offered'] });
        await escalate(`no-carrier:${j.key}`, `No carrier serves a transport leg of flow ${flowId} (the lot of step "${lots.get(legs.get(j.key)!.lotId)!.stepKey}"). Register a transport node of its flow type serving both locations; the leg keeps looking daily.`);
      }
      return;
    }
    if (ev.kind === 'ended') {
      j.ended = true;
      const closedLeg = j.part === 'leg' && !legs.get(j.key)!.open;
      if (ev.status !== 'confirmed' && status === 'running' && !cancel && !closedLeg) {
        await escalate(`job-ended:${ev.jobId}`, `A job of flow ${flowId} (${j.part} ${j.key}) ended ${ev.status} before its work was handed over. Settle it, or cancel the flow.`);
      }
      return;
    }
    // Delivered.
    if (j.part === 'leg') {
      const leg = legs.get(j.key)!;
      leg.run = ev.run;
      await acts.setFlowLegStatus({ legId: j.key, status: 'delivered' });
      const { handoffId } = await acts.requestHandoff({ flowId, lotId: leg.lotId, legId: j.key, from: { type: 'node', id: ev.nodeId }, to: leg.to, quantity: leg.quantity });
      if (!handoffs.has(handoffId)) {
        handoffs.set(handoffId, { lotId: leg.lotId, legId: j.key, stage: 'dropoff', destination: leg.destination, open: true });
        await announce(handoffId);
      }
      return;
    }
    const s = step(j.key);
    const reworkOf = j.reworkOf;
    j.reworkOf = null;
    const { lotId } = await acts.recordFlowLot({ flowId, stepKey: s.key, jobId: ev.jobId, run: ev.run, nodeId: ev.nodeId, quantity: ev.made, reworkOf });
    if (lots.has(lotId)) return;
    lots.set(lotId, { stepKey: s.key, jobId: ev.jobId, run: ev.run, quantity: ev.made, makerNodeId: ev.nodeId });
    s.made = true;
    s.status = 'made';
    if (s.consumers.length === 0) await route(lotId, { kind: 'recipient' }, ev.made);
    for (const c of s.consumers.map(step)) {
      if (c.nodeId) await route(lotId, { kind: 'step', stepKey: c.key, nodeId: c.nodeId }, ev.made);
      else waiting.push({ lotId, consumer: c.key });
    }
    await offerReady();
  }

  /** A lot reached where it was going: counted at the consuming step, or at the recipient (the end). */
  async function arrived(h: HandoffState, sent: number, received: number): Promise<void> {
    const lot = lots.get(h.lotId)!;
    const producer = step(lot.stepKey);
    if (received < sent) {
      await extraRun(producer, `${sent - received} of ${sent} ${lot.stepKey} short at the receiver`, sent - received, null, lot.makerNodeId);
    }
    if (h.destination.kind === 'step') {
      const c = step(h.destination.stepKey);
      c.received[lot.stepKey] = (c.received[lot.stepKey] ?? 0) + received;
      if (c.inputs.every((i) => (c.received[i.step] ?? 0) >= step(i.step).goodQuantity)) await acts.setFlowStepStatus({ flowId, stepKey: c.key, inputsReceived: true });
      return;
    }
    recipientReceived += received;
    if (recipientReceived >= flow.quantity) {
      step(outputKey()).status = 'handed-off';
      await acts.finishFlow({ flowId, status: 'delivered' });
      status = 'delivered';
    }
  }

  async function onHandoff(handoffId: string): Promise<void> {
    const h = handoffs.get(handoffId);
    if (!h || !h.open) return; // not this flow's, or answered before (a repeated signal)
    const row = await acts.readHandoff(handoffId);
    if (!row || row.status === 'pending') return;
    h.open = false;
    const accepted = row.status === 'accepted';
    const received = row.quantityReceived ?? row.quantitySent;
    const lot = lots.get(h.lotId)!;
    const producer = step(lot.stepKey);
    if (h.stage === 'direct' || h.stage === 'pickup') {
      // The first hand-off of a run: its answer confirms or rejects the maker's run.
      if (accepted) {
        await answerJob(lot.jobId, { run: lot.run, accepted, reason: null });
        producer.status = 'handed-off';
        await acts.setFlowStepStatus({ flowId, stepKey: producer.key, status: 'handed-off' });
        if (h.stage === 'pickup') await acts.setFlowLegStatus({ legId: h.legId!, status: 'picked-up' });
        else await reached(h, row.quantitySent, received);
        return;
      }
      if (h.stage === 'pickup') {
        // The carrier refused the lot: its leg ends; the reworked lot gets a leg of its own.
        const leg = legs.get(h.legId!)!;
        leg.open = false;
        await acts.setFlowLegStatus({ legId: h.legId!, status: 'rejected' });
        if (leg.jobId) await acts.cancelFlowJob({ jobId: leg.jobId, actor: `flow:${flowId}`, reason: 'the lot was refused at pickup; it is being reworked' });
      }
      if (producer.extraRuns >= FLOW_MAX_REWORKS_PER_STEP) {
        // Not answered: the maker's job ends unanswered after its window unless the coordinator settles it first.
        return escalate(`reworks:${producer.key}`, `Step "${producer.key}" of flow ${flowId} was rejected more than ${FLOW_MAX_REWORKS_PER_STEP} times (latest: ${row.reason ?? 'no reason given'}). Settle it with the node, or cancel the flow.`);
      }
      // Rejected: the maker's job reworks the run itself (same node); its next lot reworks this one.
      producer.extraRuns += 1;
      producer.status = 'accepted';
      jobs.get(lot.jobId)!.reworkOf = h.lotId;
      await answerJob(lot.jobId, { run: lot.run, accepted, reason: row.reason });
      return;
    }
    if (h.stage === 'dropoff') {
      const leg = legs.get(h.legId!)!;
      leg.open = false;
      // The carrier delivered, whatever the receiver thinks of the lot.
      if (leg.jobId) await answerJob(leg.jobId, { run: leg.run, accepted: true, reason: null });
      await acts.setFlowLegStatus({ legId: h.legId!, status: accepted ? 'received' : 'rejected' });
      if (!accepted) return extraRun(producer, `a lot rejected after transport: ${row.reason ?? 'no reason given'}`, lot.quantity, h.lotId, lot.makerNodeId);
      return reached(h, row.quantitySent, received);
    }
    // collect: the member took it from the pickup point (or refused it there).
    if (!accepted) return extraRun(producer, `refused at the pickup point: ${row.reason ?? 'no reason given'}`, lot.quantity, h.lotId, lot.makerNodeId);
    return arrived(h, row.quantitySent, received);
  }

  /** A lot handed to its destination: at a pickup point the member still has to collect it. */
  async function reached(h: HandoffState, sent: number, received: number): Promise<void> {
    if (h.destination.kind === 'recipient' && flow.recipient.type === 'pickup') return collect(h, received);
    return arrived(h, sent, received);
  }

  /** The lot is at the pickup point: the member collects it there (a hand-off the member answers). */
  async function collect(h: HandoffState, quantity: number): Promise<void> {
    const r = flow.recipient;
    if (r.type !== 'pickup' || quantity <= 0) return;
    const { handoffId } = await acts.requestHandoff({ flowId, lotId: h.lotId, legId: null, from: { type: 'pickup', id: r.pickupPointId }, to: { type: 'member', id: r.memberId }, quantity });
    if (handoffs.has(handoffId)) return;
    handoffs.set(handoffId, { lotId: h.lotId, legId: null, stage: 'collect', destination: h.destination, open: true });
    await announce(handoffId);
  }

  async function noticeLate(): Promise<void> {
    const now = Date.now();
    for (const s of steps.values()) {
      if (s.made || s.late || s.status === 'cancelled' || Date.parse(s.plannedDoneAt) > now) continue;
      s.late = true;
      await mail.noticeLateStep({ flowId, stepKey: s.key, plannedDoneAt: s.plannedDoneAt, at: new Date(now).toISOString() });
    }
  }

  async function cancelAll(): Promise<void> {
    const reason = `flow cancelled: ${cancel!.reason}`;
    // Every job not known to have ended, a delivered one waiting for its hand-off's answer too (a job
    // that has ended meanwhile refuses the cancel, and stays as it ended).
    for (const [jobId, j] of jobs) if (!j.ended) await acts.cancelFlowJob({ jobId, actor: cancel!.actor, reason });
    for (const s of steps.values()) if (s.status === 'waiting' || s.status === 'offered' || s.status === 'accepted') s.status = 'cancelled';
    for (const l of legs.values()) l.open = false;
    // Pending hand-offs stay as records.
    await acts.finishFlow({ flowId, status: 'cancelled' });
    status = 'cancelled';
  }

  const flow: FlowRun = await acts.loadFlow(flowId);
  for (const s of flow.steps) {
    steps.set(s.key, {
      key: s.key,
      inputs: s.inputs,
      consumers: flow.steps.filter((c) => c.inputs.some((i) => i.step === s.key)).map((c) => c.key),
      flowType: s.flowType,
      goodQuantity: s.goodQuantity,
      startQuantity: s.startQuantity,
      plannedStartAt: s.plannedStartAt,
      plannedDoneAt: s.plannedDoneAt,
      status: s.status,
      jobId: null,
      nodeId: null,
      late: s.lateNoticed,
      made: false,
      received: {},
      extraRuns: 0,
    });
  }
  if (flow.status !== 'running') {
    status = flow.status;
    return summary();
  }
  await offerReady();
  while (status === 'running') {
    if (cancel) {
      await cancelAll();
      break;
    }
    if (inbox.length === 0) {
      const now = Date.now();
      const next = Math.min(...[...steps.values()].filter((s) => !s.made && !s.late && s.status !== 'cancelled').map((s) => Date.parse(s.plannedDoneAt)));
      if (Number.isFinite(next) && next <= now) {
        await noticeLate();
        continue;
      }
      const woke = () => inbox.length > 0 || cancel !== undefined;
      if (Number.isFinite(next)) await condition(woke, next - now);
      else await condition(woke);
      continue;
    }
    const msg = inbox.shift()!;
    if (msg.kind === 'job') await onJobEvent(msg.ev);
    else await onHandoff(msg.handoffId);
  }
  await condition(allHandlersFinished);
  return summary();
}
