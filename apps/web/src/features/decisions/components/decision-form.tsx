import { useId, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { problemMessage } from '@/lib/problem';

interface Props {
  options: Array<{ id: string; label: string }>;
  onAnswer: (a: { option: string; comment?: string }) => Promise<unknown>;
}

/** One answer, final once sent (so a decision can close as soon as its outcome is certain). */
export function DecisionForm({ options, onAnswer }: Props) {
  const [option, setOption] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const commentId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!option) {
      setError('Choose one of the options, then send.');
      return;
    }
    setBusy(true);
    try {
      await onAnswer({ option, ...(comment.trim() ? { comment: comment.trim() } : {}) });
      setError(null);
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="My answer">
      <fieldset>
        <legend>Your answer</legend>
        {options.map((o) => (
          <label key={o.id} className="radio">
            <input type="radio" name="option" value={o.id} checked={option === o.id} onChange={() => setOption(o.id)} /> <span>{o.label}</span>
          </label>
        ))}
      </fieldset>
      <p>
        <label htmlFor={commentId}>Comment (optional)</label>
        <textarea id={commentId} rows={3} maxLength={1000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </p>
      <p className="muted small">Your answer is final once sent: it cannot be changed, so that the decision can close as soon as its outcome is certain.</p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <Button type="submit" busy={busy}>
        Send my answer
      </Button>
    </form>
  );
}
