import fc from 'fast-check';
import { RECIPE_MAX_INPUTS, RECIPE_MAX_STEPS } from '../../contracts/src/flows';
import type { Recipe, RecipeStep } from '../../contracts/src/flows';
import { explode, lateByMs, learnedLeadTime, outputStep, planFlow, startFor, topoOrder, validateRecipe } from './recipes';

const HOUR = 3_600_000;
const step = (key: string, over: Partial<RecipeStep> = {}): RecipeStep => ({
  key,
  capability: 'cnc-milling',
  produces: { item: key, unit: 'pcs' },
  inputs: [],
  leadTimeHours: 10,
  ...over,
});
const input = (from: string, perUnit = 1, unit = 'pcs') => ({ step: from, perUnit, unit });
const recipe = (...steps: RecipeStep[]): Recipe => ({ name: 'r', steps });
const codes = (r: Recipe) => validateRecipe(r).map((p) => p.code);

/** cut → finish → assemble, assemble also taking 4 screws per unit straight from cut's bar stock. */
const threeStep = recipe(
  step('cut', { produces: { item: 'blank', unit: 'pcs' }, scrapRate: 0.1, leadTimeHours: 8, flowType: 'pallet' }),
  step('finish', { capability: 'finishing', produces: { item: 'panel', unit: 'pcs' }, inputs: [input('cut', 1)], scrapRate: 0.05, leadTimeHours: 4 }),
  step('assemble', { capability: 'assembly', produces: { item: 'cabinet', unit: 'pcs' }, inputs: [input('finish', 2), input('cut', 0.5)], leadTimeHours: 6 }),
);

describe('validateRecipe', () => {
  it('accepts the three-step recipe', () => {
    expect(validateRecipe(threeStep)).toEqual([]);
  });

  it('refuses an empty recipe and one with too many steps', () => {
    expect(codes(recipe())).toEqual(['no_output_step']);
    const chain = Array.from({ length: RECIPE_MAX_STEPS + 1 }, (_, i) => step(`s${i}`, { inputs: i ? [input(`s${i - 1}`)] : [] }));
    expect(codes(recipe(...chain))).toEqual(['too_many_steps']);
    expect(codes(recipe(...chain.slice(0, RECIPE_MAX_STEPS)))).toEqual([]);
  });

  it('names duplicate keys, too many inputs, bad lead times and scrap rates', () => {
    expect(validateRecipe(recipe(step('a'), step('a', { inputs: [input('a')] })))).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'duplicate_step', step: 'a' })]),
    );
    const leaves = Array.from({ length: RECIPE_MAX_INPUTS + 1 }, (_, i) => step(`l${i}`));
    expect(codes(recipe(...leaves, step('top', { inputs: leaves.map((l) => input(l.key)) })))).toEqual(['too_many_inputs']);
    for (const leadTimeHours of [0, -1, 8761, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codes(recipe(step('a', { leadTimeHours })))).toEqual(['bad_lead_time']);
    }
    expect(codes(recipe(step('a', { leadTimeHours: 8760 })))).toEqual([]);
    for (const scrapRate of [-0.01, 0.5, 0.9, Number.NaN]) {
      expect(codes(recipe(step('a', { scrapRate })))).toEqual(['bad_scrap_rate']);
    }
    expect(codes(recipe(step('a', { scrapRate: 0 })))).toEqual([]);
    expect(codes(recipe(step('a', { scrapRate: 0.499 })))).toEqual([]);
  });

  it('wants slugs for keys, capabilities and flow types', () => {
    expect(codes(recipe(step('Cut')))).toEqual(['bad_slug']);
    expect(codes(recipe(step('cut', { capability: 'CNC milling' })))).toEqual(['bad_slug']);
    expect(codes(recipe(step('cut', { flowType: 'cold chain' })))).toEqual(['bad_slug']);
    expect(codes(recipe(step('a-b-2', { flowType: 'cold-chain' })))).toEqual([]);
  });

  it('names inputs that are the step itself, unknown, repeated, in the wrong unit or of a bad quantity', () => {
    expect(validateRecipe(recipe(step('a', { inputs: [input('a')] })))).toEqual([{ code: 'self_input', step: 'a', detail: 'step `a` consumes its own output' }]);
    expect(validateRecipe(recipe(step('a', { inputs: [input('ghost')] })))).toEqual([expect.objectContaining({ code: 'unknown_input', step: 'a' })]);
    expect(codes(recipe(step('a'), step('b', { inputs: [input('a'), input('a')] })))).toEqual(['duplicate_input']);
    expect(validateRecipe(recipe(step('a'), step('b', { inputs: [input('a', 1, 'kg')] })))).toEqual([
      { code: 'unit_mismatch', step: 'b', detail: 'step `b` counts input `a` in `kg` but `a` makes `pcs`' },
    ]);
    for (const perUnit of [0, -1, 0.0001, 1.2345, 1e6 + 1, Number.NaN]) {
      expect(codes(recipe(step('a'), step('b', { inputs: [input('a', perUnit)] })))).toEqual(['bad_quantity']);
    }
    for (const perUnit of [0.001, 1.005, 2.5, 1e6]) {
      expect(codes(recipe(step('a'), step('b', { inputs: [input('a', perUnit)] })))).toEqual([]);
    }
  });

  it('names the steps on a cycle, in order, and says nothing is left to deliver when all are consumed', () => {
    const r = recipe(step('a', { inputs: [input('c')] }), step('b', { inputs: [input('a')] }), step('c', { inputs: [input('b')] }));
    expect(validateRecipe(r)).toEqual([
      { code: 'cycle', step: 'a', detail: 'steps `a`, `b`, `c` form a cycle: a → b → c → a' },
      expect.objectContaining({ code: 'no_output_step' }),
    ]);
    // A cycle beside a sound output: only the cycle.
    const r2 = recipe(step('x', { inputs: [input('y')] }), step('y', { inputs: [input('x')] }), step('out', { inputs: [input('y')] }));
    expect(validateRecipe(r2)).toEqual([{ code: 'cycle', step: 'x', detail: 'steps `x`, `y` form a cycle: x → y → x' }]);
  });

  it('names several output steps and marks all but the last listed as unused', () => {
    const r = recipe(step('a'), step('b'), step('c', { inputs: [input('a')] }), step('d'));
    expect(validateRecipe(r)).toEqual([
      { code: 'several_output_steps', detail: 'steps `b`, `c`, `d` are consumed by no step; a recipe has exactly one output step (read as `d`, the last listed)' },
      expect.objectContaining({ code: 'unused_step', step: 'b' }),
      expect.objectContaining({ code: 'unused_step', step: 'c' }),
    ]);
  });

  it('does not throw on hostile shapes', () => {
    const hostile = [{ name: 'x', steps: [null, { key: 'a' }, { key: 'b', inputs: [null, { step: 'a' }] }] }, { name: 'x' }, { name: 'x', steps: 'nope' }];
    for (const h of hostile) expect(() => validateRecipe(h as unknown as Recipe)).not.toThrow();
  });
});

describe('the three-step example', () => {
  it('orders, picks the output, explodes with scrap', () => {
    expect(topoOrder(threeStep).map((s) => s.key)).toEqual(['cut', 'finish', 'assemble']);
    expect(outputStep(threeStep).key).toBe('assemble');
    // 10 cabinets: 20 panels → start ceil(20 / 0.95) = 22 finishes; cut good = 22 + 5 = 27, start ceil(27 / 0.9) = 30.
    expect(explode(threeStep, 10)).toEqual({ assemble: { good: 10, start: 10 }, finish: { good: 20, start: 22 }, cut: { good: 27, start: 30 } });
  });

  it('plans backwards from the due date', () => {
    const due = new Date('2027-01-10T12:00:00Z');
    const plan = planFlow(threeStep, 10, due, { transportDeclaredMs: 2 * HOUR, stepSamplesMs: { finishing: [1 * HOUR, 3 * HOUR, 2 * HOUR] }, transportSamplesMs: { pallet: [5 * HOUR, 5 * HOUR, 5 * HOUR, 99] } });
    const at = (h: number) => new Date(due.getTime() - h * HOUR);
    expect(plan).toEqual([
      // cut (pallet, learned 5 h): min(finish start, assemble start) − 5 h = min(−12, −8) − 5 = −17 h; lead 8 h.
      { key: 'cut', good: 27, start: 30, leadTimeMs: 8 * HOUR, leadTimeSource: 'declared', plannedStartAt: at(25), plannedDoneAt: at(17) },
      // finish: assemble start − 2 h (crate) = −10 h; learned lead 2 h.
      { key: 'finish', good: 20, start: 22, leadTimeMs: 2 * HOUR, leadTimeSource: 'learned', plannedStartAt: at(12), plannedDoneAt: at(10) },
      { key: 'assemble', good: 10, start: 10, leadTimeMs: 6 * HOUR, leadTimeSource: 'declared', plannedStartAt: at(8), plannedDoneAt: at(2) },
    ]);
  });
});

describe('explode arithmetic', () => {
  it('starts the least count that leaves enough good parts, without float noise', () => {
    expect(startFor(21, 0.3)).toBe(30); // 21 / (1 - 0.3) = 30.000000000000004 in floats
    expect(startFor(17, 0.32)).toBe(25);
    expect(startFor(1, 0)).toBe(1);
    expect(startFor(1, 0.499)).toBe(2);
    expect(startFor(100, 0.1)).toBe(112);
  });

  it('sums per-unit amounts in thousandths', () => {
    // 3 × 0.1 = 0.30000000000000004 in floats: still 1 part, and 10 × 0.3 is exactly 3.
    const r = recipe(step('a'), step('b', { inputs: [input('a', 0.1)] }));
    expect(explode(r, 3).a.good).toBe(1);
    expect(explode(recipe(step('a'), step('b', { inputs: [input('a', 0.3)] })), 10).a.good).toBe(3);
  });

  it('refuses a quantity that is not a whole number of at least 1', () => {
    expect(() => explode(threeStep, 0)).toThrow(RangeError);
    expect(() => explode(threeStep, 1.5)).toThrow(RangeError);
  });
});

describe('learnedLeadTime and lateByMs', () => {
  it('uses the declared time below 3 samples, then the median of the latest 20', () => {
    expect(learnedLeadTime(500, [])).toEqual({ ms: 500, source: 'declared' });
    expect(learnedLeadTime(500, [1, 2])).toEqual({ ms: 500, source: 'declared' });
    expect(learnedLeadTime(500, [9, 1, 4])).toEqual({ ms: 4, source: 'learned' });
    expect(learnedLeadTime(500, [1, 2, 3, 4])).toEqual({ ms: 3, source: 'learned' }); // (2 + 3) / 2 rounded
    // Newest first: the 21st and older samples no longer count.
    expect(learnedLeadTime(500, [...Array(20).fill(10), 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9])).toEqual({ ms: 10, source: 'learned' });
  });

  it('is late only after the planned time', () => {
    const planned = new Date('2027-01-01T00:00:00Z');
    expect(lateByMs(planned, null, new Date('2027-01-01T05:00:00Z'))).toBe(5 * HOUR);
    expect(lateByMs(planned, null, planned)).toBeNull();
    expect(lateByMs(planned, new Date('2026-12-31T00:00:00Z'), new Date('2027-02-01T00:00:00Z'))).toBeNull();
    expect(lateByMs(planned, new Date('2027-01-01T01:00:00Z'), new Date('2027-02-01T00:00:00Z'))).toBe(HOUR);
  });
});

// --- Properties --------------------------------------------------------------------------------

const flowTypes = ['crate', 'pallet', 'cold-chain'];
const capabilities = ['cutting', 'finishing', 'assembly'];

/**
 * A valid recipe: n steps listed in a shuffled order; step i may consume only steps j < i in the
 * hidden order, and each step but the last is consumed by some later one, so the last is the only
 * output.
 */
const validRecipe = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      extra: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      parent: fc.array(fc.nat(), { minLength: n, maxLength: n }),
      perUnit: fc.array(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      scrap: fc.array(fc.option(fc.integer({ min: 0, max: 499 }), { nil: undefined }), { minLength: n, maxLength: n }),
      lead: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: n, maxLength: n }),
      flow: fc.array(fc.option(fc.constantFrom(...flowTypes), { nil: undefined }), { minLength: n, maxLength: n }),
      cap: fc.array(fc.constantFrom(...capabilities), { minLength: n, maxLength: n }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  )
  .map(({ n, extra, parent, perUnit, scrap, lead, flow, cap, order }) => {
    const uses: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
    for (let j = 0; j < n - 1; j++) uses[j + 1 + (parent[j] % (n - 1 - j))].add(j); // j consumed by a later step
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (extra[i][j] && uses[i].size < RECIPE_MAX_INPUTS) uses[i].add(j);
    const steps = Array.from({ length: n }, (_, i) =>
      step(`s${i}`, {
        capability: cap[i],
        produces: { item: `item-${i}`, unit: i % 2 ? 'pcs' : 'kg' },
        inputs: [...uses[i]].sort((a, b) => a - b).map((j) => input(`s${j}`, perUnit[i][j] / 1000, j % 2 ? 'pcs' : 'kg')),
        scrapRate: scrap[i] === undefined ? undefined : scrap[i] / 1000,
        leadTimeHours: lead[i],
        flowType: flow[i],
      }),
    );
    return recipe(...order.map((i) => steps[i]));
  });

describe('properties', () => {
  it('valid random DAGs validate clean, order producers first, and have the last hidden step as output', () => {
    fc.assert(
      fc.property(validRecipe, (r) => {
        expect(validateRecipe(r)).toEqual([]);
        const order = topoOrder(r).map((s) => s.key);
        expect([...order].sort()).toEqual(r.steps.map((s) => s.key).sort());
        const pos = new Map(order.map((k, i) => [k, i]));
        for (const s of r.steps) for (const inp of s.inputs) expect(pos.get(inp.step)!).toBeLessThan(pos.get(s.key)!);
        expect(outputStep(r).key).toBe(`s${r.steps.length - 1}`);
      }),
    );
  });

  it('a back edge makes a cycle', () => {
    fc.assert(
      fc.property(
        validRecipe.filter((r) => r.steps.some((s) => s.inputs.length > 0)),
        fc.nat(),
        (r, pick) => {
          // Take an edge producer → consumer and make the producer consume the consumer too.
          const consumers = r.steps.filter((s) => s.inputs.length > 0);
          const consumer = consumers[pick % consumers.length];
          const producerKey = consumer.inputs[pick % consumer.inputs.length].step;
          const steps = r.steps.map((s) => (s.key === producerKey ? { ...s, inputs: [...s.inputs, input(consumer.key, 1, consumer.produces.unit)] } : s));
          const problems = validateRecipe({ ...r, steps });
          const cycle = problems.find((p) => p.code === 'cycle');
          expect(cycle).toBeDefined();
          expect(cycle!.detail).toContain(`\`${producerKey}\``);
          expect(cycle!.detail).toContain(`\`${consumer.key}\``);
          // The output consumed by the back edge leaves no step to deliver.
          const others = consumer.key === outputStep(r).key ? ['no_output_step'] : [];
          expect(problems.filter((p) => p.code !== 'cycle' && p.code !== 'too_many_inputs').map((p) => p.code)).toEqual(others);
        },
      ),
    );
  });

  it('explode: start ≥ good ≥ 1, and each producer makes its consumers’ need and less than one unit more', () => {
    fc.assert(
      fc.property(validRecipe, fc.integer({ min: 1, max: 10_000 }), (r, qty) => {
        const q = explode(r, qty);
        for (const s of r.steps) {
          const { good, start } = q[s.key];
          expect(Number.isInteger(good) && Number.isInteger(start)).toBe(true);
          expect(good).toBeGreaterThanOrEqual(1);
          expect(start).toBeGreaterThanOrEqual(good);
          // Enough starts to survive the scrap, and one fewer would not be.
          const keep = 1 - (s.scrapRate ?? 0);
          expect(start * keep).toBeGreaterThanOrEqual(good - 1e-9);
          expect((start - 1) * keep).toBeLessThan(good);
        }
        const out = outputStep(r);
        expect(q[out.key].good).toBe(qty);
        for (const producer of r.steps) {
          if (producer.key === out.key) continue;
          // Need in thousandths, exact.
          let need = 0;
          for (const c of r.steps) for (const inp of c.inputs) if (inp.step === producer.key) need += q[c.key].start * Math.round(inp.perUnit * 1000);
          expect(q[producer.key].good * 1000).toBeGreaterThanOrEqual(need);
          expect(q[producer.key].good * 1000).toBeLessThan(need + 1000);
        }
      }),
    );
  });

  it('planFlow: every producer is done by each consumer’s start less its allowance, the output by due less its allowance', () => {
    const samples = fc.array(fc.integer({ min: 0, max: 100 * HOUR }), { maxLength: 25 });
    fc.assert(
      fc.property(
        validRecipe,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 48 * HOUR }),
        fc.dictionary(fc.constantFrom(...capabilities), samples),
        fc.dictionary(fc.constantFrom(...flowTypes), samples),
        (r, qty, transportDeclaredMs, stepSamplesMs, transportSamplesMs) => {
          const due = new Date('2027-06-01T00:00:00Z');
          const plan = planFlow(r, qty, due, { transportDeclaredMs, stepSamplesMs, transportSamplesMs });
          expect(plan.map((p) => p.key)).toEqual(topoOrder(r).map((s) => s.key));
          const byKey = new Map(plan.map((p) => [p.key, p]));
          const allowance = (s: RecipeStep) => learnedLeadTime(transportDeclaredMs, transportSamplesMs[s.flowType ?? 'crate'] ?? []).ms;
          for (const s of r.steps) {
            const p = byKey.get(s.key)!;
            expect(p.plannedDoneAt.getTime() - p.plannedStartAt.getTime()).toBe(p.leadTimeMs);
            expect(p.leadTimeMs).toBe(learnedLeadTime(s.leadTimeHours * HOUR, stepSamplesMs[s.capability] ?? []).ms);
            for (const inp of s.inputs) {
              const producer = r.steps.find((x) => x.key === inp.step)!;
              expect(byKey.get(producer.key)!.plannedDoneAt.getTime()).toBeLessThanOrEqual(p.plannedStartAt.getTime() - allowance(producer));
            }
          }
          const out = outputStep(r);
          expect(byKey.get(out.key)!.plannedDoneAt.getTime()).toBe(due.getTime() - allowance(out));
        },
      ),
    );
  });

  it('learnedLeadTime lies within the window it learns from', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { maxLength: 40 }), (declared, samples) => {
        const { ms, source } = learnedLeadTime(declared, samples);
        const window = samples.slice(0, 20);
        if (samples.length < 3) {
          expect({ ms, source }).toEqual({ ms: declared, source: 'declared' });
        } else {
          expect(source).toBe('learned');
          expect(ms).toBeGreaterThanOrEqual(Math.min(...window));
          expect(ms).toBeLessThanOrEqual(Math.max(...window));
        }
      }),
    );
  });
});
