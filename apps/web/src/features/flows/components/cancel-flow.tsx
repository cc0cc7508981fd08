import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextAreaField } from '@/components/ui/text-area-field';
import { ApiProblem, problemMessage } from '@/lib/problem';

/** A refused cancel in words. */
export function cancelRefusal(err: unknown): string {
  if (err instanceof ApiProblem) {
    if (err.code === 'flow_closed') return 'This flow has already ended: there is nothing to cancel.';
    if (err.status === 403) return 'Your role may not cancel flows: ask a coordinator who may.';
  }
  return problemMessage(err);
}

/** Cancel a running flow, with why: its open jobs are withdrawn; its hand-offs stay as records. */
export function CancelFlow({ onCancel }: { onCancel: (reason: string) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = reason.trim();
    if (!r) return setFieldError('Say why: the nodes whose jobs are withdrawn read it.');
    if (r.length > 500) return setFieldError('At most 500 characters.');
    setBusy(true);
    setError(null);
    try {
      await onCancel(r);
      setOpen(false);
      setReason('');
    } catch (err) {
      const f = err instanceof ApiProblem ? err.fieldError('reason') : undefined;
      if (f) setFieldError(f);
      else setError(cancelRefusal(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      <Button type="button" variant="danger" aria-expanded={open} onClick={() => (setOpen(!open), setFieldError(null), setError(null))}>
        Cancel the flow…
      </Button>
      {open ? (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Cancel the flow">
          <TextAreaField
            label="Why is it cancelled?"
            hint="Its open jobs are withdrawn; hand-offs already made stay as records."
            maxLength={500}
            value={reason}
            onChange={(e) => (setReason(e.target.value), setFieldError(null))}
            error={fieldError}
          />
          <Button type="submit" variant="danger" busy={busy}>
            Cancel the flow
          </Button>
        </form>
      ) : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
    </div>
  );
}
