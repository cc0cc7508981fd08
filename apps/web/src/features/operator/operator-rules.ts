/**
 * The rules of the node operator's forms, checked before anything is sent (the API checks them
 * again and its refusals show on the same fields): a rejection says why, a counter-offer names a
 * date, part of the quantity and/or (paid work with a ceiling) a price, progress is a whole
 * percent, a completion reports whole quantities within the job's bound and the documents a design
 * or test report needs.
 */

import { formatMoney, parseMoneyInput } from '@/lib/money';

/** The API's limits (libs/contracts: JOB_TEXT_MAX, COMPLETION_QUANTITY_FACTOR). */
export const TEXT_MAX = 1000;
export const COMPLETION_FACTOR = 10;

export type Errors<F extends string> = Partial<Record<F, string>>;
type Checked<T, F extends string> = { ok: true; value: T } | { ok: false; errors: Errors<F> };

const wholeNumber = (t: string) => (/^\d{1,9}$/.test(t.trim()) ? Number(t.trim()) : null);
const tooLong = (t: string) => t.length > TEXT_MAX;

export function checkReject(reason: string): Checked<{ reason: string }, 'reason'> {
  const r = reason.trim();
  if (!r) return { ok: false, errors: { reason: 'Say why, so that the coordinator can plan (it goes to them with the offer).' } };
  if (tooLong(r)) return { ok: false, errors: { reason: `At most ${TEXT_MAX} characters.` } };
  return { ok: true, value: { reason: r } };
}

export interface CounterInput {
  /** yyyy-mm-dd from a date input ('' for none). */
  date: string;
  quantity: string;
  note: string;
  /** The price asked as a person types it ("520", "519.90"); '' or absent for none. */
  price?: string;
}

export interface CounterJob {
  quantity: number;
  /** The job's due time (ISO): a counter-offered date keeps its time of day. */
  dueAt: string;
  /** Paid work: the price (minor units) and its currency; null: unpaid. */
  price?: { amount: string; currency: string } | null;
  /** The highest price a counter may ask (minor units); null: not negotiable. */
  priceCeiling?: string | null;
}

/** A priced job with a ceiling: a counter-offer may name a price. */
export type NegotiableJob<J extends CounterJob> = J & { price: { amount: string; currency: string }; priceCeiling: string };

/** Whether a counter-offer may name a price: a priced job with a ceiling (then both are known to be there). */
export const priceIsNegotiable = <J extends CounterJob>(job: J): job is NegotiableJob<J> => Boolean(job.price && job.priceCeiling);

/** The date (a day in the viewer's time zone) at the job's due time of day, as ISO. */
export function counterDueAt(date: string, dueAt: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const due = new Date(dueAt);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), due.getHours(), due.getMinutes());
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function checkCounter(
  input: CounterInput,
  job: CounterJob,
  now = Date.now(),
): Checked<{ dueAt?: string; quantity?: number; note?: string; price?: string }, 'date' | 'quantity' | 'note' | 'price' | 'form'> {
  const errors: Errors<'date' | 'quantity' | 'note' | 'price' | 'form'> = {};
  const value: { dueAt?: string; quantity?: number; note?: string; price?: string } = {};
  if (input.date.trim()) {
    const iso = counterDueAt(input.date.trim(), job.dueAt);
    if (!iso) errors.date = 'Enter a date.';
    else if (Date.parse(iso) <= now) errors.date = 'The date must be in the future.';
    else value.dueAt = iso;
  }
  if (input.quantity.trim()) {
    const q = wholeNumber(input.quantity);
    if (q === null || q < 1 || q >= job.quantity) errors.quantity = job.quantity > 1 ? `Enter a whole number from 1 to ${job.quantity - 1}: the part you can make.` : 'This job is one unit: it cannot be split.';
    else value.quantity = q;
  }
  // A price counts only where the job takes one (the form shows no price field otherwise).
  const negotiable = priceIsNegotiable(job) ? job : null;
  const price = negotiable ? (input.price?.trim() ?? '') : '';
  if (price && negotiable) {
    const parsed = parseMoneyInput(price, negotiable.price.currency);
    if (!parsed.ok) errors.price = parsed.message;
    else if (parsed.minor > BigInt(negotiable.priceCeiling)) errors.price = `At most ${formatMoney(negotiable.priceCeiling, negotiable.price.currency)}: the job’s ceiling.`;
    else value.price = String(parsed.minor);
  }
  const note = input.note.trim();
  if (tooLong(note)) errors.note = `At most ${TEXT_MAX} characters.`;
  else if (note) value.note = note;
  if (!input.date.trim() && !input.quantity.trim() && !price && !errors.note) {
    errors.form = priceIsNegotiable(job) ? 'Name a date you can meet, the part of the quantity you can make, a price, or several.' : 'Name a date you can meet, the part of the quantity you can make, or both.';
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value };
}

export function checkProgress(percent: string, note: string): Checked<{ percent: number; note?: string }, 'percent' | 'note'> {
  const p = wholeNumber(percent);
  const errors: Errors<'percent' | 'note'> = {};
  if (p === null || p > 100) errors.percent = 'Enter a whole percent from 0 to 100.';
  if (tooLong(note.trim())) errors.note = `At most ${TEXT_MAX} characters.`;
  if (Object.keys(errors).length || p === null) return { ok: false, errors };
  return { ok: true, value: { percent: p, ...(note.trim() ? { note: note.trim() } : {}) } };
}

export interface DocumentRow {
  title: string;
  url: string;
}

export type CompletionField = 'made' | 'scrapped' | 'documents' | `documents.${number}.title` | `documents.${number}.url`;

const httpUrl = (u: string) => {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * Made at least 1, scrapped at least 0, together at most 10 × the job's quantity (a typo's
 * thousandfold figures never reach the records); each document row complete; at least one
 * document when the job delivers a design or a test report. Empty rows are ignored.
 */
export function checkCompletion(
  input: { made: string; scrapped: string; documents: DocumentRow[] },
  job: { quantity: number; documentsRequired: boolean },
): Checked<{ made: number; scrapped: number; documents: DocumentRow[] }, CompletionField> {
  const errors: Errors<CompletionField> = {};
  const made = wholeNumber(input.made);
  const scrapped = input.scrapped.trim() === '' ? 0 : wholeNumber(input.scrapped);
  if (made === null || made < 1) errors.made = 'Enter how many you made: a whole number, at least 1.';
  if (scrapped === null) errors.scrapped = 'Enter how many were scrapped: a whole number (0 if none).';
  const bound = COMPLETION_FACTOR * job.quantity;
  if (made !== null && scrapped !== null && made >= 1 && made + scrapped > bound) errors.made = `Made and scrapped together are at most ${bound} (${COMPLETION_FACTOR} × the ${job.quantity} ordered). Check the figures.`;
  const documents: DocumentRow[] = [];
  input.documents.forEach((d, i) => {
    const title = d.title.trim();
    const url = d.url.trim();
    if (!title && !url) return;
    if (!title) errors[`documents.${i}.title`] = 'Give the document a title.';
    if (!httpUrl(url)) errors[`documents.${i}.url`] = 'Enter the document’s address (https://…).';
    documents.push({ title, url });
  });
  if (job.documentsRequired && documents.length === 0) errors.documents = 'This job delivers a design or a test report: add at least one document (a title and its address).';
  if (Object.keys(errors).length || made === null || scrapped === null) return { ok: false, errors };
  return { ok: true, value: { made, scrapped, documents } };
}
