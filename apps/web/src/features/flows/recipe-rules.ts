import { ApiProblem, problemMessage } from '@/lib/problem';
import type { RecipeBody } from './api/flows';

/** A recipe written as JSON in the console: read before it is sent, and its problems in words. */

export const EXAMPLE_RECIPE: RecipeBody = {
  name: 'Shelf',
  steps: [
    { key: 'cut', capability: 'cnc-milling', produces: { item: 'shelf-side', unit: 'pcs' }, inputs: [], leadTimeHours: 48, flowType: 'crate' },
    { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'pcs' }, inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }], leadTimeHours: 24 },
  ],
};

export const recipeText = (r: RecipeBody) => JSON.stringify(r, null, 2);

/** The JSON read as a recipe's outline (name and steps); the API checks everything else. */
export function parseRecipeJson(text: string): { ok: true; recipe: RecipeBody } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `This is not JSON: ${e instanceof Error ? e.message : String(e)}. Check the commas, quotes and brackets.` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'A recipe is one JSON object: { "name": …, "steps": [ … ] }.' };
  const r = value as { name?: unknown; steps?: unknown };
  if (typeof r.name !== 'string' || !r.name.trim()) return { ok: false, message: 'Give the recipe a "name".' };
  if (!Array.isArray(r.steps) || !r.steps.length) return { ok: false, message: 'List its "steps": at least one.' };
  return { ok: true, recipe: value as RecipeBody };
}

const PROBLEM_WORDS: Record<string, string> = {
  cycle: 'Steps wait for each other in a circle',
  unknown_input: 'An input names a step that is not in the recipe',
  unit_mismatch: 'An input is counted in another unit than its step makes',
  duplicate_step: 'Two steps have the same key',
  no_output_step: 'No step makes the final output',
  several_output_steps: 'More than one step makes a final output: join them in one last step',
  too_many_steps: 'Too many steps',
  too_many_inputs: 'A step has too many inputs',
  bad_quantity: 'A quantity per unit must be above 0',
  bad_scrap_rate: 'A scrap rate must be at least 0 and below 0.5',
  bad_lead_time: 'A lead time must be a positive number of hours',
  self_input: 'A step consumes its own output',
  unused_step: 'A step’s output goes nowhere',
  bad_slug: 'Keys, capabilities and flow types are lower-case names (letters, digits, single dashes)',
  duplicate_input: 'A step takes the same input twice',
};

/** One problem of a recipe in a sentence: what is wrong in general, then the API's detail. */
export function recipeProblemWords(p: { code: string; step?: string | null; detail: string }): string {
  const head = PROBLEM_WORDS[p.code];
  // The domain quotes keys as `code`; in a sentence for people they read better bare.
  const detail = p.detail.replace(/`/g, '');
  return head ? `${head}: ${detail}.` : `${detail}.`;
}

/** A refused check or save in words: each problem of the recipe, or each field the API refused. */
export function recipeRefusal(err: unknown): string[] {
  if (err instanceof ApiProblem) {
    if (err.code === 'invalid_recipe' && err.errors.length) return err.errors.map((e) => recipeProblemWords({ code: e.code, detail: e.message }));
    if (err.code === 'validation_failed' && err.errors.length) return err.errors.map((e) => (e.message.includes(e.field) ? e.message : `${e.field}: ${e.message}`));
    if (err.status === 403) return ['Your role may not save recipes: ask a coordinator who may.'];
  }
  return [problemMessage(err)];
}
