import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { checkCompletion, checkProgress, COMPLETION_FACTOR, type CompletionField, type DocumentRow, type Errors } from '../operator-rules';

/** The API's field errors on this form's fields; what has no field goes to `fallback`. */
function apiErrors<F extends string>(err: unknown, known: readonly string[], fallback: F): Errors<F> {
  if (!(err instanceof ApiProblem)) return { [fallback]: problemMessage(err) } as Errors<F>;
  const out: Record<string, string> = {};
  for (const e of err.errors) {
    const f = known.includes(e.field) || /^documents\.\d+\.(title|url)$/.test(e.field) ? e.field : fallback;
    out[f] = out[f] ? `${out[f]} ${e.message}` : e.message;
  }
  if (!Object.keys(out).length) out[fallback] = problemMessage(err);
  return out as Errors<F>;
}

export function ProgressForm({ current, onReport }: { current: number | null; onReport: (p: { percent: number; note?: string }) => Promise<unknown> }) {
  const [percent, setPercent] = useState(current !== null ? String(current) : '');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors<'percent' | 'note'>>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const check = checkProgress(percent, note);
    if (!check.ok) return setErrors(check.errors);
    setBusy(true);
    try {
      await onReport(check.value);
      setErrors({});
      setNote('');
      setDone(`Progress reported: ${check.value.percent} %.`);
    } catch (err) {
      setErrors(apiErrors(err, ['percent', 'note'], 'percent'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Report progress" className="inline-form">
      <Field
        label="Progress"
        inputMode="numeric"
        autoComplete="off"
        suffix="%"
        value={percent}
        onChange={(e) => {
          setPercent(e.target.value);
          setErrors({});
        }}
        error={errors.percent}
      />
      <Field
        label="Note (optional)"
        autoComplete="off"
        maxLength={1000}
        value={note}
        onChange={(e) => {
          setNote(e.target.value);
          setErrors({});
        }}
        error={errors.note}
      />
      <Button type="submit" variant="secondary" busy={busy}>
        Report progress
      </Button>
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}

interface CompleteProps {
  quantity: number;
  unit: string;
  documentsRequired: boolean;
  deliverable: string | null;
  onComplete: (c: { made: number; scrapped: number; documents: DocumentRow[] }) => Promise<unknown>;
}

const DELIVERABLE_WORDS: Record<string, string> = { design: 'a design', 'test-report': 'a test report' };

/** Made and scrapped (the yield), and the documents delivered with the work. */
export function CompleteForm({ quantity, unit, documentsRequired, deliverable, onComplete }: CompleteProps) {
  const [made, setMade] = useState(String(quantity));
  const [scrapped, setScrapped] = useState('0');
  const [documents, setDocuments] = useState<DocumentRow[]>([{ title: '', url: '' }]);
  const [errors, setErrors] = useState<Errors<CompletionField | 'form'>>({});
  const [busy, setBusy] = useState(false);

  const setDoc = (i: number, patch: Partial<DocumentRow>) => {
    setDocuments(documents.map((d, j) => (j === i ? { ...d, ...patch } : d)));
    setErrors({});
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const check = checkCompletion({ made, scrapped, documents }, { quantity, documentsRequired });
    if (!check.ok) return setErrors(check.errors);
    setBusy(true);
    try {
      await onComplete(check.value);
      setErrors({});
    } catch (err) {
      setErrors(apiErrors(err, ['made', 'scrapped', 'documents'], 'form'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Report the job done">
      <div className="field-pair">
        <Field
          label="Made"
          inputMode="numeric"
          autoComplete="off"
          suffix={unit}
          value={made}
          onChange={(e) => {
            setMade(e.target.value);
            setErrors({});
          }}
          error={errors.made}
          hint={`${quantity} ordered; made and scrapped together at most ${COMPLETION_FACTOR * quantity}.`}
        />
        <Field
          label="Scrapped"
          inputMode="numeric"
          autoComplete="off"
          suffix={unit}
          value={scrapped}
          onChange={(e) => {
            setScrapped(e.target.value);
            setErrors({});
          }}
          error={errors.scrapped}
        />
      </div>
      <fieldset>
        <legend>Documents{documentsRequired ? ' (required)' : ' (optional)'}</legend>
        <p className="hint">
          {documentsRequired ? `This job delivers ${DELIVERABLE_WORDS[deliverable ?? ''] ?? 'documents'}: add where to find it.` : 'Drawings, reports or photos that go with the work: a title and an address each.'}
        </p>
        {documents.map((d, i) => (
          <div key={i} className="field-pair">
            <Field label={`Document ${i + 1}: title`} autoComplete="off" value={d.title} onChange={(e) => setDoc(i, { title: e.target.value })} error={errors[`documents.${i}.title`]} />
            <Field label={`Document ${i + 1}: address`} type="url" autoComplete="off" placeholder="https://" value={d.url} onChange={(e) => setDoc(i, { url: e.target.value })} error={errors[`documents.${i}.url`]} />
          </div>
        ))}
        {errors.documents ? (
          <p className="field-error" role="alert">
            {errors.documents}
          </p>
        ) : null}
        {documents.length < 20 ? (
          <Button type="button" variant="secondary" onClick={() => setDocuments([...documents, { title: '', url: '' }])}>
            Add another document
          </Button>
        ) : null}
      </fieldset>
      {errors.form ? <Alert kind="error">{errors.form}</Alert> : null}
      <Button type="submit" busy={busy}>
        Report it done
      </Button>
    </form>
  );
}
