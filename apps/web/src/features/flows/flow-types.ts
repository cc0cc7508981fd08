/**
 * The parts of the API's flow read models (libs/contracts/src/flows.ts: FlowView, FlowStepView,
 * FlowLegView, HandoffView, LotTrace) that the flow diagram and the trace list draw. Structural:
 * the generated schema's types fit them, and tests build them by hand.
 */

export type PartyType = 'node' | 'member' | 'pickup';

export interface FlowStepLike {
  key: string;
  capability: string;
  item: string;
  unit: string;
  goodQuantity: number;
  startQuantity: number;
  status: string;
  /** The recipe's inputs of the step: the diagram's edges. Optional in the API. */
  inputs?: Array<{ step: string; perUnit: number; unit: string }>;
  nodeId: string | null;
  nodeName: string | null;
  jobId: string | null;
  runs: number;
  plannedStartAt: string;
  plannedDoneAt: string;
  offeredAt: string | null;
  acceptedAt: string | null;
  doneAt: string | null;
  receivedAt: string | null;
  lateByMs: number | null;
}

export interface FlowLegLike {
  id: string;
  fromStep: string;
  toStep: string | null;
  lotId: string;
  flowType: string;
  quantity: number;
  status: string;
  carrierNodeId: string | null;
  carrierName: string | null;
  plannedDoneAt: string | null;
  offeredAt: string | null;
  acceptedAt: string | null;
  doneAt: string | null;
  receivedAt: string | null;
}

export interface Party {
  type: PartyType | string;
  id: string;
  name: string | null;
}

export interface HandoffLike {
  id: string;
  flowId: string;
  lotId: string;
  legId: string | null;
  from: Party;
  to: Party;
  quantitySent: number;
  quantityReceived: number | null;
  status: string;
  note: string | null;
  photoUrl: string | null;
  reason: string | null;
  createdAt: string;
  answeredAt: string | null;
}

/** `{ type: 'member' | 'node', id }` or `{ type: 'pickup', pickupPointId, memberId }`, loosely (as the generated schema has it). */
export interface RecipientLike {
  type: string;
  id?: string | null;
  pickupPointId?: string | null;
  memberId?: string | null;
}

export interface FlowLike {
  id: string;
  recipeName: string;
  quantity: number;
  unit: string;
  dueAt: string;
  recipient: RecipientLike;
  status: string;
  steps: FlowStepLike[];
  legs: FlowLegLike[];
  handoffs: HandoffLike[];
  deliveredAt: string | null;
}

export interface TraceLotLike {
  id: string;
  stepKey: string;
  item: string;
  unit: string;
  quantity: number;
  status: string;
  madeBy: { nodeId: string; nodeName: string | null; jobId: string; run: number };
  madeAt: string;
  reworkOf: string | null;
  handoffs: HandoffLike[];
  depth: number;
}

export interface LotTraceLike {
  lot: TraceLotLike;
  backward: Array<TraceLotLike & { via: string }>;
  forward: Array<TraceLotLike & { via: string }>;
}
