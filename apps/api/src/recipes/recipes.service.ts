import { HttpStatus, Injectable } from '@nestjs/common';
import type { Recipe, RecipeProblem } from '@app/contracts';
import { RecipeRecord, RecipesRepository } from '@app/db';
import { validateRecipe } from '@app/domain';
import { ProblemException, Problems } from '../common/problem';

/**
 * 422 `invalid_recipe`: every problem of the recipe (`problems`, each with its code and step), and
 * the same as field errors (`steps.<index>` of the step concerned) for forms.
 */
export function invalidRecipe(recipe: Recipe, problems: RecipeProblem[], prefix = ''): ProblemException {
  const index = new Map(recipe.steps.map((s, i) => [s.key, i]));
  const field = (p: RecipeProblem) => (p.step !== undefined && index.has(p.step) ? `${prefix}steps.${index.get(p.step)}` : `${prefix}steps`);
  return new ProblemException(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'invalid_recipe',
    `the recipe ${recipe.name} cannot be made: ${problems.map((p) => p.detail).join('; ')}`,
    problems.map((p) => ({ field: field(p), code: p.code, message: p.detail })),
    { problems },
  );
}

/** Recipes: validated by the domain's rules, saved as the next version of their name. */
@Injectable()
export class RecipesService {
  constructor(private readonly recipes: RecipesRepository) {}

  validate(recipe: Recipe): RecipeProblem[] {
    return validateRecipe(plain(recipe));
  }

  async create(recipe: Recipe, actor: string, key: string | undefined): Promise<{ recipe: RecipeRecord; replayed: boolean }> {
    const r = plain(recipe);
    const problems = validateRecipe(r);
    if (problems.length) throw invalidRecipe(r, problems);
    return this.recipes.create(r, actor, key ?? null);
  }

  async get(id: string): Promise<RecipeRecord> {
    const r = await this.recipes.find(id);
    if (!r) throw Problems.notFound('recipe', id);
    return r;
  }
}

/** The recipe as plain JSON (no DTO class instances), with its fields in one order: what is stored and hashed. */
export function plain(r: Recipe): Recipe {
  return {
    name: r.name,
    steps: r.steps.map((s) => ({
      key: s.key,
      capability: s.capability,
      produces: { item: s.produces.item, unit: s.produces.unit },
      inputs: s.inputs.map((i) => ({ step: i.step, perUnit: i.perUnit, unit: i.unit })),
      ...(s.scrapRate !== undefined ? { scrapRate: s.scrapRate } : {}),
      leadTimeHours: s.leadTimeHours,
      ...(s.flowType !== undefined ? { flowType: s.flowType } : {}),
      ...(s.specUrl !== undefined ? { specUrl: s.specUrl } : {}),
    })),
  };
}
