/**
 * projectPhaseWorkflow: one phase of a production project doing its work, as a child of the
 * project's workflow (one run per attempt; the coordinator may restart a failed phase).
 *
 *  1. Funding: with a budget, it opens a funding round (a `fundingRoundWorkflow` child) and waits
 *     for its end. Not funded: the phase fails and nothing is dispatched.
 *  2. Work: a job per task (`jobWorkflow` children), all at once; each ends confirmed by its
 *     recipient or not. Documents delivered with a design or a test report become the project's
 *     outputs; a confirmed upgrade raises the node's automation level and capacity.
 *  3. Checks (node-buildout): every node the phase adds must answer a signed ping (1B, data
 *     transport), retried with backoff while the node is being wired.
 *  4. Done when every task was confirmed and every node verified; otherwise failed with reasons.
 *     The gate that follows is the project's (coordinator or members' vote).
 *
 * Cancelled (the project was cancelled): its children are cancelled with it and compensate on
 * their own (a round gives every hold back, an offered or accepted job is withdrawn from its node
 * with `job.cancelled`); this workflow waits for them, then records the cancellation.
 *
 * Sandbox rules as everywhere in workflows/. The function name is stored in histories.
 */
import {
  ActivityFailure,
  CancellationScope,
  ChildWorkflowFailure,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { PhaseActivities } from '../../apps/worker/src/activities/phase.activities';
import { FundingRoundInput, fundingRoundWorkflowId, RoundView } from '../../libs/contracts/src/funding-round';
import { JobInput, JobView, jobWorkflowId } from '../../libs/contracts/src/job';
import {
  getPhaseQuery,
  PhaseEvent,
  PhaseInput,
  PhaseOutput,
  PhaseTask,
  PhaseTaskState,
  PhaseView,
} from '../../libs/contracts/src/project-phase';
import { fundingRoundWorkflow } from '../funding-round/workflow';
import { jobWorkflow } from '../job/workflow';
import { MUST_LAND } from '../shared/activity-options';

const HOUR = 3_600_000;
/** The message worth showing of an activity's or a child's failure: its cause's. */
const causeOf = (err: unknown) => (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? (err.cause?.message ?? err.message) : String(err));
const DAY = 24 * HOUR;

const { recordPhase, createPhaseRound, createPhaseJob, recordPhaseOutputs, applyNodeUpgrade, discardPhaseRows } = proxyActivities<PhaseActivities>(MUST_LAND);
/**
 * A node being wired may take days to answer its first signed ping: retried with backoff for a
 * week (each attempt is one webhook delivery, recorded in webhook_attempts), then the check fails.
 */
const { verifyNodeWebhook } = proxyActivities<PhaseActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: ['NodeNotFound'] },
});

export async function projectPhaseWorkflow(input: PhaseInput): Promise<PhaseView> {
  const { plan } = input;
  const view: PhaseView = {
    projectId: input.projectId,
    phase: input.phase,
    attempt: input.attempt,
    status: plan.budget && !input.carried.fundedRoundId ? 'funding' : 'working',
    roundId: input.carried.fundedRoundId,
    roundStatus: input.carried.fundedRoundId ? 'funded' : null,
    tasks: plan.tasks.map((t) => {
      const carried = input.carried.doneTaskKeys.includes(t.key);
      return { key: t.key, jobId: null, status: carried ? 'carried' : 'pending', nodeId: null, result: carried ? 'done' : null, reason: carried ? 'done in an earlier attempt' : null };
    }),
    nodeChecks: plan.nodes.map((nodeId) => ({ nodeId, status: 'pending', detail: null })),
    outputs: [],
    upgrades: [],
    reason: null,
  };
  const events: PhaseEvent[] = [];
  /** Every child's end: on cancellation each is awaited until it has compensated. */
  const children: Array<Promise<unknown>> = [];
  /** Rows created for a child that was never started (the phase was cancelled in between). */
  const orphans = { roundIds: [] as string[], jobIds: [] as string[] };
  /** True once this phase (not just one of its children) is being cancelled. */
  const phaseCancelled = () => CancellationScope.current().consideredCancelled;
  const follow = <T>(p: Promise<T>): Promise<T> => {
    children.push(p.catch(() => undefined));
    return p;
  };
  /** Creates the row a child needs, whole even if the phase is cancelled meanwhile. */
  const createRow = <T>(kind: 'roundIds' | 'jobIds', id: string, create: () => Promise<T>): Promise<T> => {
    orphans[kind].push(id);
    return CancellationScope.nonCancellable(create);
  };
  const started = (kind: 'roundIds' | 'jobIds', id: string) => orphans[kind].splice(orphans[kind].indexOf(id), 1);
  let written = 0;
  let seq = 0;
  setHandler(getPhaseQuery, () => view);

  /** Projects the view and every event not yet written; idempotent on (phase attempt, seq). */
  async function record(kind?: PhaseEvent['kind'], note?: string): Promise<void> {
    if (kind) events.push({ seq: events.length + 1, kind, note: note ?? '', at: new Date().toISOString() });
    const pending = events.slice(written);
    await recordPhase({ projectId: input.projectId, view, seq: ++seq, workflowId: workflowInfo().workflowId, events: pending });
    written = events.length;
  }

  async function fund(): Promise<boolean> {
    const budget = plan.budget!;
    const roundId = uuid4();
    const deadline = new Date(Date.now() + budget.openForHours * HOUR).toISOString();
    await createRow('roundIds', roundId, () => createPhaseRound({ roundId, projectId: input.projectId, phase: input.phase, budget, deadline, createdBy: input.startedBy }));
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
    started('roundIds', roundId);
    const ended = follow(round.result());
    view.roundId = roundId;
    view.roundStatus = 'open';
    await record('round-opened', `funding round ${roundId}: ${budget.goal} ${budget.currency} (minor units) until ${deadline}`);
    let result: RoundView;
    try {
      result = await ended;
    } catch (err) {
      // The round alone was cancelled or terminated (e.g. from the Temporal UI): not raised.
      if (phaseCancelled()) throw err;
      view.roundStatus = 'cancelled';
      await record('round-closed', `round ended without a result: ${causeOf(err)}`);
      return false;
    }
    view.roundStatus = result.status;
    const funded = result.status === 'funded';
    await record('round-closed', `round ${result.status}: ${result.total} of ${result.goal} ${result.currency} from ${result.backers} backers${result.outcomeReason ? ` (${result.outcomeReason})` : ''}`);
    return funded;
  }

  /** Dispatches one task as a job and follows it to its end. */
  async function runTask(task: PhaseTask, state: PhaseTaskState): Promise<void> {
    const failTask = (reason: string) => {
      state.result = 'failed';
      state.reason = reason;
      return record('task-finished', `task ${task.key} failed: ${reason}`);
    };
    const jobId = uuid4();
    const dueAt = new Date(Date.now() + task.dueInDays * DAY).toISOString();
    let recipient: Awaited<ReturnType<typeof createPhaseJob>>;
    try {
      recipient = await createRow('jobIds', jobId, () => createPhaseJob({ jobId, projectId: input.projectId, phase: input.phase, task, dueAt, createdBy: input.startedBy }));
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
    };
    const job = await startChild(jobWorkflow, { workflowId: jobWorkflowId(jobId), args: [jobInput] });
    started('jobIds', jobId);
    const ended = follow(job.result());
    state.jobId = jobId;
    state.status = 'searching';
    await record('job-dispatched', `task ${task.key}: job ${jobId} (${task.capability} × ${task.quantity} ${task.unit}, due ${dueAt})`);
    let result: JobView;
    try {
      result = await ended;
    } catch (err) {
      if (phaseCancelled()) throw err;
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
        if (phaseCancelled()) throw err;
        view.upgrades.push({ nodeId: task.upgrade.nodeId, toLevel: task.upgrade.toLevel, applied: false });
        return failTask(`the upgrade could not be applied: ${causeOf(err)}`);
      }
      view.upgrades.push({ nodeId: task.upgrade.nodeId, toLevel: task.upgrade.toLevel, applied: true });
    }
    state.result = 'done';
    await record('task-finished', `task ${task.key} confirmed: ${run.made} ${task.unit} by node ${result.nodeId}`);
    for (const o of outputs) await record('output-attached', `${o.kind} "${o.title}" (${o.licence ?? 'no licence'}): ${o.url}`);
    if (task.upgrade) await record('node-upgraded', `node ${task.upgrade.nodeId} raised to ${task.upgrade.toLevel}`);
  }

  async function verifyNode(check: PhaseView['nodeChecks'][number]): Promise<void> {
    try {
      const r = await verifyNodeWebhook({ projectId: input.projectId, nodeId: check.nodeId, eventId: `evt_${input.projectId.replace(/-/g, '')}_${input.phase}${input.attempt}_${check.nodeId.replace(/-/g, '')}` });
      check.status = 'verified';
      check.detail = r;
      await record('node-verified', `node ${check.nodeId}: ${r}`);
    } catch (err) {
      if (isCancellation(err)) throw err;
      check.status = 'failed';
      check.detail = causeOf(err);
      await record('node-unverified', `node ${check.nodeId} did not answer a signed ping: ${check.detail}`);
    }
  }

  /** The tasks and checks under way: on cancellation each is waited for until it has compensated. */
  let work: Array<Promise<void>> = [];
  try {
    await record('phase-started', `${input.phase} (attempt ${input.attempt}): ${plan.tasks.length} task(s)${plan.budget ? `, budget ${plan.budget.goal} ${plan.budget.currency}` : ''}${plan.nodes.length ? `, ${plan.nodes.length} node(s) to verify` : ''}`);
    if (view.status === 'funding' && !(await fund())) {
      view.status = 'failed';
      view.reason = `the phase budget was not raised (round ${view.roundStatus})`;
      await record('phase-failed', view.reason);
      return view;
    }
    view.status = 'working';
    await record();
    work = [
      ...plan.tasks.map((task, i) => (view.tasks[i].result === 'done' ? Promise.resolve() : runTask(task, view.tasks[i]))),
      ...view.nodeChecks.map(verifyNode),
    ];
    await Promise.all(work);
    const failed = [
      ...view.tasks.filter((t) => t.result !== 'done').map((t) => `task ${t.key}: ${t.reason ?? 'not done'}`),
      ...view.nodeChecks.filter((c) => c.status !== 'verified').map((c) => `node ${c.nodeId}: ${c.detail ?? 'not verified'}`),
    ];
    if (failed.length > 0) {
      view.status = 'failed';
      view.reason = failed.join('; ');
      await record('phase-failed', view.reason);
    } else {
      view.status = 'done';
      await record('phase-done', `${view.tasks.length} task(s) confirmed, ${view.outputs.length} output(s), ${view.nodeChecks.length} node(s) verified`);
    }
    return view;
  } catch (err) {
    if (isCancellation(err)) {
      // The children were cancelled with this workflow: wait until each has compensated (a round
      // gives its holds back, a job tells its node), record it, then let the cancellation stand.
      await CancellationScope.nonCancellable(async () => {
        // A child ends only once it has compensated: a round released its holds, a job told its node.
        await Promise.allSettled([...work, ...children]);
        if (orphans.roundIds.length || orphans.jobIds.length) await discardPhaseRows(orphans);
        const fundingCancelled = view.status === 'funding' && view.roundId !== null && view.roundStatus === 'open';
        if (fundingCancelled) {
          view.roundStatus = 'cancelled';
          await record('round-closed', 'round cancelled with the project: every hold was given back');
        }
        const withdrawn = view.tasks.filter((t) => t.jobId && t.result === null).length;
        view.status = 'cancelled';
        view.reason = 'the project was cancelled';
        await record(
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
    throw err;
  }
}
