import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextAreaField } from '@/components/ui/text-area-field';
import { formatMoney } from '@/lib/money';
import { ApiProblem, problemMessage } from '@/lib/problem';

export interface ActionRound {
  roundId: string;
  projectName: string;
  status: string;
  total: string;
  currency: string;
  payoutApproval: 'coordinator' | 'members';
}

/** What the coordinator may do with a round now. */
export function roundActions(r: Pick<ActionRound, 'status' | 'payoutApproval'>): { approve: boolean; cancel: boolean } {
  return {
    approve: r.status === 'awaiting-payout' && r.payoutApproval === 'coordinator',
    cancel: ['open', 'awaiting-payout'].includes(r.status),
  };
}

interface Props {
  round: ActionRound;
  onApprove: (roundId: string) => Promise<unknown>;
  onCancel: (a: { roundId: string; reason: string }) => Promise<unknown>;
}

/**
 * Approve a funded round's payout (after saying how much goes where), or cancel a round with a
 * reason (every hold is released, or every capture refunded). Refusals show in words.
 */
export function RoundActions({ round: r, onApprove, onCancel }: Props) {
  const can = roundActions(r);
  const [open, setOpen] = useState<'approve' | 'cancel' | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!can.approve && !can.cancel) return done ? <Alert kind="success">{done}</Alert> : null;

  async function run(what: () => Promise<unknown>, success: string) {
    setBusy(true);
    setError(null);
    try {
      await what();
      setDone(success);
      setOpen(null);
    } catch (err) {
      const field = err instanceof ApiProblem ? err.fieldError('reason') : undefined;
      if (field) setFieldError(field);
      else setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function cancel(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) return setFieldError('Say why: the backers are told.');
    void run(() => onCancel({ roundId: r.roundId, reason: reason.trim() }), `The round of “${r.projectName}” is being cancelled: every pledge goes back.`);
  }

  const amount = formatMoney(r.total, r.currency);
  return (
    <div className="round-actions">
      <div className="actions">
        {can.approve ? (
          <Button type="button" aria-expanded={open === 'approve'} onClick={() => setOpen(open === 'approve' ? null : 'approve')}>
            Approve the payout…
          </Button>
        ) : null}
        {can.cancel ? (
          <Button type="button" variant="danger" aria-expanded={open === 'cancel'} onClick={() => setOpen(open === 'cancel' ? null : 'cancel')}>
            Cancel the round…
          </Button>
        ) : null}
      </div>
      {open === 'approve' ? (
        <div role="group" aria-label={`Approve the payout of ${r.projectName}`}>
          <p>
            Release <strong>{amount}</strong> to the project “{r.projectName}”? The backers become owners in proportion to what they put in, if the round buys an asset.
          </p>
          <div className="actions">
            <Button type="button" busy={busy} onClick={() => void run(() => onApprove(r.roundId), `Payout of ${amount} to “${r.projectName}” approved.`)}>
              Yes, pay out {amount}
            </Button>
            <Button type="button" variant="secondary" onClick={() => setOpen(null)}>
              Not now
            </Button>
          </div>
        </div>
      ) : null}
      {open === 'cancel' ? (
        <form onSubmit={cancel} noValidate aria-label={`Cancel the round of ${r.projectName}`}>
          <TextAreaField
            label="Why cancel it?"
            hint={r.status === 'open' ? 'Every pledge is released back to its backer.' : 'Every collected pledge is refunded to its backer.'}
            maxLength={1000}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
              setFieldError(null);
            }}
            error={fieldError}
          />
          <Button type="submit" variant="danger" busy={busy}>
            Cancel the round
          </Button>
        </form>
      ) : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {done ? <Alert kind="success">{done}</Alert> : null}
    </div>
  );
}
