/**
 * A project's state (the pattern of the Temporal samples' state classes): the live state every
 * update and the query answer, the request being handed to the main loop, the running phase and
 * the open gate vote (their scopes and, once they end, how), and when the run may continue as new.
 * The handlers only hand a request over and wait until the main loop has applied it (or refused
 * it); what the project does with it is in `steps.ts`.
 */
import { ApplicationFailure, CancellationScope, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { DecisionOutcome } from '../../libs/contracts/src/decision';
import { PhaseView } from '../../libs/contracts/src/project-phase';
import {
  AdvancePhaseRequest,
  advancePhaseUpdate,
  CancelProjectRequest,
  cancelProjectUpdate,
  getProjectStatusQuery,
  ProductionProjectInput,
  ProjectLiveState,
  ProjectRejection,
  StartPhaseRequest,
  startPhaseUpdate,
  WorkingPhase,
} from '../../libs/contracts/src/production-project';
import { validateAdvance, validateCancel, validateStartPhase } from './rules';

/** Continue as new past this many events unless the input says otherwise (Temporal warns at 10,240). */
export const PROJECT_HISTORY_EVENTS_LIMIT = 10_000;

/** How the running phase's child ended: its view, or why there is none. */
export type PhaseEnd = { view: PhaseView | null; error: string | null };
/** How the open gate vote's child ended: its outcome, or withdrawn. */
export type VoteOutcome = DecisionOutcome | { status: 'withdrawn'; reason: string };

export class ProjectState {
  /** The source of truth: every update's result and the query's; projected transition by transition. */
  readonly live: ProjectLiveState;
  /** The last transition's seq (the projection's idempotency key): carried across continue-as-new. */
  seq: number;
  /** The request being handed to the main loop (at most one: the validators refuse others meanwhile). */
  advance: AdvancePhaseRequest | undefined;
  cancel: CancelProjectRequest | undefined;
  start: StartPhaseRequest | undefined;
  /** Why the request being handed over was refused (thrown back to its caller). */
  refusal: ApplicationFailure | undefined;
  /** The running phase's scope (cancelling it cancels the phase and its children) and its end. */
  phaseScope: CancellationScope | undefined;
  phaseEnd: PhaseEnd | undefined;
  /** The open gate vote's scope (cancelling it withdraws the vote) and its outcome once closed. */
  voteScope: CancellationScope | undefined;
  voteOutcome: VoteOutcome | undefined;
  /** The note of the advance that opened the vote (a skip's reason), kept for the transition it leads to. */
  voteNote: string | undefined;
  /** False only when replaying a run that reached an idle point before continue-as-new existed (it went on in place). */
  mayContinue = true;
  private readonly historyLimit: number;

  constructor(readonly input: ProductionProjectInput) {
    this.live = input.resumed
      ? input.resumed.state
      : {
          projectId: input.projectId,
          phase: 'rnd',
          status: 'active',
          pendingRequest: null,
          transitions: [],
        };
    this.seq = input.resumed?.seq ?? 0;
    this.historyLimit = input.continueAsNewAfterEvents ?? PROJECT_HISTORY_EVENTS_LIMIT;
  }

  registerHandlers(): void {
    const { live } = this;
    setHandler(getProjectStatusQuery, () => live);
    setHandler(advancePhaseUpdate, (req) => this.handOver('advance', () => (this.advance = req)), {
      validator: (req) => validateAdvance(live, req),
    });
    setHandler(cancelProjectUpdate, (req) => this.handOver('cancel', () => (this.cancel = req)), {
      validator: (req) => validateCancel(live, req),
    });
    setHandler(startPhaseUpdate, (req) => this.handOver('start-phase', () => (this.start = req)), {
      validator: (req) => validateStartPhase(live, req),
    });
  }

  /** Hands a request to the main loop; resolves with the state once the loop has applied it. */
  private async handOver(kind: NonNullable<ProjectLiveState['pendingRequest']>, accept: () => void): Promise<ProjectLiveState> {
    this.live.pendingRequest = kind;
    accept();
    await condition(() => this.live.pendingRequest === null);
    if (this.refusal) {
      const r = this.refusal;
      this.refusal = undefined;
      throw r;
    }
    return this.live;
  }

  /** The phase the project is in, while it works (not completed). */
  get phase(): WorkingPhase {
    return this.live.phase as WorkingPhase;
  }

  /** Something for the main loop: a request, a phase or vote that ended, or time to continue as new. */
  somethingToDo(): boolean {
    return (
      this.advance !== undefined ||
      this.cancel !== undefined ||
      this.start !== undefined ||
      (this.voteOutcome !== undefined && this.live.gateVote?.status === 'open') ||
      this.phaseEnded() ||
      this.wantsToContinue()
    );
  }

  /** The running phase's child ended and the project has not applied it yet. */
  phaseEnded(): boolean {
    return this.phaseEnd !== undefined && this.phaseScope !== undefined;
  }

  /** Nothing in flight: no request being applied, no phase running, no vote open. */
  idle(): boolean {
    return (
      this.live.pendingRequest === null &&
      this.advance === undefined &&
      this.cancel === undefined &&
      this.start === undefined &&
      this.phaseScope === undefined &&
      this.live.phases?.[this.phase]?.status !== 'running' &&
      this.live.gateVote?.status !== 'open'
    );
  }

  /** Idle with a history Temporal finds long (or longer than `continueAsNewAfterEvents`). */
  wantsToContinue(): boolean {
    return this.mayContinue && this.idle() && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > this.historyLimit);
  }

  /** The request handed over is applied: its update answers with the state. */
  requestApplied(): void {
    this.advance = undefined;
    this.cancel = undefined;
    this.start = undefined;
    this.live.pendingRequest = null;
  }

  /** Accepted while the last internal event ended the project: refused rather than dropped. */
  refuseRequestLeftOver(): void {
    if (this.live.pendingRequest === null) return;
    this.refusal = ApplicationFailure.nonRetryable(`project is ${this.live.status}; the ${this.live.pendingRequest} request was not applied`, ProjectRejection.NotActive);
    this.advance = this.cancel = this.start = undefined;
    this.live.pendingRequest = null;
  }
}
