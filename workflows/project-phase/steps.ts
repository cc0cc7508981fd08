/**
 * The steps of a phase attempt (`workflow.ts` tells them in order): raise the budget, run each task
 * as a job, check each node the phase adds, conclude, or wait for the children to compensate when
 * the project is cancelled. Every step is projected with its event on the phase's timeline.
 */
import { CancellationScope, isCancellation, patched, proxyActivities, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PhaseActivities } from '../../apps/worker/src/activities/phase.activities';
import { FlowSummary, flowWorkflowId } from '../../libs/contracts/src/flows';
import { FundingRoundInput, fundingRoundWorkflowId, RoundView } from '../../libs/contracts/src/funding-round';
import { JobInput, JobView, jobWorkflowId } from '../../libs/contracts/src/job';
import { PhaseEvent, PhaseOutput, PhaseTask, PhaseTaskState, PhaseView } from '../../libs/contracts/src/project-phase';
import { flowWorkflow } from '../flow/workflow';
import { fundingRoundWorkflow } from '../funding-round/workflow';
import { jobWorkflow } from '../job/workflow';
import { MUST_LAND, NODE_CHECK } from '../shared/activity-options';
import { causeOf } from '../shared/failures';
import type { PhaseState } from './state';

const { recordPhase, createPhaseRound, createPhaseJob, createPhaseFlow, cancelPhaseFlow, recordPhaseOutputs, applyNodeUpgrade, discardPhaseRows } = proxyActivities<PhaseActivities>(MUST_LAND);
const { verifyNodeWebhook } = proxyActivities<PhaseActivities>(NODE_CHECK);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Projects the view and every event not yet written; idempotent on (phase attempt, seq). */
export async function record(phase: PhaseState, kind?: PhaseEvent['kind'], note?: string): Promise<void> {
  const { input, events, view } = phase;
  if (kind) events.push({ seq: events.length + 1, kind, note: note ?? '', at: new Date().toISOString() });
  const pending = events.slice(phase.written);
  await recordPhase({ projectId: input.projectId, view, seq: ++phase.seq, workflowId: workflowInfo().workflowId, events: pending });
  phase.written = events.length;
}

/** The timeline's first line: what this attempt has to do. */
export function started(phase: PhaseState): Promise<void> {
  const { input, plan } = phase;
  return record(
    phase,
    'phase-started',
    `${input.phase} (attempt ${input.attempt}): ${plan.tasks.length} task(s)${plan.budget ? `, budget ${plan.budget.goal} ${plan.budget.currency}` : ''}${plan.nodes.length ? `, ${plan.nodes.length} node(s) to verify` : ''}`,
  );
}

/** Opens a funding round for the phase's budget (a `fundingRoundWorkflow` child) and waits for its end; true when funded. */
export async function fund(phase: PhaseState): Promise<boolean> {
  const { input, view } = phase;
  const budget = phase.plan.budget!;
  const roundId = uuid4();
  const deadline = new Date(Date.now() + budget.openForHours * HOUR).toISOString();
  await phase.createRow('roundIds', roundId, () => createPhaseRound({ roundId, projectId: input.projectId, phase: input.phase, budget, deadline, createdBy: input.startedBy }));
  const roundInput: FundingRoundInput = {
    roundId,
    projectId: input.projectId,
    projectName: input.projectName,
    assetId: budget.assetId,
    goal: budget.goal,
    currency: budget.currency,
    minPledge: budget.minPledge,
    deadline,
    closeWhenGoalMet: budget.closeWhenGoalMet,
    payoutApproval: budget.payoutApproval,
    operator: null,
    documents: budget.documents,
    remindBeforeMs: [3 * DAY, DAY],
    createdBy: input.startedBy,
  };
  const round = await startChild(fundingRoundWorkflow, { workflowId: fundingRoundWorkflowId(roundId), args: [roundInput] });
  phase.started('roundIds', roundId);
  const ended = phase.follow(round.result());
  view.roundId = roundId;
  view.roundStatus = 'open';
  await record(phase, 'round-opened', `funding round ${roundId}: ${budget.goal} ${budget.currency} (minor units) until ${deadline}`);
  let result: RoundView;
  try {
    result = await ended;
  } catch (err) {
    // The round alone was cancelled or terminated (e.g. from the Temporal UI): not raised.
    if (phase.phaseCancelled()) throw err;
    view.roundStatus = 'cancelled';
    await record(phase, 'round-closed', `round ended without a result: ${causeOf(err)}`);
    return false;
  }
  view.roundStatus = result.status;
  const funded = result.status === 'funded';
  await record(phase, 'round-closed', `round ${result.status}: ${result.total} of ${result.goal} ${result.currency} from ${result.backers} backers${result.outcomeReason ? ` (${result.outcomeReason})` : ''}`);
  return funded;
}

/** The budget was not raised: the phase fails and nothing is dispatched. */
export async function notFunded(phase: PhaseState): Promise<PhaseView> {
  const { view } = phase;
  view.status = 'failed';
  view.reason = `the phase budget was not raised (round ${view.roundStatus})`;
  await record(phase, 'phase-failed', view.reason);
  return view;
}

/** Starts every task not done in an earlier attempt, and every node check, all at once. */
export function startWork(phase: PhaseState): Array<Promise<void>> {
  const { plan, view } = phase;
  return [
    ...plan.tasks.map((task, i) => (view.tasks[i].result === 'done' ? Promise.resolve() : runTask(phase, task, view.tasks[i]))),
    ...view.nodeChecks.map((check) => verifyNode(phase, check)),
  ];
}

/** Dispatches one task as a job (or, for a recipe task, as a flow) and follows it to its end. */
async function runTask(phase: PhaseState, task: PhaseTask, state: PhaseTaskState): Promise<void> {
  const { input, view } = phase;
  const failTask = (reason: string) => {
    state.result = 'failed';
    state.reason = reason;
    return record(phase, 'task-finished', `task ${task.key} failed: ${reason}`);
  };
  // Asked only for recipe tasks, so the histories of plans without them replay unchanged.
  if (task.recipeId && patched('2026-12-phase-flow')) return runFlowTask(phase, task, state, failTask);
  const jobId = uuid4();
  const dueAt = new Date(Date.now() + task.dueInDays * DAY).toISOString();
  let recipient: Awaited<ReturnType<typeof createPhaseJob>>;
  try {
    recipient = await phase.createRow('jobIds', jobId, () => createPhaseJob({ jobId, projectId: input.projectId, phase: input.phase, task, dueAt, createdBy: input.startedBy }));
  } catch (err) {
    if (isCancellation(err)) throw err;
    return failTask(`not dispatched: ${causeOf(err)}`);
  }
  const jobInput: JobInput = {
    jobId,
    capability: task.capability,
    quantity: task.quantity,
    unit: task.unit,
    specUrl: task.specUrl,
    dueAt,
    recipient: { type: task.recipient.type, id: task.recipient.id, confirmerId: recipient.confirmerId },
    demand: { type: 'project', id: input.projectId },
    locationId: recipient.locationId,
    offerTimeoutMs: task.offerTimeoutHours * HOUR,
    maxDelayMs: 3 * DAY,
    allowPartial: false,
    confirmWithinMs: task.confirmWithinHours * HOUR,
    createdBy: input.startedBy,
    deliverable: { kind: task.output, licence: task.licence, documentsRequired: task.output === 'design' || task.output === 'test-report' },
    // Paid work: only a priced task's job carries a price (plans written before prices pass none).
    ...(task.price ? { price: task.price, ...(task.priceCeiling !== undefined ? { priceCeiling: task.priceCeiling } : {}), ...(task.payProgressOnCancel ? { payProgressOnCancel: true } : {}) } : {}),
  };
  const job = await startChild(jobWorkflow, { workflowId: jobWorkflowId(jobId), args: [jobInput] });
  phase.started('jobIds', jobId);
  const ended = phase.follow(job.result());
  state.jobId = jobId;
  state.status = 'searching';
  await record(phase, 'job-dispatched', `task ${task.key}: job ${jobId} (${task.capability} × ${task.quantity} ${task.unit}, due ${dueAt})`);
  let result: JobView;
  try {
    result = await ended;
  } catch (err) {
    if (phase.phaseCancelled()) throw err;
    // The job alone was cancelled or terminated outside the job API (e.g. the Temporal UI).
    state.status = 'cancelled';
    return failTask(`the job ended without a result: ${causeOf(err)}`);
  }
  state.status = result.status;
  state.nodeId = result.nodeId;
  const run = result.runs.at(-1);
  if (result.status !== 'confirmed' || !run) {
    return failTask(result.status === 'cancelled' ? 'the job was cancelled' : `the delivery was not confirmed (${run?.confirmation ?? result.status})`);
  }
  const outputs: PhaseOutput[] = (run.documents ?? []).map((d) => ({
    taskKey: task.key,
    jobId,
    kind: task.output,
    title: d.title,
    url: d.url,
    contentHash: d.contentHash ?? null,
    licence: task.licence,
  }));
  if (outputs.length > 0) {
    await recordPhaseOutputs({ projectId: input.projectId, phase: input.phase, outputs });
    view.outputs.push(...outputs);
  }
  if (task.upgrade) {
    try {
      await applyNodeUpgrade({ projectId: input.projectId, jobId, upgrade: task.upgrade });
    } catch (err) {
      if (phase.phaseCancelled()) throw err;
      view.upgrades.push({ nodeId: task.upgrade.nodeId, toLevel: task.upgrade.toLevel, applied: false });
      return failTask(`the upgrade could not be applied: ${causeOf(err)}`);
    }
    view.upgrades.push({ nodeId: task.upgrade.nodeId, toLevel: task.upgrade.toLevel, applied: true });
  }
  state.result = 'done';
  await record(phase, 'task-finished', `task ${task.key} confirmed: ${run.made} ${task.unit} by node ${result.nodeId}`);
  for (const o of outputs) await record(phase, 'output-attached', `${o.kind} "${o.title}" (${o.licence ?? 'no licence'}): ${o.url}`);
  if (task.upgrade) await record(phase, 'node-upgraded', `node ${task.upgrade.nodeId} raised to ${task.upgrade.toLevel}`);
}

/**
 * A recipe task: its flow is written (planned backwards from the task's due date) and its
 * `flowWorkflow` started as the phase's child; the task is done when the flow is delivered. The
 * flow is started outside the phase's cancellation scope: a flow does not end on a cancel request
 * but through its own cancel (which cancels its open jobs), so when the phase is cancelled it asks
 * for that and waits for the flow to end, as a job compensates before the phase ends.
 */
async function runFlowTask(phase: PhaseState, task: PhaseTask, state: PhaseTaskState, failTask: (reason: string) => Promise<void>): Promise<void> {
  const { input } = phase;
  const dueAt = new Date(Date.now() + task.dueInDays * DAY).toISOString();
  let flowId: string;
  try {
    // Whole even if the phase is cancelled meanwhile: the row is then closed as an orphan.
    ({ flowId } = await CancellationScope.nonCancellable(() =>
      createPhaseFlow({ projectId: input.projectId, phase: input.phase, attempt: input.attempt, task, dueAt, createdBy: input.startedBy }),
    ));
  } catch (err) {
    if (isCancellation(err)) throw err;
    return failTask(`not dispatched: ${causeOf(err)}`);
  }
  phase.orphans.flowIds.push(flowId);
  // Cancelled while the row was written: the flow is not started (its row is closed as an orphan).
  if (phase.phaseCancelled()) await CancellationScope.current().cancelRequested;
  const flow = await CancellationScope.nonCancellable(() => startChild(flowWorkflow, { workflowId: flowWorkflowId(flowId), args: [{ flowId }] }));
  phase.started('flowIds', flowId);
  const ended = phase.follow(flow.result());
  state.flowId = flowId;
  state.status = 'searching';
  let result: FlowSummary;
  try {
    await record(phase, 'job-dispatched', `task ${task.key}: flow ${flowId} of recipe ${task.recipeId} (${task.quantity} ${task.unit}, due ${dueAt})`);
    // The flow is outside the phase's scope: a cancelled phase stops waiting here and cancels it.
    result = await Promise.race([ended, CancellationScope.current().cancelRequested]);
  } catch (err) {
    if (phase.phaseCancelled()) {
      await CancellationScope.nonCancellable(async () => {
        await cancelPhaseFlow({ flowId, actor: `phase:${input.projectId}:${input.phase}`, reason: 'the project was cancelled' });
        await ended.catch(() => undefined);
      });
      state.status = 'cancelled';
      throw err;
    }
    // The flow alone was terminated (e.g. from the Temporal UI).
    state.status = 'cancelled';
    return failTask(`the flow ended without a result: ${causeOf(err)}`);
  }
  if (result.status !== 'delivered') {
    state.status = result.status === 'cancelled' ? 'cancelled' : 'failed';
    return failTask(`the flow ended ${result.status}, not delivered`);
  }
  state.status = 'confirmed';
  state.result = 'done';
  await record(phase, 'task-finished', `task ${task.key} delivered: flow ${flowId} (${task.quantity} ${task.unit}, ${result.steps.length} step(s))`);
}

/** A node the phase adds must answer a signed ping (1B, data transport); retried while it is being wired. */
async function verifyNode(phase: PhaseState, check: PhaseView['nodeChecks'][number]): Promise<void> {
  const { input } = phase;
  try {
    const r = await verifyNodeWebhook({ projectId: input.projectId, nodeId: check.nodeId, eventId: `evt_${input.projectId.replace(/-/g, '')}_${input.phase}${input.attempt}_${check.nodeId.replace(/-/g, '')}` });
    check.status = 'verified';
    check.detail = r;
    await record(phase, 'node-verified', `node ${check.nodeId}: ${r}`);
  } catch (err) {
    if (isCancellation(err)) throw err;
    check.status = 'failed';
    check.detail = causeOf(err);
    await record(phase, 'node-unverified', `node ${check.nodeId} did not answer a signed ping: ${check.detail}`);
  }
}

/** Done when every task was confirmed and every node verified; otherwise failed, with the reasons. */
export async function conclude(phase: PhaseState): Promise<PhaseView> {
  const { view } = phase;
  const failed = [
    ...view.tasks.filter((t) => t.result !== 'done').map((t) => `task ${t.key}: ${t.reason ?? 'not done'}`),
    ...view.nodeChecks.filter((c) => c.status !== 'verified').map((c) => `node ${c.nodeId}: ${c.detail ?? 'not verified'}`),
  ];
  if (failed.length > 0) {
    view.status = 'failed';
    view.reason = failed.join('; ');
    await record(phase, 'phase-failed', view.reason);
  } else {
    view.status = 'done';
    await record(phase, 'phase-done', `${view.tasks.length} task(s) confirmed, ${view.outputs.length} output(s), ${view.nodeChecks.length} node(s) verified`);
  }
  return view;
}

/**
 * The project was cancelled: the children were cancelled with this workflow. Waits until each has
 * compensated (a round gives its holds back, a job tells its node), closes the rows of children
 * never started, and records the cancellation.
 */
export async function cancelledWithProject(phase: PhaseState): Promise<void> {
  const { view, orphans } = phase;
  await CancellationScope.nonCancellable(async () => {
    // A child ends only once it has compensated: a round released its holds, a job told its node.
    await Promise.allSettled([...phase.work, ...phase.children]);
    if (orphans.roundIds.length || orphans.jobIds.length || orphans.flowIds.length) await discardPhaseRows(orphans);
    const fundingCancelled = view.status === 'funding' && view.roundId !== null && view.roundStatus === 'open';
    if (fundingCancelled) {
      view.roundStatus = 'cancelled';
      await record(phase, 'round-closed', 'round cancelled with the project: every hold was given back');
    }
    const withdrawn = view.tasks.filter((t) => (t.jobId || t.flowId) && t.result === null).length;
    view.status = 'cancelled';
    view.reason = 'the project was cancelled';
    await record(
      phase,
      'phase-cancelled',
      [
        'the project was cancelled',
        fundingCancelled ? 'its round gave every hold back' : view.roundStatus === 'funded' ? "the round's money stays in the project account" : null,
        withdrawn ? `${withdrawn} job(s) withdrawn from their nodes` : null,
      ]
        .filter(Boolean)
        .join('; '),
    );
  });
}
