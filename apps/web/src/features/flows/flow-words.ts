/** Production flows in people's words: the states of steps, legs, hand-offs and lots, and lateness. */

export type Tone = 'done' | 'running' | 'waiting' | 'late' | 'problem' | 'cancelled';

export const FLOW_STATUS_WORDS: Record<string, string> = {
  running: 'Running',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export const STEP_STATUS_WORDS: Record<string, string> = {
  waiting: 'Waiting for its inputs',
  offered: 'Offered to nodes',
  accepted: 'Being made',
  made: 'Made: waiting to be handed on',
  'handed-off': 'Made and handed on',
  cancelled: 'Cancelled',
};

export const LEG_STATUS_WORDS: Record<string, string> = {
  searching: 'Looking for a carrier',
  offered: 'Offered to carriers',
  accepted: 'Carrier found: to be picked up',
  'picked-up': 'Picked up: on the way',
  delivered: 'Delivered: waiting for receipt',
  received: 'Received',
  rejected: 'Refused on arrival',
  'no-carrier': 'No carrier serves this route',
  cancelled: 'Cancelled',
};

export const HANDOFF_STATUS_WORDS: Record<string, string> = {
  pending: 'Waiting for the receiver',
  accepted: 'Accepted',
  rejected: 'Refused',
};

export const LOT_STATUS_WORDS: Record<string, string> = {
  made: 'Made',
  'in-transit': 'On the way',
  received: 'Received',
  consumed: 'Used in a later step',
  delivered: 'Delivered',
  rejected: 'Refused: goes back for rework',
};

export const words = (table: Record<string, string>, s: string) => table[s] ?? s;

/** A rough duration for people: "40 min", "5 h", "3 days". */
export function roughDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/** "late by 5 h", or null when not late. */
export function lateWords(lateByMs: number | null | undefined): string | null {
  return lateByMs && lateByMs > 0 ? `late by ${roughDuration(lateByMs)}` : null;
}

export function stepTone(s: { status: string; lateByMs: number | null }): Tone {
  if (s.status === 'cancelled') return 'cancelled';
  if (s.lateByMs && s.lateByMs > 0 && s.status !== 'made' && s.status !== 'handed-off') return 'late';
  if (s.status === 'made' || s.status === 'handed-off') return 'done';
  if (s.status === 'offered' || s.status === 'accepted') return 'running';
  return 'waiting';
}

export function legTone(status: string): Tone {
  if (status === 'received') return 'done';
  if (status === 'no-carrier' || status === 'rejected') return 'problem';
  if (status === 'cancelled') return 'cancelled';
  if (status === 'searching') return 'waiting';
  return 'running';
}

export function handoffTone(status: string): Tone {
  return status === 'accepted' ? 'done' : status === 'rejected' ? 'problem' : 'waiting';
}

/** Who someone is, in words: the name the API gives, else what kind of party it is. */
export function partyName(p: { type: string; name: string | null }): string {
  if (p.name) return p.name;
  return p.type === 'node' ? 'a node' : p.type === 'pickup' ? 'a pickup point' : 'a member';
}

/** A photo link only when it is a web address (a note's photo URL is typed by whoever answered). */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

// --- The diagram's words: short lines for its boxes and edges, and a full sentence for each ---

const STEP_SHORT: Record<string, string> = {
  waiting: 'waiting for inputs',
  offered: 'offered to nodes',
  accepted: 'being made',
  made: 'made',
  'handed-off': 'handed on',
  cancelled: 'cancelled',
};

const LEG_SHORT: Record<string, string> = {
  searching: 'finding a carrier',
  offered: 'offered to carriers',
  accepted: 'to be picked up',
  'picked-up': 'on the way',
  delivered: 'arrived: to confirm',
  received: 'received',
  rejected: 'refused on arrival',
  'no-carrier': 'no carrier serves it',
  cancelled: 'cancelled',
};

const HANDOFF_SHORT: Record<string, string> = {
  pending: 'awaiting receipt',
  accepted: 'handed over',
  rejected: 'refused',
};

export interface StepLike {
  key: string;
  capability: string;
  item: string;
  unit: string;
  startQuantity: number;
  status: string;
  nodeId: string | null;
  nodeName: string | null;
  runs: number;
  plannedDoneAt: string;
  doneAt: string | null;
  lateByMs: number | null;
}

/** Who does a step: its node's name, else that none has it yet. */
export const stepNode = (s: Pick<StepLike, 'nodeId' | 'nodeName'>) => s.nodeName ?? (s.nodeId ? `node ${s.nodeId.slice(0, 8)}` : 'no node yet');

export const stepStatusShort = (s: Pick<StepLike, 'status' | 'runs'>) => `${STEP_SHORT[s.status] ?? s.status}${s.runs > 1 ? ` · run ${s.runs}` : ''}`;

export interface EdgeLike {
  kind: 'leg' | 'direct' | 'none';
  legs: Array<{ status: string; carrierName: string | null; quantity: number; flowType: string }>;
  leg: { status: string; carrierName: string | null; quantity: number; flowType: string } | null;
  handoff: { status: string; quantitySent: number; quantityReceived: number | null } | null;
  perUnit: number | null;
}

/** Two short lines for the edge's label in the picture. */
export function edgeLines(e: EdgeLike): [string, string] {
  const more = e.legs.length > 1 ? ` (${e.legs.length} legs)` : '';
  if (e.kind === 'leg' && e.leg) return [e.leg.carrierName ?? (e.leg.status === 'no-carrier' ? 'no carrier' : 'carrier: not yet'), `${LEG_SHORT[e.leg.status] ?? e.leg.status}${more}`];
  if (e.kind === 'direct') return ['same location', e.handoff ? (HANDOFF_SHORT[e.handoff.status] ?? e.handoff.status) : 'handed over'];
  return ['not moved yet', ''];
}

/** Where an edge stands, in a sentence's tail: how the producer's output reaches the consumer, and the state of that. */
export function edgeState(e: EdgeLike, unit: string): string {
  if (e.kind === 'leg' && e.leg) {
    const legs = e.legs.length > 1 ? `; ${e.legs.length} legs so far` : '';
    return `carried${e.leg.carrierName ? ` by ${e.leg.carrierName}` : ''} as ${e.leg.flowType}, ${e.leg.quantity} ${unit}: ${words(LEG_STATUS_WORDS, e.leg.status).toLowerCase()}${legs}.`;
  }
  if (e.kind === 'direct') {
    const h = e.handoff;
    const qty = h ? `, ${h.quantitySent} ${unit} sent${h.quantityReceived !== null ? `, ${h.quantityReceived} received` : ''}` : '';
    return `same location, handed over directly${qty}${h ? `: ${words(HANDOFF_STATUS_WORDS, h.status).toLowerCase()}` : ''}.`;
  }
  return 'nothing has moved yet.';
}

/** The edge in a sentence: from where to where (and how much per unit), then where it stands. */
export function edgeSentence(e: EdgeLike, fromName: string, toName: string, unit: string): string {
  return `${fromName} → ${toName}${e.perUnit !== null ? ` (${e.perUnit} ${unit} per unit)` : ''}: ${edgeState(e, unit)}`;
}
