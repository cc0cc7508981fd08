import { useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card, Loading, Page } from '@/components/ui/page';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { useRecipes, useSaveRecipe, validateRecipe } from '@/features/flows/api/flows';
import { RecipeForm } from '@/features/flows/components/recipe-form';
import { EXAMPLE_RECIPE, recipeText } from '@/features/flows/recipe-rules';
import { formatDateTime } from '@/lib/dates';

const PAGE = 10;

/** `/console/recipes`: saved recipes (templates of steps, reused across projects) and a form to write, check and save one. */
export function ConsoleRecipesRoute() {
  const [text, setText] = useState(() => recipeText(EXAMPLE_RECIPE));
  const save = useSaveRecipe();
  const form = useRef<HTMLDivElement>(null);
  return (
    <Page title="Recipes" lead="A recipe is a small graph of steps: each step needs a capability, consumes the outputs of steps before it and makes an item. Saved recipes are templates that production flows run.">
      <div ref={form}>
        <Card title="Write a recipe">
          <RecipeForm text={text} onText={setText} onCheck={validateRecipe} onSave={(recipe, key) => save.mutateAsync({ recipe, key })} />
        </Card>
      </div>
      <Saved
        onEdit={(t) => {
          setText(t);
          form.current?.scrollIntoView({ behavior: 'smooth' });
        }}
      />
    </Page>
  );
}

function Saved({ onEdit }: { onEdit: (text: string) => void }) {
  const [page, setPage] = useState(0);
  const recipes = useRecipes(page, PAGE);
  if (recipes.isPending) return <Loading />;
  if (recipes.isError) return <ConsoleProblem error={recipes.error} />;
  return (
    <Card title={`Saved recipes (${recipes.data.total})`}>
      {recipes.data.items.length ? (
        <div className="table-wrap">
          <table className="cards" aria-label="Saved recipes">
            <thead>
              <tr>
                <th scope="col">Recipe</th>
                <th scope="col">Steps</th>
                <th scope="col">Saved</th>
                <th scope="col">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {recipes.data.items.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    {r.name} <span className="small muted">version {r.version}</span>
                  </th>
                  <td data-label="Steps">{r.definition.steps.map((s) => s.key).join(', ')}</td>
                  <td data-label="Saved">{formatDateTime(r.createdAt)}</td>
                  <td>
                    <Button type="button" variant="secondary" className="btn-small" onClick={() => onEdit(recipeText(r.definition))}>
                      Edit a copy
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No recipe saved yet.</p>
      )}
      <Pager page={page} size={PAGE} total={recipes.data.total} onPage={setPage} label="Pages of recipes" />
    </Card>
  );
}
