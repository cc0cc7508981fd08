import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { TextAreaField } from '@/components/ui/text-area-field';
import { formatDateTime } from '@/lib/dates';
import { formatMoney } from '@/lib/money';
import { ApiProblem, problemMessage } from '@/lib/problem';
import type { OfferAnswer } from '../api/operator';
import { checkCounter, checkReject, priceIsNegotiable, TEXT_MAX, type Errors } from '../operator-rules';

export interface OfferJob {
  id: string;
  quantity: number;
  unit: string;
  dueAt: string;
  openOfferId: string;
  /** Paid work: the price and the ceiling a counter may ask (minor units); null when unpaid or not negotiable. */
  price?: { amount: string; currency: string } | null;
  priceCeiling?: string | null;
}

interface Props {
  job: OfferJob;
  /** Sends the answer; throws the API's problem when refused. */
  onAnswer: (a: OfferAnswer) => Promise<unknown>;
}

/** The API's field errors, on the form's fields (`map` renames API fields to the form's). */
function fieldErrors<F extends string>(err: unknown, map: Record<string, F>, fallback: F): Errors<F> {
  if (!(err instanceof ApiProblem)) return { [fallback]: problemMessage(err) } as Errors<F>;
  const out: Errors<F> = {};
  for (const e of err.errors) {
    const f = map[e.field] ?? fallback;
    out[f] = out[f] ? `${out[f]} ${e.message}` : e.message;
  }
  if (!Object.keys(out).length) out[fallback] = problemMessage(err);
  return out;
}

/** Accept, reject with a reason, or counter-offer a date and/or part of the quantity. */
export function OfferActions({ job, onAnswer }: Props) {
  const [open, setOpen] = useState<'reject' | 'counter' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function accept() {
    setBusy(true);
    setError(null);
    try {
      await onAnswer({ kind: 'accept', jobId: job.id, offerId: job.openOfferId });
    } catch (e) {
      setError(problemMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="offer-actions">
      <div className="actions">
        <Button type="button" busy={busy} onClick={() => void accept()}>
          Accept
        </Button>
        <Button type="button" variant="secondary" aria-expanded={open === 'counter'} onClick={() => setOpen(open === 'counter' ? null : 'counter')}>
          Counter-offer…
        </Button>
        <Button type="button" variant="danger" aria-expanded={open === 'reject'} onClick={() => setOpen(open === 'reject' ? null : 'reject')}>
          Reject…
        </Button>
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {open === 'reject' ? <RejectForm job={job} onAnswer={onAnswer} /> : null}
      {open === 'counter' ? <CounterForm job={job} onAnswer={onAnswer} /> : null}
    </div>
  );
}

export function RejectForm({ job, onAnswer }: Props) {
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<'reason'>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const check = checkReject(reason);
    if (!check.ok) return setErrors(check.errors);
    setBusy(true);
    try {
      await onAnswer({ kind: 'reject', jobId: job.id, offerId: job.openOfferId, reason: check.value.reason });
      setErrors({});
    } catch (err) {
      setErrors(fieldErrors(err, { reason: 'reason' }, 'reason'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Reject the offer">
      <TextAreaField
        label="Why can’t you take it?"
        hint="The coordinator sees your reason; the job goes to the next capable node."
        maxLength={TEXT_MAX}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          setErrors({});
        }}
        error={errors.reason}
      />
      <Button type="submit" variant="danger" busy={busy}>
        Reject the offer
      </Button>
    </form>
  );
}

export function CounterForm({ job, onAnswer }: Props) {
  const [date, setDate] = useState('');
  const [quantity, setQuantity] = useState('');
  const [note, setNote] = useState('');
  const [price, setPrice] = useState('');
  const [errors, setErrors] = useState<Errors<'date' | 'quantity' | 'note' | 'price' | 'form'>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const check = checkCounter({ date, quantity, note, price }, job);
    if (!check.ok) return setErrors(check.errors);
    setBusy(true);
    try {
      await onAnswer({ kind: 'counter', jobId: job.id, offerId: job.openOfferId, ...check.value });
      setErrors({});
    } catch (err) {
      setErrors(fieldErrors(err, { dueAt: 'date', quantity: 'quantity', note: 'note', price: 'price' }, 'form'));
    } finally {
      setBusy(false);
    }
  }

  const clear = () => setErrors({});
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Counter-offer">
      <p className="muted small">
        Due {formatDateTime(job.dueAt)}. Offer a date you can meet, the part of the {job.quantity} {job.unit} you can make{priceIsNegotiable(job) ? ', a price up to the ceiling' : ''}, or several. The job’s rules decide: a date within its allowed delay is
        taken; a part only if the job may be split (the rest goes to another node){priceIsNegotiable(job) ? '; a price within the ceiling is taken' : ''}.
      </p>
      <Field label="A date you can meet" type="date" value={date} onChange={(e) => (setDate(e.target.value), clear())} error={errors.date} />
      <Field label={`How many you can make (of ${job.quantity})`} inputMode="numeric" autoComplete="off" value={quantity} onChange={(e) => (setQuantity(e.target.value), clear())} error={errors.quantity} suffix={job.unit} />
      {priceIsNegotiable(job) ? (
        <Field
          label={`Your price (the job pays ${formatMoney(job.price.amount, job.price.currency)}; at most ${formatMoney(job.priceCeiling, job.price.currency)})`}
          inputMode="decimal"
          autoComplete="off"
          value={price}
          onChange={(e) => (setPrice(e.target.value), clear())}
          error={errors.price}
          suffix={job.price.currency}
        />
      ) : null}
      <TextAreaField label="Note (optional)" rows={2} maxLength={TEXT_MAX} value={note} onChange={(e) => (setNote(e.target.value), clear())} error={errors.note} />
      {errors.form ? <Alert kind="error">{errors.form}</Alert> : null}
      <Button type="submit" variant="secondary" busy={busy}>
        Send the counter-offer
      </Button>
    </form>
  );
}
