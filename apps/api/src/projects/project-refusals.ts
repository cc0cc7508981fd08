import { ProjectRejection } from '@app/contracts';

/**
 * The 409 code of each typed refusal of the project workflow's updates (advance, cancel,
 * startPhase): one table for every service that calls them.
 */
export const PROJECT_REFUSAL_CODES: Record<string, string> = {
  [ProjectRejection.NotActive]: 'project_not_active',
  [ProjectRejection.PhaseMismatch]: 'project_phase_mismatch',
  [ProjectRejection.RequestPending]: 'project_request_pending',
  [ProjectRejection.VoteOpen]: 'gate_vote_open',
  [ProjectRejection.NoVoters]: 'gate_no_voters',
  [ProjectRejection.PhaseRunning]: 'phase_running',
  [ProjectRejection.PhaseDone]: 'phase_done',
};
