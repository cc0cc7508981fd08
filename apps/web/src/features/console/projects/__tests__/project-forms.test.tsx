import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { CreateProjectForm } from '../components/create-project-form';
import { PhaseActions } from '../components/phase-actions';
import { draftOf, PhasePlanForm, planOf } from '../components/phase-plan-form';
import { projectProblemMessage } from '../project-words';

const recipients = { members: [{ id: 'm-1', name: 'Rita Okafor' }], nodes: [{ id: 'n-1', name: 'Olga’s bending bench' }] };

describe('the console’s project forms', () => {
  it('creates a project: a name is required, the API’s field error shows beside its field', async () => {
    const onCreate = vi.fn().mockRejectedValueOnce(new ApiProblem(400, 'validation_failed', 'bad', [{ field: 'name', code: 'maxLength', message: 'name must be shorter than or equal to 200 characters' }])).mockResolvedValueOnce({ id: 'p-1', name: 'Rack' });
    const onCreated = vi.fn();
    render(<CreateProjectForm onCreate={onCreate} onCreated={onCreated} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create the project' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Give the project a name.');
    expect(onCreate).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Name'), 'Rack');
    await userEvent.click(screen.getByRole('button', { name: 'Create the project' }));
    expect(await screen.findByText('name must be shorter than or equal to 200 characters')).toHaveClass('field-error');
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
    await userEvent.click(screen.getByLabelText('The members vote (a week, by majority)'));
    await userEvent.click(screen.getByRole('button', { name: 'Create the project' }));
    expect(onCreate).toHaveBeenLastCalledWith({ name: 'Rack', gate: { mode: 'members', voters: 'funders' } });
    expect(onCreated).toHaveBeenCalledWith({ id: 'p-1', name: 'Rack' });
  });

  it('writes a plan: money from the typed amount in minor units; the plan checks’ field errors (tasks[0].recipient.id) beside their fields', async () => {
    const onSave = vi
      .fn()
      .mockRejectedValueOnce(new ApiProblem(422, 'invalid_plan', 'the rnd plan has 2 problem(s)', [
        { field: 'tasks[0].recipient.id', code: 'unknown_member', message: 'member m-1 is not an active member' },
        { field: 'nodes[0]', code: 'unknown_node', message: 'node x is not registered' },
      ]))
      .mockResolvedValueOnce({});
    render(<PhasePlanForm phase="rnd" initial={draftOf('rnd', null)} recipients={recipients} onSave={onSave} />);
    const form = screen.getByRole('form', { name: 'The Research & design plan' });
    await userEvent.type(within(form).getByLabelText('What this phase does'), 'Design the rack');
    await userEvent.click(within(form).getByLabelText(/Raise a budget first/));
    await userEvent.type(within(form).getByLabelText('Goal'), '12,5');
    await userEvent.click(within(form).getByRole('button', { name: 'Save the plan' }));
    // Checked here first: who receives the work.
    expect(await within(form).findByText('Choose who receives the work.')).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
    await userEvent.selectOptions(within(form).getByLabelText('Delivered to'), 'Rita Okafor');
    await userEvent.click(within(form).getByRole('button', { name: 'Save the plan' }));
    expect(onSave.mock.calls[0][0]).toMatchObject({ summary: 'Design the rack', budget: { goal: '1250', currency: 'EUR', openForHours: 336, payoutApproval: 'coordinator' }, tasks: [{ recipient: { type: 'member', id: 'm-1' }, quantity: 1, dueInDays: 14, output: 'design' }] });
    expect(await within(form).findByText('member m-1 is not an active member')).toHaveClass('field-error');
    expect(within(form).getByLabelText('Delivered to')).toHaveAttribute('aria-invalid', 'true');
    // The error with no field of its own is said in the form's alert, with the rest pointed at.
    expect(within(form).getByText(/nodes\.0: node x is not registered\. See the fields marked above\. Nothing was saved\./)).toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Save the plan' }));
    expect(await within(form).findByRole('status')).toHaveTextContent('The Research & design plan is saved.');
  });

  it('refuses a budget that is not an amount, without asking the API', () => {
    const d = { ...draftOf('rnd', null), summary: 'x', budget: true, goal: '12.345' };
    d.tasks[0].recipient = 'node:n-1';
    expect(planOf(d)).toEqual({ ok: false, errors: { 'budget.goal': 'Use at most 2 decimals.' } });
  });

  it('says the API’s refusals of phase actions in words, and asks why before skipping', async () => {
    const refuse = (code: string, detail = '') => vi.fn().mockRejectedValue(new ApiProblem(code === 'forbidden_role' ? 403 : 409, code, detail));
    const onSkip = vi.fn().mockResolvedValue({});
    render(<PhaseActions phase="rnd" state="running" onStart={refuse('phase_running')} onSkip={onSkip} onAdvance={refuse('forbidden_role', 'a viewer can look but not change anything')} onCancel={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Start the Research & design phase' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The phase’s work is running: wait for it to end (or cancel the project). Nothing was changed.');
    await userEvent.click(screen.getByRole('button', { name: 'Advance…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Advance the project' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You are a viewer: you can look but not change anything. Nothing was changed.');
    await userEvent.click(screen.getByRole('button', { name: 'Skip it…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Skip the phase' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Say why the network does not need this phase.');
    expect(onSkip).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Why skip it?'), 'We have the design already');
    await userEvent.click(screen.getByRole('button', { name: 'Skip the phase' }));
    expect(onSkip).toHaveBeenCalledWith('We have the design already');
    expect(await screen.findByRole('status')).toHaveTextContent('The Research & design phase is skipped.');
  });

  it('words for refusals it knows, the API’s detail for the others', () => {
    expect(projectProblemMessage(new ApiProblem(409, 'gate_vote_open', ''))).toMatch(/^The members are voting on this gate/);
    expect(projectProblemMessage(new ApiProblem(403, 'forbidden_role', 'only a treasurer may do this; you are a coordinator'))).toBe('Your role does not allow this (only a treasurer may do this; you are a coordinator). Nothing was changed.');
    expect(projectProblemMessage(new ApiProblem(409, 'something_new', 'the moon is full'))).toBe('Refused: the moon is full. Nothing was changed.');
  });
});
