/**
 * Pure rules of the production project process: which requests are acceptable in which state.
 * Used by the workflow's update validators; unit-tested without Temporal.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  AdvancePhaseRequest,
  CancelProjectRequest,
  nextPhase,
  ProjectLiveState,
  ProjectRejection,
  ProjectRejectionType,
  StartPhaseRequest,
  WorkingPhase,
} from '../../libs/contracts/src/production-project';

function reject(type: ProjectRejectionType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

function assertOpen(state: ProjectLiveState, action: string): void {
  if (state.status !== 'active') {
    reject(ProjectRejection.NotActive, `project is ${state.status}; it cannot be ${action}`);
  }
  if (state.pendingRequest !== null) {
    reject(
      ProjectRejection.RequestPending,
      `a ${state.pendingRequest} request is still being applied; try again when it has finished`,
    );
  }
}

export function validateAdvance(state: ProjectLiveState, req: AdvancePhaseRequest): void {
  assertOpen(state, 'advanced');
  if (req.fromPhase !== undefined && req.fromPhase !== state.phase) {
    reject(
      ProjectRejection.PhaseMismatch,
      `project is in phase '${state.phase}', not '${req.fromPhase}'; it was not advanced`,
    );
  }
  if (nextPhase(state.phase) === undefined) {
    reject(ProjectRejection.NotActive, `project is already completed; it cannot be advanced`);
  }
  assertPhaseNotRunning(state);
  if (state.gateVote?.status === 'open') {
    reject(
      ProjectRejection.VoteOpen,
      `the members are voting on this gate (decision ${state.gateVote.decisionId}, until ${state.gateVote.deadline}); the project moves on if they approve`,
    );
  }
}

/** The work of the current phase, if it is running: the project cannot move on meanwhile. */
function assertPhaseNotRunning(state: ProjectLiveState): void {
  const summary = state.phases?.[state.phase as WorkingPhase];
  if (summary?.status === 'running') {
    reject(ProjectRejection.PhaseRunning, `the ${state.phase} work is still running (${summary.workflowId}); wait until it is done, or cancel the project`);
  }
}

export function validateStartPhase(state: ProjectLiveState, req: StartPhaseRequest): void {
  assertOpen(state, 'worked on');
  if (req.phase !== state.phase) {
    reject(ProjectRejection.PhaseMismatch, `project is in phase '${state.phase}', not '${req.phase}'; only the current phase can be started`);
  }
  assertPhaseNotRunning(state);
  if (state.phases?.[req.phase]?.status === 'done') {
    reject(ProjectRejection.PhaseDone, `the ${req.phase} work is already done; advance the project through its gate`);
  }
  if (state.gateVote?.status === 'open') {
    reject(ProjectRejection.VoteOpen, `the members are voting on this gate (decision ${state.gateVote.decisionId}); the phase cannot be restarted meanwhile`);
  }
}

export function validateCancel(state: ProjectLiveState, req: CancelProjectRequest): void {
  assertOpen(state, 'cancelled');
  if (!req.reason || req.reason.trim() === '') {
    throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
  }
}
