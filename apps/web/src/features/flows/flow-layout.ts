import type { FlowLegLike, FlowLike, FlowStepLike, HandoffLike } from './flow-types';
import { handoffTone, legTone, stepTone, type Tone } from './flow-words';

/**
 * A flow as a picture, computed from GET …/flows/:id: a box per step and one for the recipient,
 * an edge per input (producer → consumer) and from the output step to the recipient, each edge
 * with what moves on it (a transport leg, a direct hand-off at the same location, or nothing yet).
 * Steps are layered by their longest path from the leaf steps, so every edge goes forward. Pure
 * and deterministic: the same flow gives the same picture; the diagram draws it, tests check it.
 */

export const RECIPIENT = '@recipient';

export interface GraphEdge {
  key: string;
  from: string;
  /** A step key, or RECIPIENT. */
  to: string;
  /** How much of the producer's output one unit of the consumer takes (unknown for the recipient or when inferred from legs). */
  perUnit: number | null;
  /** Every leg that carried (or carries) on this edge, in the API's order. */
  legs: FlowLegLike[];
  /** The leg whose state the edge shows: the newest open one, else the last. */
  leg: FlowLegLike | null;
  /** Direct hand-offs on this edge (no leg: same node or same location). */
  handoffs: HandoffLike[];
  handoff: HandoffLike | null;
  kind: 'leg' | 'direct' | 'none';
  tone: Tone;
}

export interface FlowGraph {
  steps: FlowStepLike[];
  edges: GraphEdge[];
  /** The step whose output goes to the recipient (null when it cannot be told). */
  outputStep: string | null;
  /** True when the API gave no step inputs and the edges were inferred from the legs that exist. */
  inferred: boolean;
  /** Longest path from a leaf step, per step key; the recipient is one layer after the last. */
  layers: Map<string, number>;
}

const OPEN_LEG = (l: FlowLegLike) => !['received', 'cancelled', 'rejected'].includes(l.status);

/** The edges and layers of a flow. */
export function buildFlowGraph(flow: FlowLike): FlowGraph {
  const steps = flow.steps;
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const inferred = steps.length > 0 && steps.every((s) => s.inputs === undefined);
  const pairs: Array<{ from: string; to: string; perUnit: number | null }> = [];
  const seen = new Set<string>();
  const add = (from: string, to: string, perUnit: number | null) => {
    if (seen.has(`${from}>${to}`) || !byKey.has(from) || (to !== RECIPIENT && !byKey.has(to)) || from === to) return;
    seen.add(`${from}>${to}`);
    pairs.push({ from, to, perUnit });
  };
  if (!inferred) {
    for (const s of steps) for (const i of s.inputs ?? []) add(i.step, s.key, i.perUnit);
  } else {
    for (const l of flow.legs) if (l.toStep) add(l.fromStep, l.toStep, null);
  }
  const consumed = new Set(pairs.map((p) => p.from));
  let outputStep: string | null;
  if (!inferred) {
    const outputs = steps.filter((s) => !consumed.has(s.key));
    outputStep = outputs.length === 1 ? outputs[0].key : null;
    for (const o of outputs) add(o.key, RECIPIENT, null);
  } else {
    // Without inputs, the output step is the one a leg to the recipient starts from, else the one planned last (the plan runs backwards from the due date).
    const toRecipient = flow.legs.find((l) => l.toStep === null);
    const last = [...steps].map((s, i) => ({ s, i })).sort((a, b) => Date.parse(b.s.plannedDoneAt) - Date.parse(a.s.plannedDoneAt) || b.i - a.i)[0]?.s;
    outputStep = toRecipient?.fromStep ?? last?.key ?? null;
    if (outputStep) add(outputStep, RECIPIENT, null);
  }

  const layers = new Map<string, number>();
  const preds = new Map<string, string[]>();
  for (const p of pairs) if (p.to !== RECIPIENT) preds.set(p.to, [...(preds.get(p.to) ?? []), p.from]);
  const visiting = new Set<string>();
  const layerOf = (key: string): number => {
    const known = layers.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 0; // a cycle cannot come from a validated recipe; drawn flat rather than looping
    visiting.add(key);
    const l = Math.max(-1, ...(preds.get(key) ?? []).map(layerOf)) + 1;
    visiting.delete(key);
    layers.set(key, l);
    return l;
  };
  for (const s of steps) layerOf(s.key);
  layers.set(RECIPIENT, Math.max(-1, ...steps.map((s) => layers.get(s.key)!)) + 1);

  const edges = pairs.map((p): GraphEdge => {
    const producer = byKey.get(p.from)!;
    const legs = flow.legs.filter((l) => l.fromStep === p.from && (l.toStep ?? RECIPIENT) === p.to);
    const leg = [...legs].reverse().find(OPEN_LEG) ?? legs.at(-1) ?? null;
    const handoffs = legs.length ? [] : flow.handoffs.filter((h) => h.legId === null && h.from.type === 'node' && h.from.id === producer.nodeId && receives(flow, p.to, h));
    const sorted = [...handoffs].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    const handoff = sorted.find((h) => h.status === 'pending') ?? sorted.at(-1) ?? null;
    const kind = leg ? 'leg' : handoff || producer.status === 'handed-off' ? 'direct' : 'none';
    const tone: Tone = leg ? legTone(leg.status) : handoff ? handoffTone(handoff.status) : kind === 'direct' ? 'done' : 'waiting';
    return { key: `${p.from}>${p.to}`, from: p.from, to: p.to, perUnit: p.perUnit, legs, leg, handoffs: sorted, handoff, kind, tone };
  });
  return { steps, edges, outputStep, inferred, layers };
}

/** Whether a hand-off goes to the receiving end of an edge: the consuming step's node, or the flow's recipient. */
function receives(flow: FlowLike, to: string, h: HandoffLike): boolean {
  if (to !== RECIPIENT) {
    const consumer = flow.steps.find((s) => s.key === to);
    return !!consumer?.nodeId && h.to.type === 'node' && h.to.id === consumer.nodeId;
  }
  const r = flow.recipient;
  if (r.type === 'pickup') return h.to.type === 'pickup' && h.to.id === r.pickupPointId;
  return h.to.type === r.type && h.to.id === r.id;
}

// --- Positions ---------------------------------------------------------------------------------

export type Orientation = 'horizontal' | 'vertical';

export interface BoxGeometry {
  boxWidth: number;
  boxHeight: number;
  /** Between layers (where edge labels sit). */
  layerGap: number;
  /** Between boxes of one layer. */
  rowGap: number;
  margin: number;
}

export const HORIZONTAL: BoxGeometry = { boxWidth: 180, boxHeight: 136, layerGap: 140, rowGap: 28, margin: 8 };
export const VERTICAL: BoxGeometry = { boxWidth: 180, boxHeight: 136, layerGap: 64, rowGap: 16, margin: 8 };

export interface PlacedBox {
  key: string;
  kind: 'step' | 'recipient';
  step: FlowStepLike | null;
  layer: number;
  /** Place within its layer, from 0. */
  slot: number;
  x: number;
  y: number;
  width: number;
  height: number;
  tone: Tone;
}

export interface PlacedEdge extends GraphEdge {
  /** SVG path from the producer's box to the consumer's. */
  d: string;
  /** The label's centre. */
  labelX: number;
  labelY: number;
}

export interface FlowLayout {
  orientation: Orientation;
  geometry: BoxGeometry;
  width: number;
  height: number;
  boxes: PlacedBox[];
  edges: PlacedEdge[];
  graph: FlowGraph;
}

/** The width a flow needs drawn one way: what the diagram compares with its card's width. */
export function layoutWidth(graph: FlowGraph, orientation: Orientation, g: BoxGeometry = orientation === 'horizontal' ? HORIZONTAL : VERTICAL): number {
  const { layerCount, slots } = counts(graph);
  return orientation === 'horizontal' ? 2 * g.margin + layerCount * g.boxWidth + (layerCount - 1) * g.layerGap : 2 * g.margin + slots * g.boxWidth + (slots - 1) * g.rowGap;
}

function counts(graph: FlowGraph): { layerCount: number; slots: number; perLayer: Map<number, number> } {
  const perLayer = new Map<number, number>();
  for (const l of graph.layers.values()) perLayer.set(l, (perLayer.get(l) ?? 0) + 1);
  return { layerCount: Math.max(1, ...perLayer.keys()) + 1, slots: Math.max(1, ...perLayer.values()), perLayer };
}

/**
 * Positions: layer by layer along the flow's direction (left to right, or top to bottom), boxes of
 * a layer side by side across it, ordered by where their producers sit (then by the recipe's
 * order), each layer centred on the widest.
 */
export function layoutFlow(graph: FlowGraph, orientation: Orientation, g: BoxGeometry = orientation === 'horizontal' ? HORIZONTAL : VERTICAL): FlowLayout {
  const { slots } = counts(graph);
  const keys = [...graph.steps.map((s) => s.key), RECIPIENT];
  const index = new Map(keys.map((k, i) => [k, i]));
  const preds = new Map<string, string[]>();
  for (const e of graph.edges) preds.set(e.to, [...(preds.get(e.to) ?? []), e.from]);
  const slotOf = new Map<string, number>();
  const byLayer = new Map<number, string[]>();
  for (const k of keys) {
    const l = graph.layers.get(k) ?? 0;
    byLayer.set(l, [...(byLayer.get(l) ?? []), k]);
  }
  const centre = new Map<string, number>();
  for (const l of [...byLayer.keys()].sort((a, b) => a - b)) {
    const members = byLayer.get(l)!;
    const pull = (k: string) => {
      const ps = (preds.get(k) ?? []).filter((p) => centre.has(p));
      return ps.length ? ps.reduce((sum, p) => sum + centre.get(p)!, 0) / ps.length : Number.POSITIVE_INFINITY;
    };
    members.sort((a, b) => {
      const pa = pull(a);
      const pb = pull(b);
      return pa === pb ? index.get(a)! - index.get(b)! : pa < pb ? -1 : 1;
    });
    const offset = (slots - members.length) / 2;
    members.forEach((k, i) => {
      slotOf.set(k, i);
      centre.set(k, offset + i);
    });
  }
  const along = g.boxWidth + g.layerGap;
  const across = g.boxWidth + g.rowGap;
  const boxes: PlacedBox[] = keys.map((key) => {
    const layer = graph.layers.get(key) ?? 0;
    const c = centre.get(key)!;
    const step = key === RECIPIENT ? null : graph.steps.find((s) => s.key === key)!;
    const [x, y] =
      orientation === 'horizontal'
        ? [g.margin + layer * along, g.margin + c * (g.boxHeight + g.rowGap)]
        : [g.margin + c * across, g.margin + layer * (g.boxHeight + g.layerGap)];
    return { key, kind: step ? 'step' : 'recipient', step, layer, slot: slotOf.get(key)!, x, y, width: g.boxWidth, height: g.boxHeight, tone: step ? stepTone(step) : 'waiting' };
  });
  const at = new Map(boxes.map((b) => [b.key, b]));
  const edges = graph.edges.map((e): PlacedEdge => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    if (orientation === 'horizontal') {
      const [x1, y1, x2, y2] = [a.x + a.width, a.y + a.height / 2, b.x, b.y + b.height / 2];
      const mx = (x1 + x2) / 2;
      return { ...e, d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`, labelX: mx, labelY: (y1 + y2) / 2 };
    }
    const [x1, y1, x2, y2] = [a.x + a.width / 2, a.y + a.height, b.x + b.width / 2, b.y];
    const my = (y1 + y2) / 2;
    // The label sits under its producer (boxes of a layer are side by side, so labels of edges into one consumer never collide).
    return { ...e, d: `M${x1} ${y1} C${x1} ${my} ${x2} ${my} ${x2} ${y2}`, labelX: x1, labelY: y1 + g.layerGap / 2 };
  });
  const maxLayer = Math.max(0, ...boxes.map((b) => b.layer));
  const [width, height] =
    orientation === 'horizontal'
      ? [2 * g.margin + (maxLayer + 1) * g.boxWidth + maxLayer * g.layerGap, 2 * g.margin + slots * g.boxHeight + (slots - 1) * g.rowGap]
      : [2 * g.margin + slots * g.boxWidth + (slots - 1) * g.rowGap, 2 * g.margin + (maxLayer + 1) * g.boxHeight + maxLayer * g.layerGap];
  return { orientation, geometry: g, width, height, boxes, edges, graph };
}

/** Narrowest a box may get when a phone squeezes a layer (its lines are clipped; the tables carry them whole). */
export const MIN_BOX_WIDTH = 136;

/**
 * The picture for the width there is: left to right where that fits; else top to bottom, with
 * boxes narrowed (down to MIN_BOX_WIDTH) so that the widest layer fits; what still does not fit
 * scrolls sideways in its card. Unmeasured (null): left to right.
 */
export function fitLayout(graph: FlowGraph, available: number | null): FlowLayout {
  if (available === null || layoutWidth(graph, 'horizontal') <= available) return layoutFlow(graph, 'horizontal');
  const { slots } = counts(graph);
  const room = Math.floor((available - 2 * VERTICAL.margin - (slots - 1) * VERTICAL.rowGap) / slots);
  const boxWidth = Math.max(MIN_BOX_WIDTH, Math.min(VERTICAL.boxWidth, room));
  const vertical = layoutFlow(graph, 'vertical', { ...VERTICAL, boxWidth });
  return vertical.width < layoutWidth(graph, 'horizontal') ? vertical : layoutFlow(graph, 'horizontal');
}

/**
 * The flow with its steps' inputs taken from its recipe when the flow's view has none (the API's
 * step view carries them optionally; the console can read the saved recipe).
 */
export function withRecipeInputs<F extends FlowLike>(flow: F, recipe: { steps: Array<{ key: string; inputs: Array<{ step: string; perUnit: number; unit: string }> }> } | null | undefined): F {
  if (!recipe || flow.steps.some((s) => s.inputs !== undefined)) return flow;
  const inputs = new Map(recipe.steps.map((s) => [s.key, s.inputs]));
  if (!flow.steps.every((s) => inputs.has(s.key))) return flow;
  return { ...flow, steps: flow.steps.map((s) => ({ ...s, inputs: inputs.get(s.key) })) };
}
