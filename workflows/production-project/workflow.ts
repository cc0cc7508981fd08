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
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import {
  AdvancePhaseRequest,
  advancePhaseUpdate,
  CancelProjectRequest,
  cancelProjectUpdate,
  getProjectStatusQuery,
  nextPhase,
  ProductionProjectInput,
  ProjectLiveState,
  ProjectTransition,
} from '../../libs/contracts/src/production-project';
import { validateAdvance, validateCancel } from './rules';

const { recordProjectTransition } = proxyActivities<ProjectActivities>({
  startToCloseTimeout: '30 seconds',
  // A projection write must eventually land: retry with backoff, without a limit on attempts.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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
    return state;
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
      await condition(() => advance !== undefined || cancel !== undefined);
      if (cancel) {
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
        if (to !== undefined) {
          await record({
            kind: to === 'completed' ? 'completed' : 'advanced',
            fromPhase: state.phase,
            toPhase: to,
            status: to === 'completed' ? 'completed' : 'active',
            actor: advance.actor,
            note: advance.note ?? null,
          });
        }
      }
      advance = undefined;
      cancel = undefined;
      state.pendingRequest = null;
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled from outside (Temporal UI or CLI): record it, then let the cancellation stand.
      await CancellationScope.nonCancellable(() =>
        record({
          kind: 'cancelled',
          fromPhase: state.phase,
          toPhase: state.phase,
          status: 'cancelled',
          actor: 'temporal',
          note: 'workflow cancelled through Temporal',
        }),
      );
    }
    throw err;
  }
  await condition(allHandlersFinished);
  return state;
}
