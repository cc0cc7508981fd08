import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { CancelFlow } from '../components/cancel-flow';
import { RecipeForm } from '../components/recipe-form';
import { EXAMPLE_RECIPE, parseRecipeJson, recipeText } from '../recipe-rules';

function Harness({ onCheck, onSave, initial = recipeText(EXAMPLE_RECIPE) }: { onCheck: ReturnType<typeof vi.fn>; onSave: ReturnType<typeof vi.fn>; initial?: string }) {
  const [text, setText] = useState(initial);
  return <RecipeForm text={text} onText={setText} onCheck={onCheck as never} onSave={onSave as never} />;
}

describe('a recipe written as JSON', () => {
  it('is read as an outline before it is sent, and refused in words when it is not one', () => {
    expect(parseRecipeJson(recipeText(EXAMPLE_RECIPE))).toEqual({ ok: true, recipe: EXAMPLE_RECIPE });
    expect(parseRecipeJson('{"name": "x", steps: []}')).toMatchObject({ ok: false, message: expect.stringMatching(/^This is not JSON: .*Check the commas, quotes and brackets\.$/) });
    expect(parseRecipeJson('[]')).toMatchObject({ ok: false, message: expect.stringContaining('one JSON object') });
    expect(parseRecipeJson('{"name": " ", "steps": [{}]}')).toMatchObject({ ok: false, message: 'Give the recipe a "name".' });
    expect(parseRecipeJson('{"name": "x", "steps": []}')).toMatchObject({ ok: false, message: 'List its "steps": at least one.' });
  });

  it('“Check” lists each problem the API finds in words, or says it is valid', async () => {
    const onCheck = vi
      .fn()
      .mockResolvedValueOnce({
        problems: [
          { code: 'cycle', step: 'a', detail: 'steps a → b → a form a cycle' },
          { code: 'unknown_input', step: 'b', detail: 'step b consumes glue, which no step produces' },
        ],
      })
      .mockResolvedValueOnce({ problems: [] });
    const onSave = vi.fn();
    render(<Harness onCheck={onCheck} onSave={onSave} />);
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(onCheck).toHaveBeenCalledWith(EXAMPLE_RECIPE);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The recipe has 2 problems');
    expect(alert).toHaveTextContent('Steps wait for each other in a circle: steps a → b → a form a cycle.');
    expect(alert).toHaveTextContent('An input names a step that is not in the recipe: step b consumes glue, which no step produces.');
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(await screen.findByRole('status')).toHaveTextContent('No problem: the recipe can be saved and run.');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('does not send what is not JSON; “Save” shows the API’s refusal, and the same recipe again keeps its key', async () => {
    const onCheck = vi.fn();
    const onSave = vi
      .fn()
      .mockRejectedValueOnce(new ApiProblem(422, 'invalid_recipe', 'the recipe Shelf cannot be made', [{ field: 'steps.1', code: 'unit_mismatch', message: 'step assemble takes cut in kg, but cut produces pcs' }]))
      .mockRejectedValueOnce(new ApiProblem(503, 'temporal_unavailable', 'x'))
      .mockResolvedValueOnce({ id: 'r1', name: 'Shelf', version: 2, definition: EXAMPLE_RECIPE, createdAt: '2031-03-01T00:00:00Z', createdBy: 'c' });
    render(<Harness onCheck={onCheck} onSave={onSave} initial="{ nope" />);
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(onCheck).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('This is not JSON');
    const area = screen.getByLabelText('The recipe, as JSON');
    await userEvent.clear(area);
    await userEvent.click(area);
    await userEvent.paste(recipeText(EXAMPLE_RECIPE));
    await userEvent.click(screen.getByRole('button', { name: 'Save as a template' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('An input is counted in another unit than its step makes: step assemble takes cut in kg, but cut produces pcs.');
    await userEvent.click(screen.getByRole('button', { name: 'Save as a template' }));
    await userEvent.click(screen.getByRole('button', { name: 'Save as a template' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved: Shelf, version 2 (2 steps).');
    const keys = onSave.mock.calls.map((c) => c[1]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[1]).toBe(keys[2]);
  });
});

describe('cancelling a flow', () => {
  it('needs a reason, and says in words when the flow has already ended', async () => {
    const onCancel = vi.fn().mockRejectedValueOnce(new ApiProblem(409, 'flow_closed', 'flow x is delivered: there is nothing to cancel')).mockResolvedValueOnce({});
    render(<CancelFlow onCancel={onCancel} />);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the flow…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the flow' }));
    expect(onCancel).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('Say why');
    await userEvent.type(screen.getByLabelText('Why is it cancelled?'), 'order withdrawn');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the flow' }));
    expect(onCancel).toHaveBeenCalledWith('order withdrawn');
    expect(await screen.findByRole('alert')).toHaveTextContent('This flow has already ended: there is nothing to cancel.');
  });
});
