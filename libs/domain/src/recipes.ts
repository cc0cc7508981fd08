/**
 * INTERIM copy (slice B) of slice A's recipe rules, with the signatures of the issue-17 plan, so
 * the API can be built before slice A is merged. Replaced by slice A's file on merge (take theirs).
 */
import type { Recipe, RecipeProblem, RecipeStep } from '../../contracts/src/flows';

export interface StepPlan {
  key: string;
  good: number;
  start: number;
  leadTimeMs: number;
  leadTimeSource: 'declared' | 'learned';
  plannedStartAt: Date;
  plannedDoneAt: Date;
}

const HOUR = 3_600_000;

export function validateRecipe(recipe: Recipe): RecipeProblem[] {
  const problems: RecipeProblem[] = [];
  const steps = recipe.steps ?? [];
  const byKey = new Map<string, RecipeStep>();
  for (const s of steps) {
    if (byKey.has(s.key)) problems.push({ code: 'duplicate_step', step: s.key, detail: `step ${s.key} is defined twice` });
    byKey.set(s.key, s);
  }
  for (const s of steps) {
    for (const i of s.inputs) {
      if (i.step === s.key) problems.push({ code: 'self_input', step: s.key, detail: `step ${s.key} consumes its own output` });
      const p = byKey.get(i.step);
      if (!p) problems.push({ code: 'unknown_input', step: s.key, detail: `step ${s.key} consumes ${i.step}, which no step produces` });
      else if (p.produces.unit !== i.unit) problems.push({ code: 'unit_mismatch', step: s.key, detail: `step ${s.key} takes ${i.step} in ${i.unit}, but ${i.step} produces ${p.produces.unit}` });
    }
  }
  const cyc = cycleSteps(steps, byKey);
  if (cyc.length) problems.push({ code: 'cycle', step: cyc[0], detail: `steps ${cyc.join(' → ')} form a cycle` });
  const consumed = new Set(steps.flatMap((s) => s.inputs.map((i) => i.step)));
  const outputs = steps.filter((s) => !consumed.has(s.key));
  if (steps.length && outputs.length === 0 && !cyc.length) problems.push({ code: 'no_output_step', detail: 'every step is consumed by another: no step makes the output' });
  if (outputs.length > 1) problems.push({ code: 'several_output_steps', detail: `steps ${outputs.map((s) => s.key).join(', ')} are consumed by none` });
  return problems;
}

function cycleSteps(steps: RecipeStep[], byKey: Map<string, RecipeStep>): string[] {
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  let found: string[] = [];
  const visit = (k: string): boolean => {
    if (state.get(k) === 2) return false;
    if (state.get(k) === 1) {
      found = path.slice(path.indexOf(k));
      return true;
    }
    state.set(k, 1);
    path.push(k);
    for (const i of byKey.get(k)?.inputs ?? []) if (byKey.has(i.step) && i.step !== k && visit(i.step)) return true;
    path.pop();
    state.set(k, 2);
    return false;
  };
  for (const s of steps) if (visit(s.key)) break;
  return found;
}

export function outputStep(recipe: Recipe): RecipeStep {
  const consumed = new Set(recipe.steps.flatMap((s) => s.inputs.map((i) => i.step)));
  const out = recipe.steps.find((s) => !consumed.has(s.key));
  if (!out) throw new Error('recipe has no output step');
  return out;
}

export function topoOrder(recipe: Recipe): RecipeStep[] {
  const done = new Set<string>();
  const out: RecipeStep[] = [];
  while (out.length < recipe.steps.length) {
    const next = recipe.steps.find((s) => !done.has(s.key) && s.inputs.every((i) => done.has(i.step)));
    if (!next) throw new Error('recipe has a cycle');
    done.add(next.key);
    out.push(next);
  }
  return out;
}

export function explode(recipe: Recipe, quantity: number): Record<string, { good: number; start: number }> {
  const order = topoOrder(recipe).reverse();
  const good: Record<string, number> = {};
  const out: Record<string, { good: number; start: number }> = {};
  good[outputStep(recipe).key] = quantity;
  for (const s of order) {
    const g = Math.max(1, Math.ceil(good[s.key] ?? 0));
    const start = Math.ceil(g / (1 - (s.scrapRate ?? 0)));
    out[s.key] = { good: g, start };
    for (const i of s.inputs) good[i.step] = (good[i.step] ?? 0) + start * i.perUnit;
  }
  return out;
}

export function learnedLeadTime(declaredMs: number, samplesMs: number[]): { ms: number; source: 'declared' | 'learned' } {
  const latest = samplesMs.slice(0, 20);
  if (latest.length < 3) return { ms: declaredMs, source: 'declared' };
  const s = [...latest].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { ms: Math.round(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2), source: 'learned' };
}

export function planFlow(
  recipe: Recipe,
  quantity: number,
  dueAt: Date,
  opts: { stepSamplesMs?: Record<string, number[]>; transportSamplesMs?: Record<string, number[]>; transportDeclaredMs: number },
): StepPlan[] {
  const q = explode(recipe, quantity);
  const allowance = (flowType: string | undefined) => learnedLeadTime(opts.transportDeclaredMs, opts.transportSamplesMs?.[flowType ?? 'crate'] ?? []).ms;
  const plans = new Map<string, StepPlan>();
  const out = outputStep(recipe);
  for (const s of topoOrder(recipe).reverse()) {
    const lead = learnedLeadTime(s.leadTimeHours * HOUR, opts.stepSamplesMs?.[s.capability] ?? []);
    const consumers = recipe.steps.filter((c) => c.inputs.some((i) => i.step === s.key));
    const done =
      s.key === out.key ? dueAt.getTime() - allowance(s.flowType) : Math.min(...consumers.map((c) => plans.get(c.key)!.plannedStartAt.getTime() - allowance(s.flowType)));
    plans.set(s.key, { key: s.key, good: q[s.key].good, start: q[s.key].start, leadTimeMs: lead.ms, leadTimeSource: lead.source, plannedStartAt: new Date(done - lead.ms), plannedDoneAt: new Date(done) });
  }
  return topoOrder(recipe).map((s) => plans.get(s.key)!);
}

export function lateByMs(plannedDoneAt: Date, doneAt: Date | null, now: Date): number | null {
  const by = (doneAt ?? now).getTime() - plannedDoneAt.getTime();
  return by > 0 ? by : null;
}
