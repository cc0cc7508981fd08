import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { formatMoney, minorToInput } from '@/lib/money';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { checkPledge, type PledgeContext } from '../pledge-rules';

interface Props extends PledgeContext {
  /** Sends the pledge ("my pledge is now X"); throws the API's problem when refused. */
  onPledge: (amount: bigint) => Promise<unknown>;
}

/** Set, raise, lower or withdraw my pledge; refusals show on the form, in words. */
export function PledgeForm({ onPledge, ...ctx }: Props) {
  const [text, setText] = useState(ctx.current > 0n ? minorToInput(ctx.current, ctx.currency) : '');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(amount: bigint) {
    setBusy(true);
    setDone(null);
    try {
      await onPledge(amount);
      setError(null);
      setDone(amount === 0n ? 'Your pledge is withdrawn; the money is back in your account.' : `Your pledge is now ${formatMoney(amount, ctx.currency)}. The money is held until the round closes.`);
      if (amount === 0n) setText('');
    } catch (e) {
      // The API's field error (e.g. below the minimum) or refusal (insufficient funds, closed), in words.
      setError(e instanceof ApiProblem ? (e.fieldError('amount') ?? problemMessage(e)) : problemMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const check = checkPledge(text, ctx);
    if (!check.ok) {
      setError(check.message);
      setDone(null);
      return;
    }
    void send(check.amount);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="My pledge">
      <Field
        label={`My pledge (${ctx.currency})`}
        inputMode="decimal"
        autoComplete="off"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        error={error}
        hint={`Minimum ${formatMoney(ctx.minPledge, ctx.currency)}. Your account holds ${formatMoney(ctx.available, ctx.currency)} besides your pledge of ${formatMoney(ctx.current, ctx.currency)}.`}
      />
      <div className="actions">
        <Button type="submit" busy={busy}>
          {ctx.current > 0n ? 'Change my pledge' : 'Pledge'}
        </Button>
        {ctx.current > 0n ? (
          <Button type="button" variant="danger" disabled={busy} onClick={() => void send(0n)}>
            Withdraw my pledge
          </Button>
        ) : null}
      </div>
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}
