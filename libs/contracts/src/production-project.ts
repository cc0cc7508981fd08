/**
 * Contracts of the production project process, shared by the API, the worker and the workflow.
 *
 * This file runs inside the Temporal workflow sandbox too: it may import only
 * `@temporalio/workflow` (for message definitions) and other pure files. No Node, no Nest, no I/O.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

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

export function isProjectPhase(value: unknown): value is ProjectPhase {
  return typeof value === 'string' && (ALL_PROJECT_PHASES as readonly string[]).includes(value);
}

/** The workflow id is derived from the project id, so one project can never run two processes. */
export function projectWorkflowId(projectId: string): string {
  return `project-${projectId}`;
}

export interface ProductionProjectInput {
  projectId: string;
  name: string;
  /** Who created the project (for the audit trail). */
  createdBy: string;
}

/** One entry of the project's timeline, as the workflow records it. */
export interface ProjectTransition {
  /** 1-based, strictly increasing per project: the idempotency key of the projection write. */
  seq: number;
  kind: 'started' | 'advanced' | 'completed' | 'cancelled';
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
  pendingRequest: 'advance' | 'cancel' | null;
  transitions: ProjectTransition[];
}

export interface AdvancePhaseRequest {
  /** Who asks (the coordinator's identity, recorded in the timeline). */
  actor: string;
  /** Optional guard: the phase the caller believes the project is in. A mismatch is rejected. */
  fromPhase?: ProjectPhase;
  note?: string;
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
} as const;
export type ProjectRejectionType = (typeof ProjectRejection)[keyof typeof ProjectRejection];

// Message definitions. The string names are stored in histories: never change them.
export const advancePhaseUpdate = defineUpdate<ProjectLiveState, [AdvancePhaseRequest]>('advancePhase');
export const cancelProjectUpdate = defineUpdate<ProjectLiveState, [CancelProjectRequest]>('cancelProject');
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
