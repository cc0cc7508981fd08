/**
 * Contracts of a project phase at work: the plan the coordinator writes for a phase, and the
 * `projectPhaseWorkflow` (a child of the project's workflow) that carries it out: a funding round
 * for the phase budget, a job per task once funded, the phase's own checks (node webhooks live,
 * node upgrades applied), its outputs, and then the project's gate.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery } from '@temporalio/workflow';
import type { RoundDocument, RoundStatus } from './funding-round';
import type { JobStatus } from './job';
import type { ProjectGate, WorkingPhase } from './production-project';

/** A node's level of automation, lowest first (DESIGN.md "Node"). */
export const AUTOMATION_LEVELS = ['manual', 'conventional', 'computer-aided', 'automated'] as const;
export type AutomationLevel = (typeof AUTOMATION_LEVELS)[number];
/** 0 for `manual` up to 3 for `automated`; -1 for an unknown level. */
export const automationRank = (level: string): number => (AUTOMATION_LEVELS as readonly string[]).indexOf(level);

/**
 * Licences a design output may carry: open hardware licences (CERN OHL v2, TAPR) first, then the
 * open content and software licences designs are also published under. SPDX identifiers.
 */
export const OPEN_LICENCES = [
  'CERN-OHL-S-2.0',
  'CERN-OHL-W-2.0',
  'CERN-OHL-P-2.0',
  'TAPR-OHL-1.0',
  'CC-BY-SA-4.0',
  'CC-BY-4.0',
  'CC0-1.0',
  'GPL-3.0-or-later',
  'MIT',
] as const;
export type OpenLicence = (typeof OPEN_LICENCES)[number];
/** Designs are open hardware unless the plan says otherwise: strongly reciprocal CERN OHL. */
export const DEFAULT_DESIGN_LICENCE: OpenLicence = 'CERN-OHL-S-2.0';

/**
 * What a task delivers. `design` (rnd) and `test-report` (prototyping) are documents the node
 * attaches when it completes the job; `goods` is made things (parts, a built node); `upgrade`
 * raises a node's automation level and capacity once the delivery is confirmed.
 */
export const TASK_OUTPUTS = ['design', 'test-report', 'goods', 'upgrade'] as const;
export type TaskOutput = (typeof TASK_OUTPUTS)[number];

/** Which outputs a task may have in which phase (seed 000, "Project Phases"). */
export const PHASE_TASK_OUTPUTS: Record<WorkingPhase, readonly TaskOutput[]> = {
  rnd: ['design', 'goods'],
  prototyping: ['test-report', 'goods'],
  'node-buildout': ['goods'],
  upgrade: ['upgrade', 'goods'],
};

export interface NodeUpgrade {
  nodeId: string;
  toLevel: AutomationLevel;
  /** New capacity per function; a confirmed upgrade only ever raises capacity. */
  capacities: Array<{ function: string; capacity: number }>;
}

export interface PhaseTask {
  /** Unique within the plan, e.g. `concept-design`: names the task across restarts. */
  key: string;
  title: string;
  capability: string;
  quantity: number;
  unit: string;
  specUrl: string;
  /** Due this many days after the task is dispatched (plans are written before funding ends). */
  dueInDays: number;
  output: TaskOutput;
  /** For documents (`design`, `test-report`): the licence they are published under. */
  licence: OpenLicence | null;
  /** Who receives and confirms the delivery: a member, or a node (its owner confirms). */
  recipient: { type: 'member' | 'node'; id: string };
  /** For `upgrade` tasks: the node raised when the delivery is confirmed (the recipient node). */
  upgrade: NodeUpgrade | null;
  offerTimeoutHours: number;
  confirmWithinHours: number;
  /** Paid work: the job's price (paid from the project's account), the counter-offer ceiling, whether a cancel pays progress. Absent: unpaid. */
  price?: { amount: string; currency: string };
  priceCeiling?: string;
  payProgressOnCancel?: boolean;
  /**
   * A saved recipe (`recipes` row): the task is run as a production flow of its steps instead of
   * one job; the task's quantity and unit are the recipe's output, its recipient receives it.
   */
  recipeId?: string;
}

export interface PhaseBudget {
  /** Minor units, digits only. */
  goal: string;
  currency: string;
  minPledge: string;
  /** The round stays open this long after the phase starts. */
  openForHours: number;
  closeWhenGoalMet: boolean;
  payoutApproval: 'coordinator' | 'members';
  /** The asset the money buys: its ownership table comes from the pledges. */
  assetId: string | null;
  documents: RoundDocument[];
}

/** What the coordinator plans for one phase. Frozen once the phase starts. */
export interface PhasePlan {
  phase: WorkingPhase;
  summary: string;
  tasks: PhaseTask[];
  budget: PhaseBudget | null;
  /** Who passes the gate after this phase; absent: the project's gate. */
  gate: ProjectGate | null;
  /** node-buildout: the nodes this phase adds; each must answer a signed ping (data transport live). */
  nodes: string[];
}

/** Input of `projectPhaseWorkflow`. */
export interface PhaseInput {
  projectId: string;
  projectName: string;
  phase: WorkingPhase;
  /** 1 for the first run of the phase, then 2, 3… when the coordinator restarts a failed one. */
  attempt: number;
  plan: PhasePlan;
  /** What earlier attempts already finished: their work is not done twice. */
  carried: { fundedRoundId: string | null; doneTaskKeys: string[] };
  startedBy: string;
}

export type PhaseStatus = 'funding' | 'working' | 'done' | 'failed' | 'cancelled';

export interface PhaseTaskState {
  key: string;
  jobId: string | null;
  /** A recipe task: the flow that runs it (its status is then the flow's, mapped to the job's words). */
  flowId?: string | null;
  status: JobStatus | 'pending' | 'carried';
  nodeId: string | null;
  result: 'done' | 'failed' | null;
  reason: string | null;
}

export interface PhaseNodeCheck {
  nodeId: string;
  status: 'pending' | 'verified' | 'failed';
  detail: string | null;
}

export interface PhaseOutput {
  taskKey: string;
  jobId: string;
  kind: TaskOutput;
  title: string;
  url: string;
  contentHash: string | null;
  licence: OpenLicence | null;
}

/** What `getPhaseQuery` returns and the projection stores. */
export interface PhaseView {
  projectId: string;
  phase: WorkingPhase;
  attempt: number;
  status: PhaseStatus;
  roundId: string | null;
  roundStatus: RoundStatus | null;
  tasks: PhaseTaskState[];
  nodeChecks: PhaseNodeCheck[];
  outputs: PhaseOutput[];
  upgrades: Array<{ nodeId: string; toLevel: AutomationLevel; applied: boolean }>;
  reason: string | null;
}

/** One entry of the phase's own stream of the project timeline. */
export interface PhaseEvent {
  /** 1-based per (project, phase, attempt): the idempotency key of the projection write. */
  seq: number;
  kind:
    | 'phase-started'
    | 'round-opened'
    | 'round-closed'
    | 'job-dispatched'
    | 'task-finished'
    | 'output-attached'
    | 'node-verified'
    | 'node-unverified'
    | 'node-upgraded'
    | 'phase-done'
    | 'phase-failed'
    | 'phase-cancelled';
  note: string;
  at: string;
}

export function phaseWorkflowId(projectId: string, phase: WorkingPhase, attempt: number): string {
  return `project-${projectId}-${phase}-${attempt}`;
}

export const PROJECT_PHASE_WORKFLOW_TYPE = 'projectPhaseWorkflow';

// The string name is stored in histories: never change it.
export const getPhaseQuery = defineQuery<PhaseView>('getPhase');

/** Inputs of the phase activities; each is idempotent on the ids it is given. */
export interface RecordPhaseInput {
  projectId: string;
  view: PhaseView;
  /** Increases with every write of one phase attempt: an older write never overwrites a newer one. */
  seq: number;
  workflowId: string;
  /** Events not yet written (the write is idempotent on their seq). */
  events: PhaseEvent[];
}

export interface CreatePhaseRoundInput {
  roundId: string;
  projectId: string;
  phase: WorkingPhase;
  budget: PhaseBudget;
  deadline: string;
  createdBy: string;
}

export interface CreatePhaseJobInput {
  jobId: string;
  projectId: string;
  phase: WorkingPhase;
  task: PhaseTask;
  dueAt: string;
  createdBy: string;
}

/** A recipe task's flow, written once per phase attempt and task. */
export interface CreatePhaseFlowInput {
  projectId: string;
  phase: WorkingPhase;
  attempt: number;
  task: PhaseTask;
  dueAt: string;
  createdBy: string;
}

/** The recipient as the job needs it (its confirmer and location), resolved from the registry. */
export interface CreatePhaseJobResult {
  confirmerId: string;
  locationId: string | null;
}

export interface VerifyNodeInput {
  projectId: string;
  nodeId: string;
  /** The `webhook-id` of the ping: the same for every retry. */
  eventId: string;
}

export interface ApplyUpgradeInput {
  projectId: string;
  jobId: string;
  upgrade: NodeUpgrade;
}

export interface RecordOutputsInput {
  projectId: string;
  phase: WorkingPhase;
  outputs: PhaseOutput[];
}
