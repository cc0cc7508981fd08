/**
 * The market's rules as the forms check them before sending (the API checks again and has the
 * last word), and the API's refusals in words with their figures formatted as money.
 */
import { formatMoney, parseMoneyInput } from '@/lib/money';
import { ApiProblem, problemMessage } from '@/lib/problem';

const DAY = 86_400_000;

/** Whole parts from what a person typed: "5" → 5n. */
export function parseParts(text: string): { ok: true; parts: bigint } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'Enter how many parts.' };
  if (!/^\d{1,18}$/.test(t) || BigInt(t) < 1n) return { ok: false, message: 'Enter a whole number of parts, from 1.' };
  return { ok: true, parts: BigInt(t) };
}

/** Days an order stays open, 1 to 365, as its expiry instant. */
export function parseExpiry(text: string, now = Date.now(), minDays = 1): { ok: true; expiresAt: string } | { ok: false; message: string } {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t) || Number(t) < minDays || Number(t) > 365) return { ok: false, message: `Enter a number of days from ${minDays} to 365.` };
  return { ok: true, expiresAt: new Date(now + Number(t) * DAY).toISOString() };
}

export interface OrderInput {
  parts: string;
  price: string;
  days: string;
}

export type OrderErrors = Partial<Record<keyof OrderInput, string>>;

/** A bid or a listing at a price: parts, price per part (minor units), expiry; or the errors per field. */
export function checkOrder(
  input: OrderInput,
  currency: string,
  opts: { now?: number; minDays?: number; priced?: boolean } = {},
): { ok: true; parts: bigint; pricePerPart: bigint | null; expiresAt: string } | { ok: false; errors: OrderErrors } {
  const errors: OrderErrors = {};
  const parts = parseParts(input.parts);
  if (!parts.ok) errors.parts = parts.message;
  let price: bigint | null = null;
  if (opts.priced !== false) {
    const p = parseMoneyInput(input.price, currency);
    if (!p.ok) errors.price = p.message;
    else if (p.minor <= 0n) errors.price = 'Enter a price above zero.';
    else price = p.minor;
  }
  const exp = parseExpiry(input.days, opts.now, opts.minDays);
  if (!exp.ok) errors.days = exp.message;
  if (!parts.ok || !exp.ok || Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, parts: parts.parts, pricePerPart: price, expiresAt: exp.expiresAt };
}

/** parts × price, exact. */
export function orderTotal(parts: bigint, pricePerPart: bigint): bigint {
  return parts * pricePerPart;
}

const money = (v: string | undefined, currency: string) => (v && /^-?\d+$/.test(v) ? formatMoney(v, currency) : v ?? '?');

/** A refusal of the market or the leases in words, with its figures (money formatted from minor units). */
export function marketRefusal(err: unknown, currency: string): string {
  if (!(err instanceof ApiProblem)) return problemMessage(err);
  const x = err.extras;
  const cur = x.currency ?? currency;
  switch (err.code) {
    case 'insufficient_funds':
      return x.needed
        ? `Your account does not hold enough: this needs ${money(x.needed, cur)} and ${money(x.available ?? x.balance, cur)} is free. Ask the coordinator about a deposit, or ask for less.`
        : 'Your account does not hold enough for this.';
    case 'insufficient_parts':
      if (x.owned !== undefined && x.requested !== undefined) return `You own ${x.owned} parts and ${x.listed ?? 0} are already listed: you cannot list ${x.requested}.`;
      if (x.totalParts !== undefined) return `The asset has ${x.totalParts} parts in all: a bid for ${x.requested} could never fill.`;
      if (x.listed !== undefined) return `The listing has ${x.listed} parts left; you asked for ${x.requested}.`;
      return err.detail || 'Not enough parts for this.';
    case 'operator_floor':
      return x.floor !== undefined ? `The operator keeps at least ${x.floor} parts: you may list at most ${x.maxListable ?? 0}.` : err.detail;
    case 'no_settled_price':
      return 'No trade has settled on this asset yet, so there is no last price to be bought out at: list at a price instead.';
    case 'market_not_open':
      return 'This asset has no market yet: the coordinator has not opened one.';
    case 'currency_mismatch':
      return x.marketCurrency ? `This market trades in ${x.marketCurrency}.` : err.detail;
    case 'invalid_expiry':
      return `The listing must stay open past the co-owners' first-refusal window${x.rofrEndsAt ? `, which ends ${new Date(x.rofrEndsAt).toLocaleString()}` : ''}: choose more days.`;
    case 'expiry_in_past':
      return 'Choose an expiry in the future.';
    case 'order_closed':
      return `This is already ${x.orderStatus ?? 'closed'}: nothing to cancel.`;
    case 'rofr_closed':
      return "The co-owners' first-refusal window of this listing has ended: bid for it instead.";
    case 'not_co_owner':
      return "Only the asset's co-owners may claim a listing in its first-refusal window.";
    case 'own_listing':
      return 'This is your own listing.';
    case 'already_claimed':
      return `You already claimed ${x.claimed ?? 'parts'} of this listing.`;
    case 'member_suspended':
      return 'Your membership is suspended: you cannot place orders. Ask the coordinator.';
    case 'lease_parts_unavailable':
      return x.available !== undefined ? `Only ${x.available} parts can be leased for those quarters (you own ${x.owned ?? '?'}, ${x.leasedOut ?? '?'} already leased out).` : err.detail;
    case 'quarter_started':
      return x.firstOpenQuarter ? `That quarter has begun for this asset: the first quarter a lease can start is ${x.firstOpenQuarter}.` : err.detail;
    case 'lease_too_long':
      return `A lease runs at most ${x.max ?? 'the allowed number of'} quarters.`;
    case 'lease_to_self':
      return 'A lease needs another member as lessee.';
    case 'lease_not_open':
      return `This lease is ${x.status ?? 'no longer open'}: it was answered before.`;
    case 'lease_ended':
      return err.detail ? `${err.detail[0].toUpperCase()}${err.detail.slice(1)}.` : 'This lease has ended.';
    case 'request_open':
      return 'A request on this lease already awaits its answer.';
    case 'not_a_party':
      return err.detail ? `${err.detail[0].toUpperCase()}${err.detail.slice(1)}.` : 'This is not yours to answer.';
    default:
      return problemMessage(err);
  }
}

/**
 * The Idempotency-Key of a form: the same submission sent again (a retry after a failure or a
 * lost answer) reuses its key so the API does it once; a changed form or a new submission after a
 * success gets a new key.
 */
export class SubmissionKeys {
  private last: { body: string; key: string } | null = null;
  constructor(private readonly uuid: () => string = () => crypto.randomUUID()) {}

  keyFor(body: unknown): string {
    const b = JSON.stringify(body, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (this.last?.body !== b) this.last = { body: b, key: this.uuid() };
    return this.last.key;
  }

  /** After a success: the next submission is a new one, even with the same contents. */
  done(): void {
    this.last = null;
  }
}

/** Words for the status of a listing, bid or claim. */
export const ORDER_STATUS: Record<string, string> = {
  rofr: 'offered to co-owners first',
  open: 'open',
  filled: 'filled',
  cancelled: 'cancelled',
  expired: 'expired',
  pending: 'waiting for the window to end',
  allocated: 'allocated',
  void: 'void (the listing closed)',
};

/** The price series of the chart: the daily close per UTC day (minor units as plain numbers for the axis only; labels are formatted from them as integers). */
export function closeSeries(history: Array<{ day: string; close: string; parts: string }>): Array<{ day: string; close: number; parts: number }> {
  return history.map((h) => ({ day: h.day, close: Number(h.close), parts: Number(h.parts) }));
}

/** "2027-Q1" for a date (UTC quarter). */
export function quarterOf(d: Date): string {
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** The next `n` quarters after the one `d` is in: the choices for a lease's first quarter. */
export function nextQuarters(d: Date, n: number): string[] {
  let y = d.getUTCFullYear();
  let q = Math.floor(d.getUTCMonth() / 3) + 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    q += 1;
    if (q > 4) {
      q = 1;
      y += 1;
    }
    out.push(`${y}-Q${q}`);
  }
  return out;
}
