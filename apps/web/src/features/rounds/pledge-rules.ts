/**
 * The rules of the pledge form, checked before anything is sent (the API checks them again):
 * an amount the person can read back, at least the minimum unless it is 0 (withdraw), and no more
 * than their pledge plus what their account holds.
 */
import { formatMoney, parseMoneyInput } from '@/lib/money';

export interface PledgeContext {
  currency: string;
  minPledge: bigint;
  /** What the member's account holds now, besides this pledge. */
  available: bigint;
  /** The member's pledge now. */
  current: bigint;
}

export type PledgeCheck = { ok: true; amount: bigint; change: bigint } | { ok: false; message: string };

export function checkPledge(text: string, c: PledgeContext): PledgeCheck {
  const parsed = parseMoneyInput(text, c.currency);
  if (!parsed.ok) return { ok: false, message: parsed.message === 'Enter an amount.' ? 'Enter an amount (0 withdraws your pledge).' : parsed.message };
  const amount = parsed.minor;
  if (amount === c.current) return { ok: false, message: `Your pledge is ${formatMoney(amount, c.currency)} already.` };
  if (amount > 0n && amount < c.minPledge) return { ok: false, message: `The minimum pledge is ${formatMoney(c.minPledge, c.currency)} (or 0 to withdraw).` };
  const change = amount - c.current;
  if (change > c.available) {
    return { ok: false, message: `Your account holds ${formatMoney(c.available, c.currency)} besides your pledge: you can pledge at most ${formatMoney(c.current + c.available, c.currency)}.` };
  }
  return { ok: true, amount, change };
}
