/**
 * Recipes (issue 17): a small graph of steps, each consuming earlier steps' outputs. Pure rules:
 * validation with every problem named, the order to make steps in, quantities exploded backwards
 * from the output with scrap, lead times learned from past jobs, and the backward plan from a due
 * date. Quantities are integers; per-unit amounts (at most 3 decimals) are carried in integer
 * thousandths so no float rounding decides how many parts are made.
 */
import { RECIPE_MAX_INPUTS, RECIPE_MAX_STEPS } from '../../contracts/src/flows';
import type { Recipe, RecipeProblem, RecipeStep } from '../../contracts/src/flows';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SLUG_MAX = 64;
/** Largest quantity of one input per unit of output: above it the number is a typo, not a bill of materials. */
export const RECIPE_MAX_PER_UNIT = 1_000_000;
/** Longest declared lead time of one step: a year. */
export const RECIPE_MAX_LEAD_TIME_HOURS = 8760;
/** Learned lead times use at most this many of the latest samples, and need at least the minimum. */
export const LEAD_TIME_WINDOW = 20;
export const LEAD_TIME_MIN_SAMPLES = 3;
/** How a step's output travels when its recipe does not say. */
export const DEFAULT_FLOW_TYPE = 'crate';
const HOUR_MS = 3_600_000;

/** A step's place in a flow's backward plan. */
export interface StepPlan {
  key: string;
  good: number;
  start: number;
  leadTimeMs: number;
  leadTimeSource: 'declared' | 'learned';
  plannedStartAt: Date;
  plannedDoneAt: Date;
}

const isSlug = (s: unknown): boolean => typeof s === 'string' && s.length <= SLUG_MAX && SLUG.test(s);
const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
const stepsOf = (recipe: Recipe): RecipeStep[] => (Array.isArray(recipe?.steps) ? recipe.steps : []);
const inputsOf = (step: RecipeStep) => (Array.isArray(step?.inputs) ? step.inputs : []);

/** `perUnit` in integer thousandths, or null when it is not > 0, has more than 3 decimals, or is absurd. */
export function perUnitThousandths(perUnit: number): number | null {
  if (!finite(perUnit) || perUnit <= 0 || perUnit > RECIPE_MAX_PER_UNIT) return null;
  const scaled = perUnit * 1000;
  const th = Math.round(scaled);
  // 1.005 * 1000 = 1004.9999999999999: allow float noise, not a fourth decimal.
  if (th < 1 || Math.abs(scaled - th) > 1e-6) return null;
  return th;
}

/**
 * Everything wrong with a recipe, in a fixed order: recipe size first, then each step in listed
 * order (its key, capability and flow type, duplicate key, inputs count, lead time, scrap rate,
 * then each input in order), then cycles (ordered by their first listed step), then the output.
 * Graph checks use the first step of each key and skip inputs already reported.
 *
 * The output step is the step no other step consumes. When several steps are consumed by none,
 * one `several_output_steps` names them all and the last listed of them is read as the intended
 * output: each of the others also gets `unused_step` (wire it into a later step or remove it).
 * No step consumed by none (only possible with a cycle) → `no_output_step`.
 */
export function validateRecipe(recipe: Recipe): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  const steps = stepsOf(recipe);
  if (steps.length === 0) {
    return [{ code: 'no_output_step', detail: 'a recipe needs at least one step' }];
  }
  if (steps.length > RECIPE_MAX_STEPS) {
    problems.push({ code: 'too_many_steps', detail: `a recipe has at most ${RECIPE_MAX_STEPS} steps; this one has ${steps.length}` });
  }

  // The first step of each key is the node of the graph; later ones are reported as duplicates.
  const byKey = new Map<string, number>();
  steps.forEach((s, i) => {
    if (typeof s?.key === 'string' && !byKey.has(s.key)) byKey.set(s.key, i);
  });
  // edges[i] = listed indexes of the steps consuming step i (each consumer once).
  const consumers: number[][] = steps.map(() => []);

  steps.forEach((step, i) => {
    const key = String(step?.key);
    if (!isSlug(step?.key)) {
      problems.push({ code: 'bad_slug', step: key, detail: `step key \`${key}\` must be a lower-case slug such as \`cut\` (a-z, 0-9 and single dashes, at most ${SLUG_MAX})` });
    }
    if (!isSlug(step?.capability)) {
      problems.push({ code: 'bad_slug', step: key, detail: `capability \`${String(step?.capability)}\` of step \`${key}\` must be a lower-case slug such as \`cnc-milling\`` });
    }
    if (step?.flowType !== undefined && step.flowType !== null && !isSlug(step.flowType)) {
      problems.push({ code: 'bad_slug', step: key, detail: `flow type \`${String(step.flowType)}\` of step \`${key}\` must be a lower-case slug such as \`crate\`` });
    }
    const first = byKey.get(key);
    const isFirst = first === i;
    if (!isFirst) {
      problems.push({ code: 'duplicate_step', step: key, detail: `step key \`${key}\` is used by steps ${(first ?? 0) + 1} and ${i + 1}: keys must be unique` });
    }
    const inputs = inputsOf(step);
    if (inputs.length > RECIPE_MAX_INPUTS) {
      problems.push({ code: 'too_many_inputs', step: key, detail: `step \`${key}\` has ${inputs.length} inputs; a step has at most ${RECIPE_MAX_INPUTS}` });
    }
    const lead = step?.leadTimeHours;
    if (!finite(lead) || lead <= 0 || lead > RECIPE_MAX_LEAD_TIME_HOURS) {
      problems.push({ code: 'bad_lead_time', step: key, detail: `lead time of step \`${key}\` must be more than 0 and at most ${RECIPE_MAX_LEAD_TIME_HOURS} hours; it is ${String(lead)}` });
    }
    const scrap = step?.scrapRate;
    if (scrap !== undefined && scrap !== null && (!finite(scrap) || scrap < 0 || scrap >= 0.5)) {
      problems.push({ code: 'bad_scrap_rate', step: key, detail: `scrap rate of step \`${key}\` must be at least 0 and less than 0.5; it is ${String(scrap)}` });
    }
    const seen = new Set<string>();
    for (const input of inputs) {
      const from = String(input?.step);
      if (from === key) {
        problems.push({ code: 'self_input', step: key, detail: `step \`${key}\` consumes its own output` });
        continue;
      }
      const producer = byKey.get(from);
      if (producer === undefined) {
        problems.push({ code: 'unknown_input', step: key, detail: `step \`${key}\` consumes \`${from}\`, which no step of the recipe makes` });
        continue;
      }
      if (seen.has(from)) {
        problems.push({ code: 'duplicate_input', step: key, detail: `step \`${key}\` lists input \`${from}\` more than once: give it once with the whole quantity per unit` });
        continue;
      }
      seen.add(from);
      const unit = steps[producer]?.produces?.unit;
      if (input?.unit !== unit) {
        problems.push({ code: 'unit_mismatch', step: key, detail: `step \`${key}\` counts input \`${from}\` in \`${String(input?.unit)}\` but \`${from}\` makes \`${String(unit)}\`` });
      }
      if (perUnitThousandths(input?.perUnit) === null) {
        problems.push({ code: 'bad_quantity', step: key, detail: `step \`${key}\` takes ${String(input?.perUnit)} of \`${from}\` per unit: it must be more than 0, at most ${RECIPE_MAX_PER_UNIT}, with at most 3 decimals` });
      }
      // Duplicate steps stay out of the graph: their key already stands for the first of them.
      if (isFirst) consumers[producer].push(i);
    }
  });

  for (const cycle of cycles(steps, consumers)) {
    const path = [...cycle, cycle[0]].map((i) => steps[i].key).join(' → ');
    problems.push({ code: 'cycle', step: steps[cycle[0]].key, detail: `steps ${cycle.map((i) => `\`${steps[i].key}\``).join(', ')} form a cycle: ${path}` });
  }

  const sinks = [...byKey.values()].sort((a, b) => a - b).filter((i) => consumers[i].length === 0);
  if (sinks.length === 0) {
    problems.push({ code: 'no_output_step', detail: 'every step is consumed by another, so nothing is left to deliver: the output step must be consumed by none' });
  } else if (sinks.length > 1) {
    const names = sinks.map((i) => `\`${steps[i].key}\``).join(', ');
    const output = steps[sinks[sinks.length - 1]].key;
    problems.push({ code: 'several_output_steps', detail: `steps ${names} are consumed by no step; a recipe has exactly one output step (read as \`${output}\`, the last listed)` });
    for (const i of sinks.slice(0, -1)) {
      problems.push({ code: 'unused_step', step: steps[i].key, detail: `the output of step \`${steps[i].key}\` goes into no step: use it as an input of a later step or remove it` });
    }
  }
  return problems;
}

/**
 * One concrete cycle per strongly connected component of more than one step (Tarjan), each
 * starting at its first listed step and following producer → consumer, components ordered by
 * that step. Iterative, so a hostile recipe cannot blow the stack.
 */
function cycles(steps: RecipeStep[], consumers: number[][]): number[][] {
  const n = steps.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, next] = frame;
      if (next < consumers[v].length) {
        frame[1]++;
        const w = consumers[v][next];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components.sort((a, b) => a[0] - b[0]).map((component) => cycleThrough(component, consumers));
}

/** A shortest cycle through the component's first step (breadth-first inside the component). */
function cycleThrough(component: number[], consumers: number[][]): number[] {
  const inside = new Set(component);
  const start = component[0];
  const parent = new Map<number, number>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of consumers[v]) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let u = v; u !== start; u = parent.get(u)!) path.push(parent.get(u)!);
        return path.reverse();
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return component; // unreachable for a strongly connected component
}

function consumerIndexes(steps: RecipeStep[]): number[][] {
  const byKey = new Map(steps.map((s, i) => [s.key, i] as const));
  const consumers: number[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    for (const input of inputsOf(s)) {
      const p = byKey.get(input.step);
      if (p !== undefined && p !== i && !consumers[p].includes(i)) consumers[p].push(i);
    }
  });
  return consumers;
}

/** The step consumed by no other (the last listed of them). Valid recipes only: throws on a recipe with none. */
export function outputStep(recipe: Recipe): RecipeStep {
  const steps = stepsOf(recipe);
  const consumers = consumerIndexes(steps);
  for (let i = steps.length - 1; i >= 0; i--) if (consumers[i].length === 0) return steps[i];
  throw new Error(`recipe ${recipe?.name} has no output step`);
}

/**
 * Producers before consumers; among steps ready at the same time, the one listed first (so a
 * recipe listed in a valid order comes back as listed). Valid recipes only: throws on a cycle.
 */
export function topoOrder(recipe: Recipe): RecipeStep[] {
  const steps = stepsOf(recipe);
  const consumers = consumerIndexes(steps);
  const waiting = steps.map(() => 0);
  consumers.forEach((cs) => cs.forEach((c) => waiting[c]++));
  const done = steps.map(() => false);
  const order: RecipeStep[] = [];
  while (order.length < steps.length) {
    const next = waiting.findIndex((w, i) => w === 0 && !done[i]);
    if (next === -1) throw new Error(`recipe ${recipe?.name} has a cycle`);
    done[next] = true;
    order.push(steps[next]);
    for (const c of consumers[next]) waiting[c]--;
  }
  return order;
}

/** Units to start so that `good` survive a scrap rate s: the least n with n·(1 − s) ≥ good. */
export function startFor(good: number, scrapRate = 0): number {
  if (!scrapRate) return good;
  // In integer billionths: ceil(good / (1 − s)) without 21 / (1 − 0.3) = 30.000000000000004 → 31.
  const s = BigInt(Math.round(scrapRate * 1e9));
  const scale = 1_000_000_000n;
  return toSafe((BigInt(good) * scale + (scale - s) - 1n) / (scale - s));
}

function toSafe(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('recipe quantities are too large to count');
  return Number(n);
}

/**
 * Good and start quantities of every step for `quantity` good units of the output: backwards from
 * the output, a producer makes ceil(Σ over its consumers of consumer.start × perUnit) good units
 * and starts ceil(good / (1 − scrapRate)). Valid recipes only; integers ≥ 1.
 */
export function explode(recipe: Recipe, quantity: number): Record<string, { good: number; start: number }> {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RangeError(`quantity must be a whole number of at least 1; it is ${quantity}`);
  const order = topoOrder(recipe);
  const out = outputStep(recipe);
  // Needs in thousandths of a unit, summed exactly.
  const need = new Map<string, bigint>([[out.key, BigInt(quantity) * 1000n]]);
  const result: Record<string, { good: number; start: number }> = {};
  for (let i = order.length - 1; i >= 0; i--) {
    const step = order[i];
    const th = need.get(step.key) ?? 0n;
    const good = toSafe((th + 999n) / 1000n);
    const start = startFor(good, step.scrapRate);
    result[step.key] = { good, start };
    for (const input of inputsOf(step)) {
      const per = perUnitThousandths(input.perUnit);
      if (per === null) throw new RangeError(`step ${step.key}: bad perUnit ${input.perUnit}`);
      need.set(input.step, (need.get(input.step) ?? 0n) + BigInt(start) * BigInt(per));
    }
  }
  return result;
}

/**
 * A lead time: the median of the latest (at most 20) samples when there are at least 3, else the
 * declared one. The caller passes samples newest first; unusable ones (negative, not finite) are
 * left out. An even window takes the mean of its middle two, rounded to a whole ms.
 */
export function learnedLeadTime(declaredMs: number, samplesMs: number[]): { ms: number; source: 'declared' | 'learned' } {
  const window = (Array.isArray(samplesMs) ? samplesMs : []).filter((s) => finite(s) && s >= 0).slice(0, LEAD_TIME_WINDOW);
  if (window.length < LEAD_TIME_MIN_SAMPLES) return { ms: declaredMs, source: 'declared' };
  const sorted = [...window].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const ms = sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  return { ms, source: 'learned' };
}

/**
 * The backward plan of a flow: the output step is done by `dueAt` minus the transport allowance of
 * its flow type (to the recipient); every other step is done by the earliest of its consumers'
 * planned starts minus the allowance of its own flow type; a step starts its lead time before it
 * is done. Lead times and allowances are learned from samples (see `learnedLeadTime`). In
 * `topoOrder`. Valid recipes only.
 */
export function planFlow(
  recipe: Recipe,
  quantity: number,
  dueAt: Date,
  opts: { stepSamplesMs?: Record<string, number[]>; transportSamplesMs?: Record<string, number[]>; transportDeclaredMs: number },
): StepPlan[] {
  const order = topoOrder(recipe);
  const out = outputStep(recipe);
  const quantities = explode(recipe, quantity);
  const allowances = new Map<string, number>();
  const allowance = (flowType: string | undefined): number => {
    const type = flowType || DEFAULT_FLOW_TYPE;
    let ms = allowances.get(type);
    if (ms === undefined) {
      ms = learnedLeadTime(opts.transportDeclaredMs, own(opts.transportSamplesMs, type)).ms;
      allowances.set(type, ms);
    }
    return ms;
  };
  const consumersOf = new Map<string, RecipeStep[]>();
  for (const step of order) for (const input of inputsOf(step)) consumersOf.set(input.step, [...(consumersOf.get(input.step) ?? []), step]);

  const plans = new Map<string, StepPlan>();
  for (let i = order.length - 1; i >= 0; i--) {
    const step = order[i];
    const lead = learnedLeadTime(Math.round(step.leadTimeHours * HOUR_MS), own(opts.stepSamplesMs, step.capability));
    const travel = allowance(step.flowType);
    const doneMs =
      step.key === out.key
        ? dueAt.getTime() - travel
        : Math.min(...(consumersOf.get(step.key) ?? []).map((c) => plans.get(c.key)!.plannedStartAt.getTime() - travel));
    plans.set(step.key, {
      key: step.key,
      ...quantities[step.key],
      leadTimeMs: lead.ms,
      leadTimeSource: lead.source,
      plannedStartAt: new Date(doneMs - lead.ms),
      plannedDoneAt: new Date(doneMs),
    });
  }
  return order.map((s) => plans.get(s.key)!);
}

/** Samples of one key, without reaching into the prototype (`constructor`, `__proto__`). */
function own(samples: Record<string, number[]> | undefined, key: string): number[] {
  return samples && Object.prototype.hasOwnProperty.call(samples, key) ? samples[key] : [];
}

/** How late a step is or was: done after its planned time, or not done and past it. Null = not late. */
export function lateByMs(plannedDoneAt: Date, doneAt: Date | null, now: Date): number | null {
  const late = (doneAt ?? now).getTime() - plannedDoneAt.getTime();
  return late > 0 ? late : null;
}
