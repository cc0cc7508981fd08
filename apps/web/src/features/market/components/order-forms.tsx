import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { formatMoney, parseMoneyInput } from '@/lib/money';
import { checkOrder, marketRefusal, parseParts, SubmissionKeys, type OrderErrors, type OrderInput } from '../market-rules';

interface Trade {
  parts: string;
  pricePerPart: string;
  amount: string;
}

const tradeWords = (trades: Trade[], currency: string, verb: string) =>
  trades.length ? ` It ${verb} ${trades.map((t) => `${t.parts} parts at ${formatMoney(t.pricePerPart, currency)}`).join(', ')} at once.` : '';

/** What a form sends: the body and its submission's Idempotency-Key (the same on a retry of the same submission). */
export type Submit<B, R> = (v: { body: B; key: string }) => Promise<R>;

/** Bid for parts of an asset: parts × price is held while the bid is open. Refusals in words. */
export function BidForm({
  assetId,
  currency,
  onBid,
}: {
  assetId: string;
  currency: string;
  onBid: Submit<{ assetId: string; parts: bigint; pricePerPart: bigint; currency: string; expiresAt: string }, { bid: { remaining: string; status: string }; trades: Trade[] }>;
}) {
  const [input, setInput] = useState<OrderInput>({ parts: '', price: '', days: '30' });
  const [errors, setErrors] = useState<OrderErrors>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keys = useRef(new SubmissionKeys());
  const parts = parseParts(input.parts);
  const price = parseMoneyInput(input.price, currency);
  const total = parts.ok && price.ok ? parts.parts * price.minor : null;

  const set = (k: keyof OrderInput) => (e: { target: { value: string } }) => {
    setInput({ ...input, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
    setRefusal(null);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const c = checkOrder(input, currency);
    if (!c.ok) {
      setErrors(c.errors);
      return;
    }
    // The key follows what the person asked for (parts, price, days), not the instant computed from the days.
    const key = keys.current.keyFor({ assetId, ...input });
    setBusy(true);
    try {
      const r = await onBid({ body: { assetId, parts: c.parts, pricePerPart: c.pricePerPart!, currency, expiresAt: c.expiresAt }, key });
      keys.current.done();
      setRefusal(null);
      setDone(
        `Your bid for ${c.parts} parts at ${formatMoney(c.pricePerPart!, currency)} a part is placed.${tradeWords(r.trades, currency, 'bought')}` +
          (r.bid.status === 'filled' ? ' It is filled.' : ` ${formatMoney(BigInt(r.bid.remaining) * c.pricePerPart!, currency)} stays held for the ${r.bid.remaining === '1' ? 'part' : `${r.bid.remaining} parts`} still wanted.`),
      );
      setInput({ parts: '', price: '', days: input.days });
    } catch (err) {
      setRefusal(marketRefusal(err, currency));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Bid for parts">
      <div className="field-pair">
        <Field label="Parts" inputMode="numeric" autoComplete="off" value={input.parts} onChange={set('parts')} error={errors.parts} />
        <Field label={`Price per part (${currency})`} inputMode="decimal" autoComplete="off" value={input.price} onChange={set('price')} error={errors.price} />
        <Field label="Open for (days)" inputMode="numeric" autoComplete="off" value={input.days} onChange={set('days')} error={errors.days} />
      </div>
      <p className="small muted" aria-live="polite">
        {total !== null ? `${formatMoney(total, currency)} will be held from your account while the bid is open; a cheaper match gives the difference back.` : 'The bid’s money is held from your account while it is open.'}
      </p>
      <div className="actions">
        <Button type="submit" busy={busy}>
          Place my bid
        </Button>
      </div>
      {refusal ? <Alert kind="error">{refusal}</Alert> : null}
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}

export interface ListableAsset {
  assetId: string;
  name: string;
  myParts: string;
}

/**
 * List parts of an asset I own at a price, or ask to be bought out at the last settled price.
 * `market` is the chosen asset's market (its currency, first-refusal days, last price), or null
 * when it has none.
 */
export function ListingForm({
  assets,
  assetId,
  onAsset,
  market,
  onList,
}: {
  assets: ListableAsset[];
  assetId: string;
  onAsset: (id: string) => void;
  market: { currency: string; rofrDays: number; lastPrice: string | null } | null | undefined;
  onList: Submit<
    { assetId: string; parts: bigint | null; pricePerPart: bigint | null; buyout: boolean; currency: string; expiresAt: string },
    { listing: { status: string; remaining: string; rofrEndsAt: string | null; pricePerPart: string }; trades: Trade[] }
  >;
}) {
  const [input, setInput] = useState<OrderInput>({ parts: '', price: '', days: '30' });
  const [buyout, setBuyout] = useState(false);
  const [errors, setErrors] = useState<OrderErrors>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keys = useRef(new SubmissionKeys());
  const currency = market?.currency ?? 'EUR';
  const minDays = (market?.rofrDays ?? 0) + 1;

  const set = (k: keyof OrderInput) => (e: { target: { value: string } }) => {
    setInput({ ...input, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
    setRefusal(null);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (!market) return;
    // A buy-out without parts lists every part I may list.
    const c = checkOrder({ ...input, parts: buyout && input.parts.trim() === '' ? '1' : input.parts }, currency, { priced: !buyout, minDays });
    if (!c.ok) {
      setErrors(c.errors);
      return;
    }
    const parts = buyout && input.parts.trim() === '' ? null : c.parts;
    const key = keys.current.keyFor({ assetId, buyout, ...input });
    setBusy(true);
    try {
      const r = await onList({ body: { assetId, parts, pricePerPart: c.pricePerPart, buyout, currency, expiresAt: c.expiresAt }, key });
      keys.current.done();
      setRefusal(null);
      const l = r.listing;
      setDone(
        `Listed ${parts ?? l.remaining} parts at ${formatMoney(l.pricePerPart, currency)} a part.` +
          (l.status === 'rofr' && l.rofrEndsAt ? ` The co-owners may claim them first, until ${new Date(l.rofrEndsAt).toLocaleString()}; then they are open to every member.` : '') +
          tradeWords(r.trades, currency, 'sold'),
      );
      setInput({ parts: '', price: '', days: input.days });
    } catch (err) {
      setRefusal(marketRefusal(err, currency));
    } finally {
      setBusy(false);
    }
  }

  if (!assets.length) return <p className="muted">You own no parts of an asset: there is nothing to list.</p>;
  const mine = assets.find((a) => a.assetId === assetId);
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="List parts for sale" className="market-form">
      <div className="field">
        <label htmlFor="listing-asset">Asset</label>
        <select id="listing-asset" value={assetId} onChange={(e) => onAsset(e.target.value)}>
          {assets.map((a) => (
            <option key={a.assetId} value={a.assetId}>
              {a.name} (you own {a.myParts} parts)
            </option>
          ))}
        </select>
      </div>
      {market === null ? (
        <Alert kind="info">{mine?.name ?? 'This asset'} has no market yet: the coordinator opens one.</Alert>
      ) : market === undefined ? null : (
        <>
          <fieldset className="field">
            <legend>How</legend>
            <label>
              <input type="radio" name="listing-kind" checked={!buyout} onChange={() => setBuyout(false)} /> At my price
            </label>{' '}
            <label>
              <input type="radio" name="listing-kind" checked={buyout} onChange={() => setBuyout(true)} /> Buy me out at the last price
              {market.lastPrice ? ` (${formatMoney(market.lastPrice, currency)} a part)` : ' (no trade yet)'}
            </label>
          </fieldset>
          <div className="field-pair">
            <Field
              label="Parts"
              inputMode="numeric"
              autoComplete="off"
              value={input.parts}
              onChange={set('parts')}
              error={errors.parts}
              hint={buyout ? 'Empty: every part you may list.' : undefined}
            />
            {buyout ? null : <Field label={`Price per part (${currency})`} inputMode="decimal" autoComplete="off" value={input.price} onChange={set('price')} error={errors.price} />}
            <Field label="Open for (days)" inputMode="numeric" autoComplete="off" value={input.days} onChange={set('days')} error={errors.days} hint={market.rofrDays ? `At least ${minDays}: co-owners may claim first for ${market.rofrDays} days.` : undefined} />
          </div>
          <div className="actions">
            <Button type="submit" busy={busy}>
              {buyout ? 'Ask to be bought out' : 'List my parts'}
            </Button>
          </div>
        </>
      )}
      {refusal ? <Alert kind="error">{refusal}</Alert> : null}
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}

/** Claim parts of a co-owner's listing in its first-refusal window (held until the window ends, then allocated pro rata). */
export function ClaimForm({ listingId, currency, pricePerPart, onClaim }: { listingId: string; currency: string; pricePerPart: string; onClaim: (v: { listingId: string; parts: bigint }) => Promise<unknown> }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const p = parseParts(text);
    if (!p.ok) {
      setError(p.message);
      return;
    }
    setBusy(true);
    try {
      await onClaim({ listingId, parts: p.parts });
      setError(null);
      setDone(`You claimed ${p.parts} parts: ${formatMoney(p.parts * BigInt(pricePerPart), currency)} is held until the window ends.`);
    } catch (err) {
      setError(marketRefusal(err, currency));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Claim parts" className="stack">
      <Field label="Parts to claim" inputMode="numeric" autoComplete="off" value={text} onChange={(e) => setText(e.target.value)} error={error} />
      <Button type="submit" busy={busy} variant="secondary">
        Claim
      </Button>
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}
