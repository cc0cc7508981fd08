import { useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextAreaField } from '@/components/ui/text-area-field';
import { SubmissionKeys } from '@/features/market/market-rules';
import type { RecipeBody, RecipeRecord } from '../api/flows';
import { parseRecipeJson, recipeProblemWords, recipeRefusal } from '../recipe-rules';
import '../flows.css';

type Outcome = { kind: 'problems'; lines: string[] } | { kind: 'valid' } | { kind: 'saved'; record: RecipeRecord } | null;

interface Props {
  text: string;
  onText: (text: string) => void;
  /** POST /admin/recipes/validate: the problems, none when valid. */
  onCheck: (recipe: RecipeBody) => Promise<{ problems: Array<{ code: string; step?: string | null; detail: string }> }>;
  /** POST /admin/recipes with the key of this submission. */
  onSave: (recipe: RecipeBody, key: string) => Promise<RecipeRecord>;
}

/**
 * A recipe as JSON: pasted or edited, checked by the API (every problem listed in words: a cycle,
 * an input no step makes, units that do not match…), saved as a template (the same name again is
 * its next version).
 */
export function RecipeForm({ text, onText, onCheck, onSave }: Props) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState<'check' | 'save' | null>(null);
  const keys = useRef(new SubmissionKeys());

  async function run(which: 'check' | 'save') {
    const parsed = parseRecipeJson(text);
    if (!parsed.ok) return setOutcome({ kind: 'problems', lines: [parsed.message] });
    setBusy(which);
    try {
      if (which === 'check') {
        const { problems } = await onCheck(parsed.recipe);
        setOutcome(problems.length ? { kind: 'problems', lines: problems.map(recipeProblemWords) } : { kind: 'valid' });
      } else {
        const record = await onSave(parsed.recipe, keys.current.keyFor(parsed.recipe));
        keys.current.done();
        setOutcome({ kind: 'saved', record });
      }
    } catch (err) {
      setOutcome({ kind: 'problems', lines: recipeRefusal(err) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <form onSubmit={(e) => (e.preventDefault(), void run('save'))} noValidate aria-label="Write a recipe">
      <TextAreaField
        label="The recipe, as JSON"
        hint="A name and its steps: each with a key, the capability that does it, what it produces (item and unit), its inputs (a step’s key, how much per unit, in that step’s unit), its lead time in hours; optional scrapRate (0 to 0.5) and flowType (crate, pallet, cold-chain, documents)."
        rows={18}
        spellCheck={false}
        className="code-area"
        value={text}
        onChange={(e) => (onText(e.target.value), setOutcome(null))}
        aria-invalid={outcome?.kind === 'problems' ? true : undefined}
      />
      <div className="actions">
        <Button type="button" variant="secondary" busy={busy === 'check'} onClick={() => void run('check')}>
          Check
        </Button>
        <Button type="submit" busy={busy === 'save'}>
          Save as a template
        </Button>
      </div>
      {outcome?.kind === 'problems' ? (
        <Alert kind="error" title={outcome.lines.length === 1 ? 'The recipe has a problem' : `The recipe has ${outcome.lines.length} problems`}>
          <ul className="problems">
            {outcome.lines.map((l, i) => (
              <li key={i}>{l}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {outcome?.kind === 'valid' ? <Alert kind="success">No problem: the recipe can be saved and run.</Alert> : null}
      {outcome?.kind === 'saved' ? (
        <Alert kind="success">
          Saved: {outcome.record.name}, version {outcome.record.version} ({outcome.record.definition.steps.length} steps). Flows start from it through the admin API.
        </Alert>
      ) : null}
    </form>
  );
}
