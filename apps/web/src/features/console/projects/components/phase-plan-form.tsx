import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { phaseName } from '@/components/ui/phase-timeline';
import { TextAreaField } from '@/components/ui/text-area-field';
import { minorToInput, parseMoneyInput, toMinor } from '@/lib/money';
import { ApiProblem } from '@/lib/problem';
import type { PlanBody, PlanTaskBody, WorkingPhase } from '../api';
import { fieldErrors, projectProblemMessage } from '../project-words';
import { SelectField } from './select-field';

const OUTPUTS: Array<{ value: PlanTaskBody['output']; words: string }> = [
  { value: 'design', words: 'a design (documents, open licence)' },
  { value: 'test-report', words: 'a test report (documents)' },
  { value: 'goods', words: 'goods' },
  { value: 'upgrade', words: 'a node upgrade' },
];
const DEFAULT_OUTPUT: Record<WorkingPhase, PlanTaskBody['output']> = { rnd: 'design', prototyping: 'test-report', 'node-buildout': 'goods', upgrade: 'upgrade' };
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

interface TaskDraft {
  key: string;
  title: string;
  capability: string;
  quantity: string;
  unit: string;
  specUrl: string;
  dueInDays: string;
  output: PlanTaskBody['output'];
  recipient: string; // "member:<id>" | "node:<id>" | ""
}

interface Draft {
  summary: string;
  budget: boolean;
  goal: string;
  currency: string;
  openForHours: string;
  payoutApproval: 'coordinator' | 'members';
  tasks: TaskDraft[];
}

const emptyTask = (phase: WorkingPhase): TaskDraft => ({ key: '', title: '', capability: '', quantity: '1', unit: '', specUrl: '', dueInDays: '14', output: DEFAULT_OUTPUT[phase], recipient: '' });

/** The form's values from a stored plan (or a blank one). */
export function draftOf(phase: WorkingPhase, plan: (PlanBody & { budget?: PlanBody['budget'] | null }) | null): Draft {
  if (!plan) return { summary: '', budget: false, goal: '', currency: 'EUR', openForHours: '336', payoutApproval: 'coordinator', tasks: [emptyTask(phase)] };
  const b = plan.budget ?? null;
  return {
    summary: plan.summary,
    budget: !!b,
    goal: b ? minorToInput(toMinor(b.goal) ?? 0n, b.currency) : '',
    currency: b?.currency ?? 'EUR',
    openForHours: String(b?.openForHours ?? 336),
    payoutApproval: b?.payoutApproval ?? 'coordinator',
    tasks: plan.tasks.map((t) => ({
      key: t.key,
      title: t.title,
      capability: t.capability,
      quantity: String(t.quantity),
      unit: t.unit,
      specUrl: t.specUrl,
      dueInDays: String(t.dueInDays),
      output: t.output,
      recipient: `${t.recipient.type}:${t.recipient.id}`,
    })),
  };
}

/** Numbers as typed: a whole number, or the text itself (the API then names the field that is wrong). */
const num = (s: string): number => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : (s as unknown as number));

/** The request body from the form, or the fields that must be fixed first. */
export function planOf(d: Draft): { ok: true; plan: PlanBody } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.summary.trim()) errors.summary = 'Say in a sentence what this phase does.';
  let goal: bigint | null = null;
  if (d.budget) {
    const parsed = parseMoneyInput(d.goal, d.currency);
    if (parsed.ok && parsed.minor > 0n) goal = parsed.minor;
    else errors['budget.goal'] = parsed.ok ? 'The budget must be more than nothing.' : parsed.message;
  }
  d.tasks.forEach((t, i) => {
    if (!t.recipient) errors[`tasks.${i}.recipient.id`] = 'Choose who receives the work.';
  });
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    plan: {
      summary: d.summary.trim(),
      tasks: d.tasks.map((t) => {
        const [type, id] = t.recipient.split(':') as ['member' | 'node', string];
        return { key: t.key.trim(), title: t.title.trim(), capability: t.capability.trim(), quantity: num(t.quantity), unit: t.unit.trim(), specUrl: t.specUrl.trim(), dueInDays: num(t.dueInDays), output: t.output, recipient: { type, id } };
      }),
      ...(d.budget && goal !== null ? { budget: { goal: goal.toString(), currency: d.currency, openForHours: num(d.openForHours), payoutApproval: d.payoutApproval } } : {}),
    },
  };
}

const TASK_FIELDS = ['title', 'key', 'capability', 'output', 'quantity', 'unit', 'dueInDays', 'specUrl', 'recipient.id', 'recipient.type'];
const PLAN_FIELDS = ['summary', 'tasks', 'budget.goal', 'budget.currency', 'budget.openForHours', 'budget.payoutApproval'];

/** Whether the form shows this (dotted) field's error beside a field of its own. */
export function shownField(field: string, tasks: number): boolean {
  if (PLAN_FIELDS.includes(field)) return true;
  const m = /^tasks\.(\d+)\.(.+)$/.exec(field);
  return !!m && Number(m[1]) < tasks && TASK_FIELDS.includes(m[2]);
}

interface Props {
  phase: WorkingPhase;
  initial: Draft;
  recipients: { members: Array<{ id: string; name: string }>; nodes: Array<{ id: string; name: string }> };
  onSave: (plan: PlanBody) => Promise<unknown>;
}

/**
 * A phase's plan: what it does, its budget (a funding round opened when the phase starts), and its
 * tasks (a job per task, offered to a capable node once the budget is raised). Editable until the
 * phase starts. The API's field errors show beside their fields.
 */
export function PhasePlanForm({ phase, initial, recipients, onSave }: Props) {
  const [d, setD] = useState<Draft>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<Draft>) => {
    setD({ ...d, ...change });
    setSaved(null);
  };
  const setTask = (i: number, change: Partial<TaskDraft>) => set({ tasks: d.tasks.map((t, j) => (i === j ? { ...t, ...change } : t)) });
  const err = (field: string) => errors[field] ?? null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const built = planOf(d);
    if (!built.ok) return setErrors(built.errors);
    setErrors({});
    setBusy(true);
    try {
      await onSave(built.plan);
      setSaved(`The ${phaseName(phase)} plan is saved.`);
    } catch (caught) {
      const f = fieldErrors(caught);
      setErrors(f);
      // Errors beside their fields are not said twice; those the form has no field for are said here.
      const elsewhere = Object.entries(f).filter(([field]) => !shownField(field, d.tasks.length));
      const generic = caught instanceof ApiProblem && ['validation_failed', 'invalid_plan'].includes(caught.code);
      const words = Object.keys(f).length && generic ? 'See the fields marked above. Nothing was saved.' : projectProblemMessage(caught);
      setError([...elsewhere.map(([field, m]) => `${field}: ${m}.`), words].join(' '));
    } finally {
      setBusy(false);
    }
  }

  // Errors the form has no field for (e.g. `tasks` as a whole, `nodes`) are said in the alert.
  return (
    <form className="plan-form" onSubmit={(e) => void submit(e)} noValidate aria-label={`The ${phaseName(phase)} plan`}>
      <TextAreaField label="What this phase does" maxLength={2000} value={d.summary} onChange={(e) => set({ summary: e.target.value })} error={err('summary')} />
      <label className="check">
        <input type="checkbox" checked={d.budget} onChange={(e) => set({ budget: e.target.checked })} />
        <span>Raise a budget first (a funding round the members pledge to)</span>
      </label>
      {d.budget ? (
        <fieldset>
          <legend>Budget</legend>
          <div className="field-pair">
            <Field label="Goal" inputMode="decimal" value={d.goal} onChange={(e) => set({ goal: e.target.value })} error={err('budget.goal')} suffix={d.currency} />
            <SelectField label="Currency" value={d.currency} onChange={(e) => set({ currency: e.target.value })} error={err('budget.currency')}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </SelectField>
          </div>
          <div className="field-pair">
            <Field label="Open for" inputMode="numeric" value={d.openForHours} onChange={(e) => set({ openForHours: e.target.value })} error={err('budget.openForHours')} suffix="hours" />
            <SelectField label="Who approves the payout" value={d.payoutApproval} onChange={(e) => set({ payoutApproval: e.target.value as Draft['payoutApproval'] })} error={err('budget.payoutApproval')}>
              <option value="coordinator">a treasurer</option>
              <option value="members">the backers, by vote</option>
            </SelectField>
          </div>
        </fieldset>
      ) : null}
      <h3>Tasks</h3>
      {err('tasks') ? (
        <p className="field-error" role="alert">
          {err('tasks')}
        </p>
      ) : null}
      {d.tasks.map((t, i) => (
        <fieldset key={i} className="plan-task">
          <legend>Task {i + 1}</legend>
          <div className="field-pair">
            <Field label="Title" value={t.title} maxLength={200} onChange={(e) => setTask(i, { title: e.target.value })} error={err(`tasks.${i}.title`)} />
            <Field label="Key" hint="lower-case letters, digits, dashes" value={t.key} onChange={(e) => setTask(i, { key: e.target.value })} error={err(`tasks.${i}.key`)} />
          </div>
          <div className="field-pair">
            <Field label="Capability" hint="the node function, e.g. design" value={t.capability} onChange={(e) => setTask(i, { capability: e.target.value })} error={err(`tasks.${i}.capability`)} />
            <SelectField label="Delivers" value={t.output} onChange={(e) => setTask(i, { output: e.target.value as PlanTaskBody['output'] })} error={err(`tasks.${i}.output`)}>
              {OUTPUTS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.words}
                </option>
              ))}
            </SelectField>
          </div>
          <div className="field-pair">
            <Field label="Quantity" inputMode="numeric" value={t.quantity} onChange={(e) => setTask(i, { quantity: e.target.value })} error={err(`tasks.${i}.quantity`)} />
            <Field label="Unit" value={t.unit} maxLength={32} onChange={(e) => setTask(i, { unit: e.target.value })} error={err(`tasks.${i}.unit`)} />
            <Field label="Due within" inputMode="numeric" value={t.dueInDays} onChange={(e) => setTask(i, { dueInDays: e.target.value })} error={err(`tasks.${i}.dueInDays`)} suffix="days" />
          </div>
          <Field label="Specification (URL)" type="url" className="wide" value={t.specUrl} onChange={(e) => setTask(i, { specUrl: e.target.value })} error={err(`tasks.${i}.specUrl`)} />
          <SelectField label="Delivered to" value={t.recipient} onChange={(e) => setTask(i, { recipient: e.target.value })} error={err(`tasks.${i}.recipient.id`) ?? err(`tasks.${i}.recipient.type`)}>
            <option value="">choose a member or a node</option>
            <optgroup label="Members">
              {recipients.members.map((m) => (
                <option key={m.id} value={`member:${m.id}`}>
                  {m.name}
                </option>
              ))}
            </optgroup>
            <optgroup label="Nodes (their owner confirms)">
              {recipients.nodes.map((n) => (
                <option key={n.id} value={`node:${n.id}`}>
                  {n.name}
                </option>
              ))}
            </optgroup>
          </SelectField>
          {d.tasks.length > 1 ? (
            <Button type="button" variant="secondary" className="btn-small" onClick={() => set({ tasks: d.tasks.filter((_, j) => j !== i) })}>
              Remove task {i + 1}
            </Button>
          ) : null}
        </fieldset>
      ))}
      <div className="actions">
        <Button type="button" variant="secondary" onClick={() => set({ tasks: [...d.tasks, emptyTask(phase)] })} disabled={d.tasks.length >= 50}>
          Add a task
        </Button>
        <Button type="submit" busy={busy}>
          Save the plan
        </Button>
      </div>
      {error ? (
        <Alert kind="error" title="Not saved">
          {error}
        </Alert>
      ) : null}
      {saved ? <Alert kind="success">{saved}</Alert> : null}
    </form>
  );
}
