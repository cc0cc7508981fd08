/**
 * A phase attempt's state (the pattern of the Temporal samples' state classes): the view the
 * coordinator sees, the timeline not yet projected, and what the phase must wait for or clean up
 * when it is cancelled (its children, the rows made for children never started).
 */
import { CancellationScope, log, setHandler } from '@temporalio/workflow';
import { getPhaseQuery, PhaseEvent, PhaseInput, PhasePlan, PhaseView } from '../../libs/contracts/src/project-phase';
import { causeOf } from '../shared/failures';

type RowKind = 'roundIds' | 'jobIds' | 'flowIds';

export class PhaseState {
  readonly plan: PhasePlan;
  readonly view: PhaseView;
  /** The phase's timeline; `written` of them are projected. */
  readonly events: PhaseEvent[] = [];
  written = 0;
  /** Write sequence of the phase's projection. */
  seq = 0;
  /** Every child's end: on cancellation each is awaited until it has compensated. */
  readonly children: Array<Promise<unknown>> = [];
  /** Rows created for a child that was never started (the phase was cancelled in between). */
  readonly orphans: Record<RowKind, string[]> = { roundIds: [], jobIds: [], flowIds: [] };
  /** The tasks and checks under way: on cancellation each is waited for until it has compensated. */
  work: Array<Promise<void>> = [];

  constructor(readonly input: PhaseInput) {
    const { plan } = input;
    this.plan = plan;
    this.view = {
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
  }

  registerHandlers(): void {
    setHandler(getPhaseQuery, () => this.view);
  }

  /** True once this phase (not just one of its children) is being cancelled. */
  phaseCancelled(): boolean {
    return CancellationScope.current().consideredCancelled;
  }

  /** Keeps a child's end for the cancellation path; the caller awaits the same promise and handles its failure. */
  follow<T>(p: Promise<T>): Promise<T> {
    this.children.push(
      p.catch((err: unknown) =>
        // Not ignored: the task or round that started the child awaits `p` and records the failure.
        log.debug('a child of the phase ended without a result; the step that waits for it records why', { error: causeOf(err) }),
      ),
    );
    return p;
  }

  /** Creates the row a child needs, whole even if the phase is cancelled meanwhile. */
  createRow<T>(kind: RowKind, id: string, create: () => Promise<T>): Promise<T> {
    this.orphans[kind].push(id);
    return CancellationScope.nonCancellable(create);
  }

  /** The child of that row started: it is no longer an orphan. */
  started(kind: RowKind, id: string): void {
    this.orphans[kind].splice(this.orphans[kind].indexOf(id), 1);
  }
}
