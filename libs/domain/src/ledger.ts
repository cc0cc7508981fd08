/**
 * Double-entry rules: a transaction is a set of entries, one per account, whose amounts sum to
 * zero in each currency. A positive amount credits an account (money in), a negative one debits
 * it (money out). An account's balance is the sum of its entries.
 */
import type { Currency } from './money';

/**
 * `asset`: an asset's income from sales of its output until the quarter's distribution (owner: the asset).
 * `hold`: a member's money held for one funding round (owner: the member, scope: the round), so
 * that pledges of different members never touch the same account; `escrow`: the round-wide hold
 * account of rounds opened before per-member holds.
 */
export const ACCOUNT_KINDS = ['member', 'project', 'organiser', 'escrow', 'hold', 'round', 'external', 'asset'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** Kinds whose balance may never go below zero. The external world is the only one that may. */
export const NON_NEGATIVE_KINDS: readonly AccountKind[] = ['member', 'project', 'organiser', 'escrow', 'hold', 'round', 'asset'];

export interface EntryDraft {
  accountId: string;
  amount: bigint;
}

export class LedgerError extends Error {
  constructor(
    readonly code: 'unbalanced' | 'empty' | 'zero_amount' | 'duplicate_account' | 'insufficient_funds' | 'currency_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export function assertBalanced(entries: EntryDraft[]): void {
  if (entries.length < 2) throw new LedgerError('empty', 'a transaction needs at least two entries');
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.amount === 0n) throw new LedgerError('zero_amount', 'an entry cannot be zero');
    if (seen.has(e.accountId)) throw new LedgerError('duplicate_account', 'the same account appears twice in one transaction');
    seen.add(e.accountId);
  }
  const total = entries.reduce((a, e) => a + e.amount, 0n);
  if (total !== 0n) throw new LedgerError('unbalanced', `entries sum to ${total}, not to zero`);
}

/** The two entries of a simple movement of `amount` from one account to another. */
export function movement(fromAccountId: string, toAccountId: string, amount: bigint): EntryDraft[] {
  return [
    { accountId: fromAccountId, amount: -amount },
    { accountId: toAccountId, amount },
  ];
}

export interface AccountState {
  id: string;
  kind: AccountKind;
  currency: Currency;
  balance: bigint;
}

/**
 * An account in words, for messages: members see these refusals (a pledge without the money), so
 * they name whose account it is, never an internal account id.
 */
const ACCOUNT_WORDS: Record<AccountKind, string> = {
  member: "the member's account",
  project: "the project's account",
  organiser: "the organiser's account",
  escrow: "the round's escrow",
  hold: 'the hold (of a pledge or a job)',
  round: "the round's account",
  external: 'the outside world',
  asset: "the asset's income account",
};

/** Checks the entries against the accounts' current balances; throws when a rule would break. */
export function assertPostable(entries: EntryDraft[], accounts: Map<string, AccountState>, currency: Currency): void {
  assertBalanced(entries);
  for (const e of entries) {
    const a = accounts.get(e.accountId);
    if (!a) throw new Error(`account ${e.accountId} not loaded`);
    if (a.currency !== currency) {
      throw new LedgerError('currency_mismatch', `${ACCOUNT_WORDS[a.kind]} holds ${a.currency}, not ${currency}`);
    }
    if (NON_NEGATIVE_KINDS.includes(a.kind) && a.balance + e.amount < 0n) {
      throw new LedgerError(
        'insufficient_funds',
        `${ACCOUNT_WORDS[a.kind]} holds ${a.balance} and cannot pay ${-e.amount} (${currency} minor units)`,
      );
    }
  }
}
