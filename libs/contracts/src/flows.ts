/**
 * Contracts of production flows (issue 17): a recipe is a small graph of steps, each done by a
 * node with the step's capability; a flow is one run of a recipe for a demand, with transport
 * legs between nodes at different locations, hand-offs confirmed by the side that receives, and
 * lots that can be traced from maker to recipient and back.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Most steps a recipe may have (a flow's history is bounded by its recipe's size). */
export const RECIPE_MAX_STEPS = 30;
/** Most inputs one step may consume. */
export const RECIPE_MAX_INPUTS = 10;
/** Most reworks and make-up runs of one step in a flow before the coordinator is asked to step in. */
export const FLOW_MAX_REWORKS_PER_STEP = 5;

/** One input of a step: the output of an earlier step, so much per unit of this step's output. */
export interface RecipeInput {
  /** The key of the step whose output is consumed. */
  step: string;
  /** How much of that output one unit of this step's output takes (> 0, at most 3 decimals). */
  perUnit: number;
  /** The unit the input is counted in: must be the producing step's unit. */
  unit: string;
}

export interface RecipeStep {
  /** Unique in the recipe: a lower-case slug (`cut`, `finish`, `assemble`). */
  key: string;
  /** The node function that does it (`cnc-milling`, `assembly`). */
  capability: string;
  /** What it makes: an item type and its unit. */
  produces: { item: string; unit: string };
  inputs: RecipeInput[];
  /** Share of started units expected to be scrapped, 0 ≤ s < 0.5: a step starts ceil(good / (1 − s)). */
  scrapRate?: number;
  /** Declared lead time (from offer to done) in hours; learned lead times replace it once there are enough past jobs. */
  leadTimeHours: number;
  /** How its output travels when it must move: `pallet`, `crate`, `cold-chain`, `documents`. Default `crate`. */
  flowType?: string;
  specUrl?: string;
}

/**
 * A recipe: steps whose inputs are earlier steps' outputs. Exactly one step (the output step) is
 * consumed by no other; its output goes to the flow's recipient.
 */
export interface Recipe {
  name: string;
  steps: RecipeStep[];
}

/** A problem with a recipe: what the API answers as a 422 `invalid_recipe` with these listed. */
export interface RecipeProblem {
  code:
    | 'cycle'
    | 'unknown_input'
    | 'unit_mismatch'
    | 'duplicate_step'
    | 'no_output_step'
    | 'several_output_steps'
    | 'too_many_steps'
    | 'too_many_inputs'
    | 'bad_quantity'
    | 'bad_scrap_rate'
    | 'bad_lead_time'
    | 'self_input'
    | 'unused_step'
    /** A step key, capability or flow type that is not a lower-case slug. */
    | 'bad_slug'
    /** A step lists the same input step twice. */
    | 'duplicate_input';
  /** The step concerned, if any. */
  step?: string;
  detail: string;
}

/** Where the output of a flow goes. */
export type FlowRecipient =
  | { type: 'member'; id: string }
  | { type: 'node'; id: string }
  /** The member collects it at a pickup point on its set days (the CSA pattern). */
  | { type: 'pickup'; pickupPointId: string; memberId: string };

export type FlowStatus = 'running' | 'delivered' | 'cancelled' | 'failed';

/** A step of a running flow, with its plan and what happened. */
export type FlowStepStatus = 'waiting' | 'offered' | 'accepted' | 'made' | 'handed-off' | 'cancelled';
export type FlowLegStatus = 'searching' | 'offered' | 'accepted' | 'picked-up' | 'delivered' | 'received' | 'rejected' | 'no-carrier' | 'cancelled';
export type HandoffStatus = 'pending' | 'accepted' | 'rejected';
export type LotStatus = 'made' | 'in-transit' | 'received' | 'consumed' | 'delivered' | 'rejected';
/** Who holds or receives: a node (its token or its owner answers), a member, or a pickup point (its keeper answers). */
export type PartyType = 'node' | 'member' | 'pickup';

// --- Workflows -------------------------------------------------------------------------------

export const FLOW_WORKFLOW_TYPE = 'flowWorkflow';
export function flowWorkflowId(flowId: string): string {
  return `flow-${flowId}`;
}

/** The flow's input: everything else is in PostgreSQL (`flows`, `flow_steps`). */
export interface FlowInput {
  flowId: string;
}

/** What a job that belongs to a flow carries in its `JobInput.flow`. */
export interface FlowJobRef {
  flowId: string;
  /** A step's job, or a transport leg's job. */
  part: 'step' | 'leg';
  /** The step key, or the leg id. */
  key: string;
  /**
   * A rework run after a rejection past the first hand-off: offered first to the node that made the
   * rejected lot (like the job's own rework). Optional; added by the flow workflow's slice.
   */
  preferNodeId?: string;
}

/** What a transport leg's job carries in `JobInput.transport`: only carriers of this flow type serving both locations are offered it. */
export interface TransportNeed {
  flowType: string;
  fromLocationId: string | null;
  toLocationId: string | null;
}

/** A job of a flow tells its flow what happened (signal `flowJobEvent`). */
export type FlowJobEvent =
  | { jobId: string; kind: 'accepted'; nodeId: string }
  | { jobId: string; kind: 'delivered'; nodeId: string; run: number; made: number; scrapped: number }
  | { jobId: string; kind: 'ended'; status: string }
  /** No node is left to offer the job to (a leg: no carrier of its flow type serves both places); the job keeps looking daily. */
  | { jobId: string; kind: 'no-node' };

/** The flow tells a job the answer to the hand-off of its run's output (signal on the job). */
export interface HandoffAnswerToJob {
  run: number;
  accepted: boolean;
  reason: string | null;
}

/** The flow's live summary (the query). Bounded by the recipe's size. */
export interface FlowSummary {
  flowId: string;
  status: FlowStatus;
  steps: { key: string; status: FlowStepStatus; jobId: string | null; late: boolean }[];
  openLegs: number;
  pendingHandoffs: number;
}

// Message definitions. The string names are stored in histories: never change them.
export const flowJobEventSignal = defineSignal<[FlowJobEvent]>('flowJobEvent');
/** The API recorded an answer to a hand-off of this flow in PostgreSQL: the flow reads it and goes on. */
export const handoffAnsweredSignal = defineSignal<[{ handoffId: string }]>('handoffAnswered');
export const cancelFlowUpdate = defineUpdate<FlowSummary, [{ actor: string; reason: string }]>('cancelFlow');
export const getFlowQuery = defineQuery<FlowSummary>('getFlow');
/** Sent to a flow job (a job with `input.flow`) instead of asking a member: the hand-off of its run's output was answered. */
export const flowHandoffAnswerSignal = defineSignal<[HandoffAnswerToJob]>('flowHandoffAnswer');

// --- API shapes (read models) ----------------------------------------------------------------

export interface PlannedTimes {
  plannedStartAt: string;
  plannedDoneAt: string;
}

export interface FlowStepView extends PlannedTimes {
  key: string;
  capability: string;
  item: string;
  unit: string;
  /** Good units needed, and units to start (scrap included). */
  goodQuantity: number;
  startQuantity: number;
  leadTimeMs: number;
  leadTimeSource: 'declared' | 'learned';
  status: FlowStepStatus;
  /**
   * The step's inputs as in its recipe (optional, added for the web's flow diagram: its edges).
   * Without them the diagram can draw only the legs that exist.
   */
  inputs?: RecipeInput[];
  nodeId: string | null;
  nodeName: string | null;
  jobId: string | null;
  runs: number;
  offeredAt: string | null;
  acceptedAt: string | null;
  doneAt: string | null;
  /** When the step's output was received where it was going (the consuming step's node, or the recipient). */
  receivedAt: string | null;
  /** Late: not done by its planned time (or done after it): by how much, in ms. */
  lateByMs: number | null;
}

export interface FlowLegView {
  id: string;
  fromStep: string;
  /** The consuming step, or null for the recipient. */
  toStep: string | null;
  lotId: string;
  flowType: string;
  fromLocationId: string | null;
  toLocationId: string | null;
  quantity: number;
  status: FlowLegStatus;
  carrierNodeId: string | null;
  carrierName: string | null;
  jobId: string | null;
  plannedDoneAt: string | null;
  offeredAt: string | null;
  acceptedAt: string | null;
  doneAt: string | null;
  receivedAt: string | null;
}

export interface HandoffView {
  id: string;
  flowId: string;
  lotId: string;
  legId: string | null;
  from: { type: PartyType; id: string; name: string | null };
  to: { type: PartyType; id: string; name: string | null };
  quantitySent: number;
  quantityReceived: number | null;
  status: HandoffStatus;
  note: string | null;
  photoUrl: string | null;
  reason: string | null;
  createdAt: string;
  answeredAt: string | null;
}

export interface FlowView {
  id: string;
  recipeName: string;
  recipeId: string | null;
  demand: { type: 'project' | 'order'; id: string };
  quantity: number;
  unit: string;
  dueAt: string;
  recipient: FlowRecipient;
  status: FlowStatus;
  steps: FlowStepView[];
  legs: FlowLegView[];
  /** The latest hand-offs (at most 50), newest first. */
  handoffs: HandoffView[];
  createdAt: string;
  deliveredAt: string | null;
}

/** One lot in a trace: what it is, who made it, and every hand-off it went through, in order. */
export interface TraceLot {
  id: string;
  stepKey: string;
  item: string;
  unit: string;
  quantity: number;
  status: LotStatus;
  madeBy: { nodeId: string; nodeName: string | null; jobId: string; run: number };
  madeAt: string;
  reworkOf: string | null;
  handoffs: HandoffView[];
  /** Backward: the lots it was made from (with the quantity taken). Forward: the lots it went into. */
  depth: number;
}

export interface LotTrace {
  lot: TraceLot;
  /** Every lot it was made from, transitively, nearest first. */
  backward: (TraceLot & { via: string })[];
  /** Every lot it went into, transitively, nearest first, and where each ended. */
  forward: (TraceLot & { via: string })[];
}
