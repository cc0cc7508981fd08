/**
 * Contracts of the production project process, shared by the API, the worker and the workflow.
 *
 * This file runs inside the Temporal workflow sandbox too: it may import only
 * `@temporalio/workflow` (for message definitions) and other pure files. No Node, no Nest, no I/O.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecisionRule } from './decision';
import type { PhasePlan } from './project-phase';
import type { RefusalTable } from './failures';

/** The phases a production project walks through, in order (DESIGN.md "Production project"). */
export const PROJECT_PHASES = ['rnd', 'prototyping', 'node-buildout', 'upgrade'] as const;
export type WorkingPhase = (typeof PROJECT_PHASES)[number];
/** `completed` is the terminal phase reached after `upgrade`. */
export type ProjectPhase = WorkingPhase | 'completed';
export const ALL_PROJECT_PHASES: readonly ProjectPhase[] = [...PROJECT_PHASES, 'completed'];

export type ProjectStatus = 'active' | 'completed' | 'cancelled';

/** The phase that follows `phase`, or undefined when the project is already completed. */
export function nextPhase(phase: ProjectPhase): ProjectPhase | undefined {
  if (phase === 'completed') return undefined;
  const i = PROJECT_PHASES.indexOf(phase);
  return i === PROJECT_PHASES.length - 1 ? 'completed' : PROJECT_PHASES[i + 1];
}

export function isWorkingPhase(value: unknown): value is WorkingPhase {
  return typeof value === 'string' && (PROJECT_PHASES as readonly string[]).includes(value);
}

export function isProjectPhase(value: unknown): value is ProjectPhase {
  return typeof value === 'string' && (ALL_PROJECT_PHASES as readonly string[]).includes(value);
}

/** The workflow id is derived from the project id, so one project can never run two processes. */
export function projectWorkflowId(projectId: string): string {
  return `project-${projectId}`;
}

/**
 * Who passes a phase gate. `coordinator`: the coordinator's advance request moves the project on.
 * `members`: the advance request opens a members' vote instead (a `memberDecisionWorkflow` child);
 * the project moves on only if the vote approves. Voters are the project's funders (members who
 * paid into the project's account) or the owners of `assetId`, as they stand when the vote opens.
 */
export type ProjectGate =
  | { mode: 'coordinator' }
  | {
      mode: 'members';
      voters: 'funders' | 'owners';
      /** Required when voters are `owners`. */
      assetId?: string;
      rule: Exclude<DecisionRule, { kind: 'each' }>;
      /** How long a vote stays open. */
      votingHours: number;
    };

export interface ProductionProjectInput {
  projectId: string;
  name: string;
  /** Who created the project (for the audit trail). */
  createdBy: string;
  /** Absent in histories from before gates existed: the coordinator gate. */
  gate?: ProjectGate;
  /**
   * Set by the workflow when it continues as new: the state of the run that continued (plain
   * JSON) and the seq of its last transition.
   */
  resumed?: { state: ProjectLiveState; seq: number };
  /** Continue as new at an idle point once the history has more events than this (default 10,000; tests set it low). */
  continueAsNewAfterEvents?: number;
}

/** A members' vote on a phase gate, while it is open and after it closed. */
export interface GateVote {
  decisionId: string;
  fromPhase: WorkingPhase;
  toPhase: ProjectPhase;
  deadline: string;
  voters: number;
  status: 'open' | 'approved' | 'not-approved' | 'cancelled';
  reason: string | null;
}

/** One entry of the project's timeline, as the workflow records it. */
export interface ProjectTransition {
  /** 1-based, strictly increasing per project: the idempotency key of the projection write. */
  seq: number;
  kind:
    | 'started'
    | 'advanced'
    /** Moved on from a phase whose work was never run to the end (the network already had it). */
    | 'skipped'
    | 'completed'
    | 'cancelled'
    | 'vote-opened'
    | 'vote-failed'
    | 'phase-started'
    | 'phase-done'
    | 'phase-failed';
  fromPhase: ProjectPhase | null;
  toPhase: ProjectPhase;
  status: ProjectStatus;
  actor: string;
  note: string | null;
  /** ISO-8601 time, taken from workflow time (deterministic). */
  at: string;
}

/** What `getProjectStatusQuery` returns: the live state held by the workflow. */
export interface ProjectLiveState {
  projectId: string;
  phase: ProjectPhase;
  status: ProjectStatus;
  /** Set while an advance or cancel request is being applied. */
  pendingRequest: 'advance' | 'cancel' | 'start-phase' | null;
  /**
   * The latest transitions, at most 20 (this state is the result of every update and query, so
   * it does not grow with the project's life): the whole timeline is in PostgreSQL.
   */
  transitions: ProjectTransition[];
  /** The seq of the latest transition, i.e. how many there have been (absent in runs from before it existed: count `transitions`). */
  lastSeq?: number;
  /** The latest members' vote on a gate (members gate only); absent before the first one. */
  gateVote?: GateVote;
  /** The work of each phase that was started (a `projectPhaseWorkflow` child per attempt). */
  phases?: Partial<Record<WorkingPhase, PhaseSummary>>;
}

/** The project's record of one phase's work (its latest attempt). */
export interface PhaseSummary {
  attempt: number;
  workflowId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  startedAt: string;
  endedAt: string | null;
  reason: string | null;
}

export interface StartPhaseRequest {
  actor: string;
  /** The phase the caller starts: it must be the project's current phase. */
  phase: WorkingPhase;
  plan: PhasePlan;
  /** What earlier attempts of this phase already finished (read by the API from the database). */
  carried: { fundedRoundId: string | null; doneTaskKeys: string[] };
}

export interface AdvancePhaseRequest {
  /** Who asks (the coordinator's identity, recorded in the timeline). */
  actor: string;
  /** Optional guard: the phase the caller believes the project is in. A mismatch is rejected. */
  fromPhase?: ProjectPhase;
  note?: string;
  /** The gate of the phase being left, from its plan; absent: the project's gate. */
  gate?: ProjectGate;
}

export interface CancelProjectRequest {
  actor: string;
  reason: string;
}

/** Rejection types carried by `ApplicationFailure.type`; the API maps them to HTTP 409. */
export const ProjectRejection = {
  NotActive: 'ProjectNotActive',
  PhaseMismatch: 'ProjectPhaseMismatch',
  RequestPending: 'ProjectRequestPending',
  VoteOpen: 'ProjectVoteOpen',
  NoVoters: 'ProjectNoVoters',
  PhaseRunning: 'ProjectPhaseRunning',
  PhaseDone: 'ProjectPhaseDone',
} as const;

/** The API's answer to each refusal of the project's Updates (advance, cancel, start a phase). */
export const ProjectRefusals: RefusalTable<typeof ProjectRejection> = {
  [ProjectRejection.NotActive]: { status: 409, code: 'project_not_active' },
  [ProjectRejection.PhaseMismatch]: { status: 409, code: 'project_phase_mismatch' },
  [ProjectRejection.RequestPending]: { status: 409, code: 'project_request_pending' },
  [ProjectRejection.VoteOpen]: { status: 409, code: 'gate_vote_open' },
  [ProjectRejection.NoVoters]: { status: 409, code: 'gate_no_voters' },
  [ProjectRejection.PhaseRunning]: { status: 409, code: 'phase_running' },
  [ProjectRejection.PhaseDone]: { status: 409, code: 'phase_done' },
};

export type ProjectRejectionType = (typeof ProjectRejection)[keyof typeof ProjectRejection];

// Message definitions. The string names are stored in histories: never change them.
export const advancePhaseUpdate = defineUpdate<ProjectLiveState, [AdvancePhaseRequest]>('advancePhase');
export const cancelProjectUpdate = defineUpdate<ProjectLiveState, [CancelProjectRequest]>('cancelProject');
export const startPhaseUpdate = defineUpdate<ProjectLiveState, [StartPhaseRequest]>('startPhase');
export const getProjectStatusQuery = defineQuery<ProjectLiveState>('getProjectStatus');

/** The workflow type name, stored in history: never rename the function it names. */
export const PRODUCTION_PROJECT_WORKFLOW_TYPE = 'productionProjectWorkflow';

/** Input of the `recordProjectTransition` activity (the projection write). */
export interface RecordProjectTransitionInput {
  projectId: string;
  name: string;
  workflowId: string;
  transition: ProjectTransition;
}

export const PROJECT_GATE_DECISION = {
  kind: 'phase-gate',
  approve: 'approve',
  reject: 'reject',
} as const;

/** Input of `reportProjectProblem`: a transition PostgreSQL could not store as it was. */
export interface ProjectProblemInput {
  projectId: string;
  seq: number;
  message: string;
}

/** Input of the `resolveGateVoters` activity (runs before the gate audience): the active members who vote on a gate. */
export interface ResolveGateVotersInput {
  projectId: string;
  voters: 'funders' | 'owners';
  assetId?: string;
}
