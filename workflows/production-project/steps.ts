/**
 * The steps of a production project (`workflow.ts` tells them in order): record each transition,
 * move through a gate (the coordinator's word, or a members' vote), run a phase's work as a child,
 * apply how a phase or a vote ended, and cancel (a request, or a cancellation through Temporal).
 */
import { allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, isCancellation, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import { DecisionAudience } from '../../libs/contracts/src/decision';
import { phaseWorkflowId } from '../../libs/contracts/src/project-phase';
import {
  AdvancePhaseRequest,
  CancelProjectRequest,
  nextPhase,
  PROJECT_GATE_DECISION,
  ProjectGate,
  ProjectPhase,
  ProjectRejection,
  ProjectTransition,
  StartPhaseRequest,
  WorkingPhase,
} from '../../libs/contracts/src/production-project';
import { projectPhaseWorkflow } from '../project-phase/workflow';
import { MUST_LAND } from '../shared/activity-options';
import { askMembers, decisionRequest } from '../shared/decision-request';
import { causeOf, dataRejected } from '../shared/failures';
import type { PhaseEnd, ProjectState, VoteOutcome } from './state';
import type { productionProjectWorkflow } from './workflow';

// A projection write must eventually land: retried with backoff, without a limit on attempts.
const { recordProjectTransition, resolveGateVoters, countGateVoters, reportProjectProblem } = proxyActivities<ProjectActivities>(MUST_LAND);

/** Patches of this workflow (stored in histories: never change the strings). */
const GATE_AUDIENCE = '2026-12-gate-audience';
const CONTINUE_AS_NEW = '2026-12-project-continue-as-new';
const DATA_REJECTED_HANDLED = '2026-12-project-data-rejected';

/**
 * Transitions the live state keeps (the latest): it is every update's result and the query's, so
 * it must not grow with the project's life; the whole timeline is in PostgreSQL.
 */
const TRANSITIONS_KEPT = 20;
const HOUR = 3_600_000;

// ---- Projection -------------------------------------------------------------------------------

/** Applies a transition to the workflow state (the source of truth), then projects it. */
export async function record(p: ProjectState, t: Omit<ProjectTransition, 'seq' | 'at'>): Promise<void> {
  const { input, live } = p;
  const transition: ProjectTransition = {
    ...t,
    seq: ++p.seq,
    at: new Date().toISOString(),
  };
  live.transitions.push(transition);
  if (live.transitions.length > TRANSITIONS_KEPT) live.transitions.splice(0, live.transitions.length - TRANSITIONS_KEPT);
  live.lastSeq = p.seq;
  live.phase = transition.toPhase;
  live.status = transition.status;
  const projection = { projectId: input.projectId, name: input.name, workflowId: workflowInfo().workflowId, transition };
  try {
    await recordProjectTransition(projection);
  } catch (err) {
    // PostgreSQL refused the transition's text (a note it cannot store): record it without the
    // note and tell the coordinator, rather than stop the project on it.
    if (!dataRejected(err) || !patched(DATA_REJECTED_HANDLED)) throw err;
    await reportProjectProblem({ projectId: input.projectId, seq: transition.seq, message: causeOf(err) });
    await recordProjectTransition({ ...projection, transition: { ...transition, note: 'the note of this step could not be stored; the coordinator was told' } });
  }
}

export const started = (p: ProjectState) =>
  record(p, { kind: 'started', fromPhase: null, toPhase: 'rnd', status: 'active', actor: p.input.createdBy, note: null });

// ---- Long life --------------------------------------------------------------------------------

/**
 * At an idle point with a long history: continues as new, carrying the state as plain JSON, once
 * finished update handlers have returned. Returns when a request was accepted meanwhile (it is
 * applied first), and when replaying a run from before continue-as-new existed (it went on in place).
 */
export async function continueAsNewWhenIdle(p: ProjectState): Promise<void> {
  if (!patched(CONTINUE_AS_NEW)) {
    p.mayContinue = false;
    return;
  }
  // Let finished update handlers return first; a request accepted meanwhile is applied first.
  await condition(() => allHandlersFinished() || !p.idle());
  if (!p.idle()) return;
  await continueAsNew<typeof productionProjectWorkflow>({ ...p.input, resumed: { state: p.live, seq: p.seq } });
}

// ---- Requests ---------------------------------------------------------------------------------

/** The cancel request: withdraws an open vote or cancels the running phase, waits until it has ended, and records the cancellation. */
export async function cancelled(p: ProjectState, req: CancelProjectRequest): Promise<void> {
  await cancelWork(p);
  await record(p, { kind: 'cancelled', fromPhase: p.live.phase, toPhase: p.live.phase, status: 'cancelled', actor: req.actor, note: req.reason });
}

/**
 * The advance request: through the gate of the phase being left (from its plan), else the
 * project's. The coordinator's gate moves on at once; a members' gate opens a vote.
 */
export async function advance(p: ProjectState, req: AdvancePhaseRequest): Promise<void> {
  const { live } = p;
  const to = nextPhase(live.phase);
  const gate = req.gate ?? p.input.gate;
  // validateAdvance guarantees a next phase exists; the guard keeps the types honest.
  if (to !== undefined && gate?.mode === 'members') {
    await openGateVote(p, gate, req, to);
  } else if (to !== undefined) {
    await record(p, {
      kind: to === 'completed' ? 'completed' : movedOnKind(p, p.phase),
      fromPhase: live.phase,
      toPhase: to,
      status: to === 'completed' ? 'completed' : 'active',
      actor: req.actor,
      note: req.note ?? null,
    });
  }
}

/** Moving on from a phase whose work ran to the end is an advance; otherwise the phase was skipped. */
function movedOnKind(p: ProjectState, from: WorkingPhase): 'advanced' | 'skipped' {
  return p.live.phases?.[from]?.status === 'done' ? 'advanced' : 'skipped';
}

// ---- Members' gate ----------------------------------------------------------------------------

/**
 * Members gate: instead of advancing, open a vote (a child decision workflow) among the
 * project's funders or the asset's owners. The main loop applies its outcome when it closes.
 * Nobody to vote: the request is refused.
 */
async function openGateVote(p: ProjectState, gate: Extract<ProjectGate, { mode: 'members' }>, req: AdvancePhaseRequest, to: ProjectPhase): Promise<void> {
  const { input, live } = p;
  // Current runs: the decision resolves its voters in the database (only their number passes
  // through this history); older runs passed the list.
  let voterIds: string[] = [];
  let audience: DecisionAudience | undefined;
  let voters: number;
  if (patched(GATE_AUDIENCE)) {
    audience = gate.voters === 'owners' ? { kind: 'asset-owners', assetId: gate.assetId ?? '' } : { kind: 'project-funders', projectId: input.projectId };
    voters = await countGateVoters(audience);
  } else {
    voterIds = await resolveGateVoters({ projectId: input.projectId, voters: gate.voters, assetId: gate.assetId });
    voters = voterIds.length;
  }
  if (voters === 0) {
    p.refusal = ApplicationFailure.nonRetryable(
      gate.voters === 'owners' ? 'the asset has no active member owners to vote on this gate' : 'the project has no active funders yet to vote on this gate',
      ProjectRejection.NoVoters,
    );
    return;
  }
  const from = p.phase;
  const request = decisionRequest({
    kind: PROJECT_GATE_DECISION.kind,
    subject: { type: 'project', id: input.projectId },
    title: `Should "${input.name}" move from ${from} to ${to}?`,
    question: `The coordinator asks the ${gate.voters === 'owners' ? "asset's owners" : "project's funders"} to approve moving "${input.name}" from the ${from} phase to ${to}.`,
    context: [
      { label: 'Project', value: input.name },
      { label: 'Current phase', value: from },
      { label: 'Next phase', value: to },
      { label: 'Rule', value: gate.rule.kind === 'quorum' ? `majority of votes cast, quorum ${gate.rule.quorumPercent}%` : gate.rule.kind === 'unanimity' ? 'unanimity' : 'majority of votes cast' },
      ...(req.note ? [{ label: 'Note from the coordinator', value: req.note }] : []),
    ],
    options: [
      { id: PROJECT_GATE_DECISION.approve, label: `Approve: move to ${to}` },
      { id: PROJECT_GATE_DECISION.reject, label: `Reject: stay in ${from}` },
    ],
    asked: audience ? { audience } : { memberIds: voterIds },
    answerWithinMs: gate.votingHours * HOUR,
    // Two days and two hours before the deadline, when the vote is long enough for them.
    remindBeforeMs: [48 * HOUR, 2 * HOUR],
    rule: gate.rule,
    requestedBy: req.actor,
  });
  const { decisionId, deadline } = request;
  p.voteOutcome = undefined;
  p.voteNote = req.note;
  const scope = new CancellationScope();
  const child = await scope.run(() => askMembers(request));
  p.voteScope = scope;
  live.gateVote = { decisionId, fromPhase: from, toPhase: to, deadline, voters, status: 'open', reason: null };
  void child.result().then(
    (outcome) => (p.voteOutcome = outcome),
    // Withdrawn (cancelled, terminated or failed outside this workflow): the gate stays closed.
    (err: unknown) => (p.voteOutcome = { status: 'withdrawn', reason: isCancellation(err) ? 'the vote was withdrawn' : `the vote did not finish: ${String(err)}` }),
  );
  await record(p, {
    kind: 'vote-opened',
    fromPhase: from,
    toPhase: from,
    status: 'active',
    actor: req.actor,
    note: `members vote on moving to ${to} until ${deadline} (decision ${decisionId}, ${voters} voters)`,
  });
}

/** Applies a closed gate vote: approved moves the project on, anything else keeps it where it is. */
export async function applyGateVote(p: ProjectState, outcome: VoteOutcome): Promise<void> {
  const vote = p.live.gateVote!;
  const approved = outcome.status === 'decided' && outcome.optionId === PROJECT_GATE_DECISION.approve;
  vote.status = approved ? 'approved' : 'not-approved';
  vote.reason = outcome.reason;
  const actor = `members-vote:${vote.decisionId}`;
  if (approved) {
    await record(p, {
      kind: vote.toPhase === 'completed' ? 'completed' : movedOnKind(p, vote.fromPhase),
      fromPhase: vote.fromPhase,
      toPhase: vote.toPhase,
      status: vote.toPhase === 'completed' ? 'completed' : 'active',
      actor,
      note: `approved by the members: ${outcome.reason}${p.voteNote ? ` (the coordinator's note: ${p.voteNote})` : ''}`,
    });
  } else {
    await record(p, { kind: 'vote-failed', fromPhase: vote.fromPhase, toPhase: vote.fromPhase, status: 'active', actor, note: `not approved (${outcome.status}): ${outcome.reason}` });
  }
}

// ---- Phase work -------------------------------------------------------------------------------

/** Starts the current phase's work as a child workflow (one run per attempt). */
export async function startPhase(p: ProjectState, req: StartPhaseRequest): Promise<void> {
  const { input, live } = p;
  const phase = req.phase;
  const attempt = (live.phases?.[phase]?.attempt ?? 0) + 1;
  const workflowId = phaseWorkflowId(input.projectId, phase, attempt);
  p.phaseEnd = undefined;
  const scope = new CancellationScope();
  const child = await scope.run(() =>
    startChild(projectPhaseWorkflow, {
      workflowId,
      args: [{ projectId: input.projectId, projectName: input.name, phase, attempt, plan: req.plan, carried: req.carried, startedBy: req.actor }],
    }),
  );
  p.phaseScope = scope;
  live.phases = { ...live.phases, [phase]: { attempt, workflowId, status: 'running', startedAt: new Date().toISOString(), endedAt: null, reason: null } };
  void child.result().then(
    (view) => (p.phaseEnd = { view, error: null }),
    (err: unknown) => (p.phaseEnd = { view: null, error: isCancellation(err) ? 'cancelled' : `the phase workflow did not finish: ${String(err)}` }),
  );
  await record(p, { kind: 'phase-started', fromPhase: phase, toPhase: phase, status: 'active', actor: req.actor, note: `${phase} work started (attempt ${attempt}, ${workflowId})` });
}

/** Applies the end of the phase's work: done, failed (the coordinator may restart or skip it). */
export async function applyPhaseEnd(p: ProjectState, end: PhaseEnd): Promise<void> {
  const phase = p.phase;
  const summary = p.live.phases![phase]!;
  p.phaseScope = undefined;
  summary.endedAt = new Date().toISOString();
  summary.status = end.view?.status === 'done' ? 'done' : end.error === 'cancelled' ? 'cancelled' : 'failed';
  summary.reason = end.view?.reason ?? end.error;
  await record(p, {
    kind: summary.status === 'done' ? 'phase-done' : 'phase-failed',
    fromPhase: phase,
    toPhase: phase,
    status: 'active',
    actor: `phase:${summary.workflowId}`,
    note: summary.status === 'done' ? `${phase} work done; the gate is next` : `${phase} work ${summary.status}: ${summary.reason}`,
  });
}

// ---- Cancellation -----------------------------------------------------------------------------

/** Withdraws an open gate vote and cancels the running phase (never both at once), and waits until they have ended. */
async function cancelWork(p: ProjectState): Promise<void> {
  if (p.live.gateVote?.status === 'open') p.voteScope?.cancel();
  await settleWithdrawnVote(p);
  if (p.live.phases?.[p.phase]?.status === 'running') p.phaseScope?.cancel();
  await settleCancelledPhase(p);
}

/** Waits until a cancelled running phase has ended (its round and jobs compensated), and notes it. */
async function settleCancelledPhase(p: ProjectState): Promise<void> {
  const summary = p.live.phases?.[p.phase];
  if (summary?.status !== 'running') return;
  await condition(() => p.phaseEnd !== undefined);
  summary.status = 'cancelled';
  summary.endedAt = new Date().toISOString();
  summary.reason = 'the project was cancelled';
  p.phaseScope = undefined;
}

/** Waits until a withdrawn open gate vote has recorded its withdrawal, and notes it. */
async function settleWithdrawnVote(p: ProjectState): Promise<void> {
  const vote = p.live.gateVote;
  if (vote?.status !== 'open') return;
  await condition(() => p.voteOutcome !== undefined);
  vote.status = 'cancelled';
  vote.reason = 'the project was cancelled';
}

/**
 * Cancelled from outside (Temporal UI or CLI): the running phase and an open vote were cancelled
 * with this workflow's scope; wait until they have ended, record the cancellation, then let it stand.
 */
export async function cancelledThroughTemporal(p: ProjectState): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    await settleCancelledPhase(p);
    await settleWithdrawnVote(p);
    await record(p, { kind: 'cancelled', fromPhase: p.live.phase, toPhase: p.live.phase, status: 'cancelled', actor: 'temporal', note: 'workflow cancelled through Temporal' });
  });
}
