import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFlowGraph, fitLayout, HORIZONTAL, layoutFlow, layoutWidth, MIN_BOX_WIDTH, RECIPIENT, withRecipeInputs, type FlowLayout } from '../flow-layout';
import { edgeLines, edgeSentence, lateWords, safeUrl } from '../flow-words';
import { ASSEMBLER, FINISHER, handoff, leg, node, shelfFlow, step } from './fixtures';

const overlaps = (l: FlowLayout) =>
  l.boxes.some((a, i) => l.boxes.some((b, j) => i < j && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height));

describe('the flow graph', () => {
  it('has an edge per input and one from the output step to the recipient, each saying what moves on it', () => {
    const g = buildFlowGraph(shelfFlow());
    expect(g.outputStep).toBe('assemble');
    expect(g.inferred).toBe(false);
    expect(g.edges.map((e) => [e.key, e.kind, e.tone, e.perUnit])).toEqual([
      ['cut>assemble', 'leg', 'running', 2],
      ['finish>assemble', 'direct', 'waiting', 2],
      ['assemble>@recipient', 'none', 'waiting', null],
    ]);
    const [cut, finish, out] = g.edges;
    expect(edgeLines(cut)).toEqual(['Crate Carrier', 'on the way']);
    expect(edgeLines(finish)).toEqual(['same location', 'awaiting receipt']);
    expect(edgeLines(out)).toEqual(['not moved yet', '']);
    expect(edgeSentence(cut, 'step cut', 'step assemble', 'pcs')).toBe('step cut → step assemble (2 pcs per unit): carried by Crate Carrier as crate, 10 pcs: picked up: on the way.');
    expect(edgeSentence(finish, 'step finish', 'step assemble', 'pcs')).toBe('step finish → step assemble (2 pcs per unit): same location, handed over directly, 10 pcs sent: waiting for the receiver.');
  });

  it('layers steps by their longest path from the leaf steps, the recipient last', () => {
    // a → b → d and a → d: d comes after b, not beside it.
    const flow = shelfFlow({
      steps: [step('d', { inputs: [{ step: 'b', perUnit: 1, unit: 'pcs' }, { step: 'a', perUnit: 1, unit: 'pcs' }] }), step('a'), step('b', { inputs: [{ step: 'a', perUnit: 1, unit: 'pcs' }] }), step('c')],
      legs: [],
      handoffs: [],
    });
    flow.steps[0].inputs!.push({ step: 'c', perUnit: 1, unit: 'pcs' });
    const g = buildFlowGraph(flow);
    expect(Object.fromEntries(g.layers)).toEqual({ a: 0, c: 0, b: 1, d: 2, [RECIPIENT]: 3 });
    expect(g.outputStep).toBe('d');
  });

  it('shows the newest open leg of an edge, else its last; a leg with no carrier is a problem', () => {
    const flow = shelfFlow();
    flow.legs = [leg({ id: 'l1', fromStep: 'cut', toStep: 'assemble', status: 'rejected', carrierName: 'A' }), leg({ id: 'l2', fromStep: 'cut', toStep: 'assemble', status: 'received', carrierName: 'B' })];
    let e = buildFlowGraph(flow).edges[0];
    expect([e.leg?.id, e.tone, edgeLines(e)]).toEqual(['l2', 'done', ['B', 'received (2 legs)']]);
    flow.legs.push(leg({ id: 'l3', fromStep: 'cut', toStep: 'assemble', status: 'no-carrier' }));
    e = buildFlowGraph(flow).edges[0];
    expect([e.leg?.id, e.tone, edgeLines(e)]).toEqual(['l3', 'problem', ['no carrier', 'no carrier serves it (3 legs)']]);
  });

  it('matches direct hand-offs to an edge by the producer’s and the consumer’s nodes (or the recipient)', () => {
    const flow = shelfFlow();
    flow.steps[2] = { ...flow.steps[2], status: 'handed-off' };
    flow.handoffs.push(handoff({ id: 'out', from: node(ASSEMBLER), to: { type: 'member', id: flow.recipient.id!, name: 'Mia' }, status: 'accepted', quantityReceived: 5, quantitySent: 5 }));
    const g = buildFlowGraph(flow);
    expect(g.edges.find((e) => e.from === 'assemble')).toMatchObject({ kind: 'direct', tone: 'done', handoff: { id: 'out' } });
    // A hand-off from the finisher to someone else is not on the finish → assemble edge.
    flow.handoffs = [handoff({ from: node(FINISHER), to: node({ id: 'someone-else', name: 'X' }) })];
    expect(buildFlowGraph(flow).edges.find((e) => e.from === 'finish')).toMatchObject({ kind: 'direct', handoff: null, tone: 'done' });
  });

  it('without the recipe’s inputs, draws the legs that exist and sends the step planned last to the recipient', () => {
    const flow = shelfFlow();
    flow.steps = flow.steps.map(({ inputs: _, ...s }) => s);
    const g = buildFlowGraph(flow);
    expect(g.inferred).toBe(true);
    expect(g.edges.map((e) => e.key)).toEqual(['cut>assemble', 'assemble>@recipient']);
    expect(g.outputStep).toBe('assemble');
  });

  it('does not loop on a cycle (which a validated recipe never has)', () => {
    const flow = shelfFlow({ steps: [step('a', { inputs: [{ step: 'b', perUnit: 1, unit: 'pcs' }] }), step('b', { inputs: [{ step: 'a', perUnit: 1, unit: 'pcs' }] })], legs: [], handoffs: [] });
    const g = buildFlowGraph(flow);
    expect(g.edges).toHaveLength(2);
    expect(g.outputStep).toBeNull();
  });
});

describe('the flow’s positions', () => {
  it('left to right: layers in columns, each layer centred on the widest, every edge forward', () => {
    const l = layoutFlow(buildFlowGraph(shelfFlow()), 'horizontal');
    const at = Object.fromEntries(l.boxes.map((b) => [b.key, [b.x, b.y]]));
    const { boxWidth: w, boxHeight: h, layerGap, rowGap, margin: m } = HORIZONTAL;
    expect(at).toEqual({ cut: [m, m], finish: [m, m + h + rowGap], assemble: [m + w + layerGap, m + (h + rowGap) / 2], [RECIPIENT]: [m + 2 * (w + layerGap), m + (h + rowGap) / 2] });
    expect([l.width, l.height]).toEqual([2 * m + 3 * w + 2 * layerGap, 2 * m + 2 * h + rowGap]);
    expect(l.width).toBe(layoutWidth(l.graph, 'horizontal'));
    const x = new Map(l.boxes.map((b) => [b.key, b]));
    for (const e of l.edges) expect(x.get(e.from)!.x + x.get(e.from)!.width).toBeLessThan(x.get(e.to)!.x);
    expect(l.edges[0].d).toBe(`M${m + w} ${m + h / 2} C${m + w + layerGap / 2} ${m + h / 2} ${m + w + layerGap / 2} ${m + (h + rowGap) / 2 + h / 2} ${m + w + layerGap} ${m + (h + rowGap) / 2 + h / 2}`);
  });

  it('top to bottom: layers in rows, the boxes of a layer side by side', () => {
    const l = layoutFlow(buildFlowGraph(shelfFlow()), 'vertical');
    const ys = new Map(l.boxes.map((b) => [b.key, b.y]));
    expect(ys.get('cut')).toBe(ys.get('finish'));
    expect(ys.get('cut')!).toBeLessThan(ys.get('assemble')!);
    expect(ys.get('assemble')!).toBeLessThan(ys.get(RECIPIENT)!);
    expect(overlaps(l)).toBe(false);
  });

  it('goes left to right where it fits, else top to bottom with boxes narrowed to fit a phone', () => {
    const g = buildFlowGraph(shelfFlow());
    expect(fitLayout(g, 950).orientation).toBe('horizontal');
    expect(fitLayout(g, null).orientation).toBe('horizontal');
    // A 375 px phone leaves about 320 px inside a card.
    const phone = fitLayout(g, 320);
    expect(phone.orientation).toBe('vertical');
    expect(phone.width).toBeLessThanOrEqual(320);
    expect(phone.geometry.boxWidth).toBeGreaterThanOrEqual(MIN_BOX_WIDTH);
    const chain = buildFlowGraph(shelfFlow({ steps: ['a', 'b', 'c', 'd'].map((k, i, all) => step(k, { inputs: i ? [{ step: all[i - 1], perUnit: 1, unit: 'pcs' }] : [] })), legs: [], handoffs: [] }));
    expect(fitLayout(chain, 950)).toMatchObject({ orientation: 'vertical', geometry: { boxWidth: 180 } });
    // Four leaves side by side cannot narrow enough for a phone: their layer scrolls sideways.
    const wide = buildFlowGraph(shelfFlow({ steps: [...['a', 'b', 'c', 'd'].map((k) => step(k)), step('e', { inputs: ['a', 'b', 'c', 'd'].map((s) => ({ step: s, perUnit: 1, unit: 'pcs' })) })], legs: [], handoffs: [] }));
    const squeezed = fitLayout(wide, 320);
    expect([squeezed.orientation, squeezed.geometry.boxWidth, squeezed.width > 320]).toEqual(['vertical', MIN_BOX_WIDTH, true]);
  });

  it('is the same picture for the same flow, and orders a layer by where its producers sit', () => {
    const flow = shelfFlow();
    expect(layoutFlow(buildFlowGraph(flow), 'horizontal')).toEqual(layoutFlow(buildFlowGraph(structuredClone(flow)), 'horizontal'));
    // x ← b, y ← a: in layer 1, y (fed by the first leaf) comes before x.
    const crossed = shelfFlow({
      steps: [step('a'), step('b'), step('x', { inputs: [{ step: 'b', perUnit: 1, unit: 'pcs' }] }), step('y', { inputs: [{ step: 'a', perUnit: 1, unit: 'pcs' }] }), step('z', { inputs: ['x', 'y'].map((s) => ({ step: s, perUnit: 1, unit: 'pcs' })) })],
      legs: [],
      handoffs: [],
    });
    const slots = Object.fromEntries(layoutFlow(buildFlowGraph(crossed), 'horizontal').boxes.map((b) => [b.key, [b.layer, b.slot]]));
    expect(slots).toMatchObject({ a: [0, 0], b: [0, 1], y: [1, 0], x: [1, 1], z: [2, 0] });
  });

  it('any recipe: every edge goes to a later layer, and no two boxes overlap, either way round', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }))),
        ([n, picks]) => {
          // Step i takes inputs only from earlier steps: a DAG, like every validated recipe.
          const steps = Array.from({ length: n }, (_, i) => step(`s${i}`, { inputs: i ? [...new Set(picks[i].map((p) => p % i))].map((j) => ({ step: `s${j}`, perUnit: 1, unit: 'pcs' })) : [] }));
          const g = buildFlowGraph(shelfFlow({ steps, legs: [], handoffs: [] }));
          for (const e of g.edges) expect(g.layers.get(e.from)!).toBeLessThan(g.layers.get(e.to)!);
          for (const o of ['horizontal', 'vertical'] as const) {
            const l = layoutFlow(g, o);
            expect(overlaps(l)).toBe(false);
            for (const b of l.boxes) expect(b.x + b.width <= l.width && b.y + b.height <= l.height && b.x >= 0 && b.y >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('flow words', () => {
  it('says lateness in rough units, and nothing when on time', () => {
    expect(lateWords(5 * 3_600_000)).toBe('late by 5 h');
    expect(lateWords(40 * 60_000)).toBe('late by 40 min');
    expect(lateWords(3 * 86_400_000 + 3_600_000)).toBe('late by 3 days');
    expect(lateWords(null)).toBeNull();
    expect(lateWords(0)).toBeNull();
  });

  it('links a photo only when it is a web address', () => {
    expect(safeUrl('https://photos.example.org/a.jpg')).toBe('https://photos.example.org/a.jpg');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('not a url')).toBeNull();
  });
});

describe('a flow without its steps’ inputs', () => {
  it('takes them from its saved recipe when every step is in it, else stays as it is', () => {
    const flow = shelfFlow();
    flow.steps = flow.steps.map(({ inputs: _, ...s }) => s);
    const recipe = { steps: [{ key: 'cut', inputs: [] }, { key: 'finish', inputs: [] }, { key: 'assemble', inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }, { step: 'finish', perUnit: 2, unit: 'pcs' }] }] };
    const g = buildFlowGraph(withRecipeInputs(flow, recipe));
    expect([g.inferred, g.edges.map((e) => e.key)]).toEqual([false, ['cut>assemble', 'finish>assemble', 'assemble>@recipient']]);
    expect(withRecipeInputs(flow, { steps: recipe.steps.slice(1) })).toBe(flow);
    expect(withRecipeInputs(flow, null)).toBe(flow);
    const given = shelfFlow();
    expect(withRecipeInputs(given, { steps: [] })).toBe(given);
  });
});
