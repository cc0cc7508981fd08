/**
 * productionProjectWorkflow: one durable process per production project.
 *
 * Walks the phases rnd → prototyping → node-buildout → upgrade → completed. In this version each
 * phase waits for the coordinator's `advancePhase` update; the phase work itself (funding rounds,
 * jobs, gates) plugs in at `runPhase` later. Every transition is written to PostgreSQL by the
 * `recordProjectTransition` activity (the read model), keyed by (projectId, seq) so retries are
 * harmless.
 *
 * Sandbox rules: imports only @temporalio/workflow, files inside workflows/ and pure contracts;
 * activities by `import type`. The function name is stored in histories: never rename it.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import { DecisionOutcome, DecisionRequest, decisionWorkflowId } from '../../libs/contracts/src/decision';
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
  WorkingPhase,
} from '../../libs/contracts/src/production-project';
import { memberDecisionWorkflow } from '../decision/workflow';
import { MUST_LAND } from '../shared/activity-options';
import { validateAdvance, validateCancel } from './rules';

// A projection write must eventually land: retried with backoff, without a limit on attempts.
const { recordProjectTransition, resolveGateVoters } = proxyActivities<ProjectActivities>(MUST_LAND);

export async function productionProjectWorkflow(input: ProductionProjectInput): Promise<ProjectLiveState> {
  const state: ProjectLiveState = {
    projectId: input.projectId,
    phase: 'rnd',
    status: 'active',
    pendingRequest: null,
    transitions: [],
  };
  let advance: AdvancePhaseRequest | undefined;
  let cancel: CancelProjectRequest | undefined;
  /** Why the request being handed over was refused (thrown back to its caller). */
  let refusal: ApplicationFailure | undefined;
  /** The open gate vote's scope (cancelling it withdraws the vote) and its outcome once closed. */
  let voteScope: CancellationScope | undefined;
  let voteOutcome: DecisionOutcome | { status: 'withdrawn'; reason: string } | undefined;

  /** Applies a transition to the workflow state (the source of truth), then projects it. */
  async function record(t: Omit<ProjectTransition, 'seq' | 'at'>): Promise<void> {
    const transition: ProjectTransition = {
      ...t,
      seq: state.transitions.length + 1,
      at: new Date().toISOString(),
    };
    state.transitions.push(transition);
    state.phase = transition.toPhase;
    state.status = transition.status;
    await recordProjectTransition({
      projectId: input.projectId,
      name: input.name,
      workflowId: workflowInfo().workflowId,
      transition,
    });
  }

  /** Hands a request to the main loop; resolves with the state once the loop has applied it. */
  async function handOver(kind: 'advance' | 'cancel', accept: () => void): Promise<ProjectLiveState> {
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
    const voterIds = await resolveGateVoters({ projectId: input.projectId, voters: gate.voters, assetId: gate.assetId });
    if (voterIds.length === 0) {
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
      deadline,
      // Two days and two hours before the deadline, when the vote is long enough for them.
      remindBeforeMs: [48 * 3_600_000, 2 * 3_600_000],
      rule: gate.rule,
      fallbackOptionId: null,
      requestedBy: req.actor,
    };
    voteOutcome = undefined;
    const scope = new CancellationScope();
    const child = await scope.run(() =>
      startChild(memberDecisionWorkflow, { workflowId: decisionWorkflowId(decisionId), args: [request] }),
    );
    voteScope = scope;
    state.gateVote = { decisionId, fromPhase: from, toPhase: to, deadline, voters: voterIds.length, status: 'open', reason: null };
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
      note: `members vote on moving to ${to} until ${deadline} (decision ${decisionId}, ${voterIds.length} voters)`,
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
        kind: vote.toPhase === 'completed' ? 'completed' : 'advanced',
        fromPhase: vote.fromPhase,
        toPhase: vote.toPhase,
        status: vote.toPhase === 'completed' ? 'completed' : 'active',
        actor,
        note: `approved by the members: ${outcome.reason}`,
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

  /** Withdraws an open gate vote (the decision records `cancelled`) and waits until it has. */
  async function withdrawGateVote(): Promise<void> {
    if (state.gateVote?.status !== 'open' || !voteScope) return;
    voteScope.cancel();
    await condition(() => voteOutcome !== undefined);
    state.gateVote.status = 'cancelled';
    state.gateVote.reason = 'the project was cancelled';
  }

  setHandler(getProjectStatusQuery, () => state);
  setHandler(advancePhaseUpdate, (req) => handOver('advance', () => (advance = req)), {
    validator: (req) => validateAdvance(state, req),
  });
  setHandler(cancelProjectUpdate, (req) => handOver('cancel', () => (cancel = req)), {
    validator: (req) => validateCancel(state, req),
  });

  try {
    await record({
      kind: 'started',
      fromPhase: null,
      toPhase: 'rnd',
      status: 'active',
      actor: input.createdBy,
      note: null,
    });
    while (state.status === 'active') {
      await condition(() => advance !== undefined || cancel !== undefined || (voteOutcome !== undefined && state.gateVote?.status === 'open'));
      if (cancel) {
        await withdrawGateVote();
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
        // validateAdvance guarantees a next phase exists; the guard keeps the types honest.
        if (to !== undefined && input.gate?.mode === 'members') {
          await openGateVote(input.gate, advance, to);
        } else if (to !== undefined) {
          await record({
            kind: to === 'completed' ? 'completed' : 'advanced',
            fromPhase: state.phase,
            toPhase: to,
            status: to === 'completed' ? 'completed' : 'active',
            actor: advance.actor,
            note: advance.note ?? null,
          });
        }
      } else if (voteOutcome !== undefined) {
        await applyGateVote(voteOutcome);
      }
      advance = undefined;
      cancel = undefined;
      state.pendingRequest = null;
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from outside (Temporal UI or CLI): the open vote (if any) was cancelled with
      // this scope; wait until it has recorded its withdrawal, record ours, then let it stand.
      await CancellationScope.nonCancellable(async () => {
        if (state.gateVote?.status === 'open') {
          await condition(() => voteOutcome !== undefined);
          state.gateVote.status = 'cancelled';
          state.gateVote.reason = 'the project was cancelled';
        }
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
