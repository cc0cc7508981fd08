/**
 * productionProjectWorkflow: one durable process per production project.
 *
 * Walks the phases rnd → prototyping → node-buildout → upgrade → completed. The coordinator's
 * `startPhase` update runs the current phase's plan as a `projectPhaseWorkflow` child (its round,
 * its jobs, its checks); `advancePhase` passes the gate once the phase is done (the coordinator's
 * word, or a members' vote). Advancing from a phase whose work did not run to the end records it
 * as skipped: a network that already has what a phase builds moves on without it. Every
 * transition is written to PostgreSQL by the `recordProjectTransition` activity (the read model),
 * keyed by (projectId, seq) so retries are harmless.
 *
 * Versioning: everything the phase work added is reached only through the `startPhase` update,
 * which histories from before it never contain, so they replay command for command. A members'
 * gate opens its vote among an audience resolved in the database (patch `2026-12-gate-audience`;
 * older runs passed the list of voters through the history).
 *
 * History: about 13 events per transition (the update or child event, its projection activity,
 * workflow tasks). A project lives for years, so at an idle point (no phase running, no vote
 * open, no request being applied) it continues as new when Temporal suggests it or its history
 * passes `continueAsNewAfterEvents` (default 10,000), carrying its state as plain JSON (patch
 * `2026-12-project-continue-as-new`).
 *
 * Sandbox rules: imports only @temporalio/workflow, files inside workflows/ and pure contracts;
 * activities by `import type`. The function name is stored in histories: never rename it.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import { PhaseView, phaseWorkflowId } from '../../libs/contracts/src/project-phase';
import { DecisionAudience, DecisionOutcome, DecisionRequest, decisionWorkflowId } from '../../libs/contracts/src/decision';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import {
  AdvancePhaseRequest,
  advancePhaseUpdate,
  CancelProjectRequest,
  cancelProjectUpdate,
  getProjectStatusQuery,
  nextPhase,
  ProductionProjectInput,
  PROJECT_GATE_DECISION,
  ProjectGate,
  ProjectLiveState,
  ProjectPhase,
  ProjectRejection,
  ProjectTransition,
  StartPhaseRequest,
  startPhaseUpdate,
  WorkingPhase,
} from '../../libs/contracts/src/production-project';
import { memberDecisionWorkflow } from '../decision/workflow';
import { projectPhaseWorkflow } from '../project-phase/workflow';
import { MUST_LAND } from '../shared/activity-options';
import { validateAdvance, validateCancel, validateStartPhase } from './rules';

// A projection write must eventually land: retried with backoff, without a limit on attempts.
const { recordProjectTransition, resolveGateVoters, countGateVoters, reportProjectProblem } = proxyActivities<ProjectActivities>(MUST_LAND);

/** Patches of this workflow (stored in histories: never change the strings). */
const GATE_AUDIENCE = '2026-12-gate-audience';
const CONTINUE_AS_NEW = '2026-12-project-continue-as-new';
const DATA_REJECTED_HANDLED = '2026-12-project-data-rejected';

/** Continue as new past this many events unless the input says otherwise (Temporal warns at 10,240). */
export const PROJECT_HISTORY_EVENTS_LIMIT = 10_000;
/**
 * Transitions the live state keeps (the latest): it is every update's result and the query's, so
 * it must not grow with the project's life; the whole timeline is in PostgreSQL.
 */
const TRANSITIONS_KEPT = 20;

export async function productionProjectWorkflow(input: ProductionProjectInput): Promise<ProjectLiveState> {
  const state: ProjectLiveState = input.resumed
    ? input.resumed.state
    : {
        projectId: input.projectId,
        phase: 'rnd',
        status: 'active',
        pendingRequest: null,
        transitions: [],
      };
  /** The last transition's seq (the projection's idempotency key): carried across continue-as-new. */
  let seq = input.resumed?.seq ?? 0;
  let advance: AdvancePhaseRequest | undefined;
  let cancel: CancelProjectRequest | undefined;
  let start: StartPhaseRequest | undefined;
  /** The running phase's scope (cancelling it cancels the phase and its children) and its end. */
  let phaseScope: CancellationScope | undefined;
  let phaseEnd: { view: PhaseView | null; error: string | null } | undefined;
  /** Why the request being handed over was refused (thrown back to its caller). */
  let refusal: ApplicationFailure | undefined;
  /** The open gate vote's scope (cancelling it withdraws the vote) and its outcome once closed. */
  let voteScope: CancellationScope | undefined;
  let voteOutcome: DecisionOutcome | { status: 'withdrawn'; reason: string } | undefined;
  /** The note of the advance that opened the vote (a skip's reason), kept for the transition it leads to. */
  let voteNote: string | undefined;

  /** Applies a transition to the workflow state (the source of truth), then projects it. */
  async function record(t: Omit<ProjectTransition, 'seq' | 'at'>): Promise<void> {
    const transition: ProjectTransition = {
      ...t,
      seq: ++seq,
      at: new Date().toISOString(),
    };
    state.transitions.push(transition);
    if (state.transitions.length > TRANSITIONS_KEPT) state.transitions.splice(0, state.transitions.length - TRANSITIONS_KEPT);
    state.lastSeq = seq;
    state.phase = transition.toPhase;
    state.status = transition.status;
    const projection = { projectId: input.projectId, name: input.name, workflowId: workflowInfo().workflowId, transition };
    try {
      await recordProjectTransition(projection);
    } catch (err) {
      // PostgreSQL refused the transition's text (a note it cannot store): record it without the
      // note and tell the coordinator, rather than stop the project on it.
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === DATA_REJECTED) || !patched(DATA_REJECTED_HANDLED)) throw err;
      await reportProjectProblem({ projectId: input.projectId, seq: transition.seq, message: err.cause.message });
      await recordProjectTransition({ ...projection, transition: { ...transition, note: 'the note of this step could not be stored; the coordinator was told' } });
    }
  }

  /** Hands a request to the main loop; resolves with the state once the loop has applied it. */
  async function handOver(kind: NonNullable<ProjectLiveState['pendingRequest']>, accept: () => void): Promise<ProjectLiveState> {
    state.pendingRequest = kind;
    accept();
    await condition(() => state.pendingRequest === null);
    if (refusal) {
      const r = refusal;
      refusal = undefined;
      throw r;
    }
    return state;
  }

  /**
   * Members gate: instead of advancing, open a vote (a child decision workflow) among the
   * project's funders or the asset's owners. The main loop applies its outcome when it closes.
   */
  async function openGateVote(gate: Extract<ProjectGate, { mode: 'members' }>, req: AdvancePhaseRequest, to: ProjectPhase): Promise<void> {
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
      refusal = ApplicationFailure.nonRetryable(
        gate.voters === 'owners'
          ? 'the asset has no active member owners to vote on this gate'
          : 'the project has no active funders yet to vote on this gate',
        ProjectRejection.NoVoters,
      );
      return;
    }
    const from = state.phase as WorkingPhase;
    const decisionId = uuid4();
    const deadline = new Date(Date.now() + gate.votingHours * 3_600_000).toISOString();
    const request: DecisionRequest = {
      decisionId,
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
      voterIds,
      ...(audience ? { audience } : {}),
      deadline,
      // Two days and two hours before the deadline, when the vote is long enough for them.
      remindBeforeMs: [48 * 3_600_000, 2 * 3_600_000],
      rule: gate.rule,
      fallbackOptionId: null,
      requestedBy: req.actor,
    };
    voteOutcome = undefined;
    voteNote = req.note;
    const scope = new CancellationScope();
    const child = await scope.run(() =>
      startChild(memberDecisionWorkflow, { workflowId: decisionWorkflowId(decisionId), args: [request] }),
    );
    voteScope = scope;
    state.gateVote = { decisionId, fromPhase: from, toPhase: to, deadline, voters, status: 'open', reason: null };
    void child.result().then(
      (outcome) => (voteOutcome = outcome),
      // Withdrawn (cancelled, terminated or failed outside this workflow): the gate stays closed.
      (err: unknown) =>
        (voteOutcome = { status: 'withdrawn', reason: isCancellation(err) ? 'the vote was withdrawn' : `the vote did not finish: ${String(err)}` }),
    );
    await record({
      kind: 'vote-opened',
      fromPhase: from,
      toPhase: from,
      status: 'active',
      actor: req.actor,
      note: `members vote on moving to ${to} until ${deadline} (decision ${decisionId}, ${voters} voters)`,
    });
  }

  /** Applies a closed gate vote: approved moves the project on, anything else keeps it where it is. */
  async function applyGateVote(outcome: NonNullable<typeof voteOutcome>): Promise<void> {
    const vote = state.gateVote!;
    const approved = outcome.status === 'decided' && outcome.optionId === PROJECT_GATE_DECISION.approve;
    vote.status = approved ? 'approved' : 'not-approved';
    vote.reason = outcome.reason;
    const actor = `members-vote:${vote.decisionId}`;
    if (approved) {
      await record({
        kind: vote.toPhase === 'completed' ? 'completed' : movedOnKind(vote.fromPhase),
        fromPhase: vote.fromPhase,
        toPhase: vote.toPhase,
        status: vote.toPhase === 'completed' ? 'completed' : 'active',
        actor,
        note: `approved by the members: ${outcome.reason}${voteNote ? ` (the coordinator's note: ${voteNote})` : ''}`,
      });
    } else {
      await record({
        kind: 'vote-failed',
        fromPhase: vote.fromPhase,
        toPhase: vote.fromPhase,
        status: 'active',
        actor,
        note: `not approved (${outcome.status}): ${outcome.reason}`,
      });
    }
  }

  /** Moving on from a phase whose work ran to the end is an advance; otherwise the phase was skipped. */
  function movedOnKind(from: WorkingPhase): 'advanced' | 'skipped' {
    return state.phases?.[from]?.status === 'done' ? 'advanced' : 'skipped';
  }

  /** Starts the current phase's work as a child workflow (one run per attempt). */
  async function startPhase(req: StartPhaseRequest): Promise<void> {
    const phase = req.phase;
    const attempt = (state.phases?.[phase]?.attempt ?? 0) + 1;
    const workflowId = phaseWorkflowId(input.projectId, phase, attempt);
    phaseEnd = undefined;
    const scope = new CancellationScope();
    const child = await scope.run(() =>
      startChild(projectPhaseWorkflow, {
        workflowId,
        args: [{ projectId: input.projectId, projectName: input.name, phase, attempt, plan: req.plan, carried: req.carried, startedBy: req.actor }],
      }),
    );
    phaseScope = scope;
    state.phases = { ...state.phases, [phase]: { attempt, workflowId, status: 'running', startedAt: new Date().toISOString(), endedAt: null, reason: null } };
    void child.result().then(
      (view) => (phaseEnd = { view, error: null }),
      (err: unknown) => (phaseEnd = { view: null, error: isCancellation(err) ? 'cancelled' : `the phase workflow did not finish: ${String(err)}` }),
    );
    await record({
      kind: 'phase-started',
      fromPhase: phase,
      toPhase: phase,
      status: 'active',
      actor: req.actor,
      note: `${phase} work started (attempt ${attempt}, ${workflowId})`,
    });
  }

  /** Applies the end of the phase's work: done, failed (the coordinator may restart or skip it). */
  async function applyPhaseEnd(end: NonNullable<typeof phaseEnd>): Promise<void> {
    const phase = state.phase as WorkingPhase;
    const summary = state.phases![phase]!;
    phaseScope = undefined;
    summary.endedAt = new Date().toISOString();
    summary.status = end.view?.status === 'done' ? 'done' : end.error === 'cancelled' ? 'cancelled' : 'failed';
    summary.reason = end.view?.reason ?? end.error;
    await record({
      kind: summary.status === 'done' ? 'phase-done' : 'phase-failed',
      fromPhase: phase,
      toPhase: phase,
      status: 'active',
      actor: `phase:${summary.workflowId}`,
      note: summary.status === 'done' ? `${phase} work done; the gate is next` : `${phase} work ${summary.status}: ${summary.reason}`,
    });
  }

  /** Waits until a cancelled running phase has ended (its round and jobs compensated), and notes it. */
  async function settleCancelledPhase(): Promise<void> {
    const summary = state.phases?.[state.phase as WorkingPhase];
    if (summary?.status !== 'running') return;
    await condition(() => phaseEnd !== undefined);
    summary.status = 'cancelled';
    summary.endedAt = new Date().toISOString();
    summary.reason = 'the project was cancelled';
    phaseScope = undefined;
  }

  /** Waits until a withdrawn open gate vote has recorded its withdrawal, and notes it. */
  async function settleWithdrawnVote(): Promise<void> {
    if (state.gateVote?.status !== 'open') return;
    await condition(() => voteOutcome !== undefined);
    state.gateVote.status = 'cancelled';
    state.gateVote.reason = 'the project was cancelled';
  }

  /** Withdraws an open gate vote and cancels the running phase (never both at once), and waits until they have ended. */
  async function cancelWork(): Promise<void> {
    if (state.gateVote?.status === 'open') voteScope?.cancel();
    await settleWithdrawnVote();
    if (state.phases?.[state.phase as WorkingPhase]?.status === 'running') phaseScope?.cancel();
    await settleCancelledPhase();
  }

  setHandler(getProjectStatusQuery, () => state);
  setHandler(advancePhaseUpdate, (req) => handOver('advance', () => (advance = req)), {
    validator: (req) => validateAdvance(state, req),
  });
  setHandler(cancelProjectUpdate, (req) => handOver('cancel', () => (cancel = req)), {
    validator: (req) => validateCancel(state, req),
  });
  setHandler(startPhaseUpdate, (req) => handOver('start-phase', () => (start = req)), {
    validator: (req) => validateStartPhase(state, req),
  });

  /** Nothing in flight: no request being applied, no phase running, no vote open. */
  const idle = () =>
    state.pendingRequest === null &&
    advance === undefined &&
    cancel === undefined &&
    start === undefined &&
    phaseScope === undefined &&
    state.phases?.[state.phase as WorkingPhase]?.status !== 'running' &&
    state.gateVote?.status !== 'open';
  const historyLimit = input.continueAsNewAfterEvents ?? PROJECT_HISTORY_EVENTS_LIMIT;
  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  /** False only when replaying a run that reached this point before the patch (it went on in place). */
  let mayContinue = true;
  const wantsToContinue = () => mayContinue && idle() && historyFull();

  try {
    if (!input.resumed) {
      await record({
        kind: 'started',
        fromPhase: null,
        toPhase: 'rnd',
        status: 'active',
        actor: input.createdBy,
        note: null,
      });
    }
    while (state.status === 'active') {
      await condition(
        () =>
          advance !== undefined ||
          cancel !== undefined ||
          start !== undefined ||
          (voteOutcome !== undefined && state.gateVote?.status === 'open') ||
          (phaseEnd !== undefined && phaseScope !== undefined) ||
          wantsToContinue(),
      );
      if (wantsToContinue()) {
        if (!patched(CONTINUE_AS_NEW)) {
          mayContinue = false;
          continue;
        }
        // Let finished update handlers return first; a request accepted meanwhile is applied first.
        await condition(() => allHandlersFinished() || !idle());
        if (!idle()) continue;
        await continueAsNew<typeof productionProjectWorkflow>({
          ...input,
          resumed: { state, seq },
        });
      }
      if (cancel) {
        await cancelWork();
        await record({
          kind: 'cancelled',
          fromPhase: state.phase,
          toPhase: state.phase,
          status: 'cancelled',
          actor: cancel.actor,
          note: cancel.reason,
        });
      } else if (advance) {
        const to = nextPhase(state.phase);
        // The gate of the phase being left (from its plan), else the project's.
        const gate = advance.gate ?? input.gate;
        // validateAdvance guarantees a next phase exists; the guard keeps the types honest.
        if (to !== undefined && gate?.mode === 'members') {
          await openGateVote(gate, advance, to);
        } else if (to !== undefined) {
          await record({
            kind: to === 'completed' ? 'completed' : movedOnKind(state.phase as WorkingPhase),
            fromPhase: state.phase,
            toPhase: to,
            status: to === 'completed' ? 'completed' : 'active',
            actor: advance.actor,
            note: advance.note ?? null,
          });
        }
      } else if (start) {
        await startPhase(start);
      } else if (phaseEnd !== undefined && phaseScope !== undefined) {
        await applyPhaseEnd(phaseEnd);
        continue; // an internal event: a request accepted meanwhile is still waiting its turn
      } else if (voteOutcome !== undefined) {
        await applyGateVote(voteOutcome);
        continue;
      }
      advance = undefined;
      cancel = undefined;
      start = undefined;
      state.pendingRequest = null;
    }
    if (state.pendingRequest !== null) {
      // Accepted while the last internal event ended the project: refuse it rather than drop it.
      refusal = ApplicationFailure.nonRetryable(`project is ${state.status}; the ${state.pendingRequest} request was not applied`, ProjectRejection.NotActive);
      advance = cancel = start = undefined;
      state.pendingRequest = null;
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from outside (Temporal UI or CLI): the open vote (if any) was cancelled with
      // this scope; wait until it has recorded its withdrawal, record ours, then let it stand.
      await CancellationScope.nonCancellable(async () => {
        // The running phase and an open vote were cancelled with this scope: wait until they have ended.
        await settleCancelledPhase();
        await settleWithdrawnVote();
        await record({
          kind: 'cancelled',
          fromPhase: state.phase,
          toPhase: state.phase,
          status: 'cancelled',
          actor: 'temporal',
          note: 'workflow cancelled through Temporal',
        });
      });
    }
    throw err;
  }
  await condition(allHandlersFinished);
  return state;
}
