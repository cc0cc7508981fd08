import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { phaseName } from '@/components/ui/phase-timeline';
import { TextAreaField } from '@/components/ui/text-area-field';
import type { WorkingPhase } from '../api';
import { fieldErrors, projectProblemMessage } from '../project-words';

interface Props {
  phase: WorkingPhase;
  state: string;
  onStart: () => Promise<unknown>;
  onSkip: (reason: string) => Promise<unknown>;
  onAdvance: (note: string) => Promise<unknown>;
  onCancel: (reason: string) => Promise<unknown>;
}

type Open = 'skip' | 'advance' | 'cancel' | null;

/**
 * The current phase's actions: start it (its plan's round and jobs), skip it (with why), advance
 * the project past its gate, or cancel the whole project (with why). Each refusal is said in words;
 * the API decides (a viewer, a running phase, an open vote are refused there).
 */
export function PhaseActions({ phase, state, onStart, onSkip, onAdvance, onCancel }: Props) {
  const [open, setOpen] = useState<Open>(null);
  const [text, setText] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  function toggle(which: Open) {
    setOpen(open === which ? null : which);
    setText('');
    setFieldError(null);
    setError(null);
  }

  async function run(name: string, what: () => Promise<unknown>, success: string, field?: string) {
    setBusy(name);
    setError(null);
    setDone(null);
    try {
      await what();
      setDone(success);
      setOpen(null);
      setText('');
    } catch (err) {
      const f = field ? fieldErrors(err)[field] : undefined;
      if (f) setFieldError(f);
      else setError(projectProblemMessage(err));
    } finally {
      setBusy(null);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const value = text.trim();
    if (open === 'skip') {
      if (!value) return setFieldError('Say why the network does not need this phase.');
      void run('skip', () => onSkip(value), `The ${phaseName(phase)} phase is skipped.`, 'reason');
    } else if (open === 'advance') {
      void run('advance', () => onAdvance(value), 'The project passes its gate (or the members are asked to vote on it).', 'note');
    } else if (open === 'cancel') {
      if (!value) return setFieldError('Say why: the timeline keeps it.');
      void run('cancel', () => onCancel(value), 'The project is cancelled: open rounds give every pledge back, open jobs are withdrawn.', 'reason');
    }
  }

  const name = phaseName(phase);
  return (
    <div>
      <p className="small muted">
        Now: {name}, {state}. Start runs the plan (its round first, then a job per task); skip passes the phase without work; advance passes the gate once the work is done.
      </p>
      <div className="actions">
        <Button type="button" busy={busy === 'start'} onClick={() => void run('start', onStart, `The ${name} phase is starting: its round opens, or its jobs go out.`)}>
          Start the {name} phase
        </Button>
        <Button type="button" variant="secondary" aria-expanded={open === 'skip'} onClick={() => toggle('skip')}>
          Skip it…
        </Button>
        <Button type="button" variant="secondary" aria-expanded={open === 'advance'} onClick={() => toggle('advance')}>
          Advance…
        </Button>
        <Button type="button" variant="danger" aria-expanded={open === 'cancel'} onClick={() => toggle('cancel')}>
          Cancel the project…
        </Button>
      </div>
      {open ? (
        <form onSubmit={submit} noValidate aria-label={open === 'skip' ? `Skip the ${name} phase` : open === 'advance' ? 'Advance the project' : 'Cancel the project'}>
          {open === 'advance' ? (
            <Field label="Note for the timeline (optional)" className="wide" maxLength={1000} value={text} onChange={(e) => setText(e.target.value)} error={fieldError} />
          ) : (
            <TextAreaField
              label={open === 'skip' ? 'Why skip it?' : 'Why cancel the project?'}
              hint={open === 'skip' ? 'e.g. the network already has what this phase would build.' : 'Backers and nodes are told; this cannot be undone.'}
              maxLength={1000}
              rows={2}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setFieldError(null);
              }}
              error={fieldError}
            />
          )}
          <Button type="submit" variant={open === 'cancel' ? 'danger' : 'primary'} busy={busy === open}>
            {open === 'skip' ? 'Skip the phase' : open === 'advance' ? 'Advance the project' : 'Cancel the project'}
          </Button>
        </form>
      ) : null}
      {error ? (
        <Alert kind="error" title="Refused">
          {error}
        </Alert>
      ) : null}
      {done ? <Alert kind="success">{done}</Alert> : null}
    </div>
  );
}
