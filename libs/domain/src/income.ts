/**
 * Output that earns: what part of a quarter's output is for sale, and how a quarter's income is
 * shared among the asset's owners. Pure, exact integer arithmetic (minor units as bigint).
 *
 * The income is split by output parts (the operator's output bonus is part of the operator's
 * output parts) with `largestRemainder`, the same rule that divides ownership parts and a
 * quarter's capacity: the amounts sum to exactly the income; the minor units left after rounding
 * down go one each to the largest remainders, ties to the larger share, then the lower member id.
 */
import { largestRemainder } from './funding';
import { Currency, formatMoney } from './money';
import { percentText } from './output-share';
import type { ShareLine } from './shares';

/** The rule every distribution stores (and the sentence that explains it). */
export const INCOME_RULE = 'largest-remainder-by-output-parts';
export const INCOME_RULE_TEXT =
  "The quarter's income is shared in proportion to output parts (the operator's output bonus included); each owner gets the whole minor units of their exact part, and the minor units left over go one each to the largest remainders (ties: the larger share, then the lower member id), so the amounts add up to the income exactly.";

export interface IncomeLine {
  memberId: string;
  /** Ownership parts. */
  parts: bigint;
  /** Output parts: what the income is split by. */
  outputParts: bigint;
  /** Output parts beyond the ownership parts: the operator's bonus for running the asset. */
  bonusParts: bigint;
  /** Minor units. */
  amount: bigint;
  /** One sentence for the owner. */
  explanation: string;
}

/**
 * Shares `income` (minor units, >= 0) among the owners by output parts. Owners without output
 * parts get 0. Throws when no owner has output parts but there is income to share.
 */
export function distributeIncome(income: bigint, owners: ShareLine[], ctx: { currency: Currency; assetName: string; quarter: string }): IncomeLine[] {
  if (income < 0n) throw new Error('income must be >= 0');
  const weighted = owners.filter((o) => o.outputParts > 0n);
  const totalOutput = weighted.reduce((a, o) => a + o.outputParts, 0n);
  if (weighted.length === 0 && income > 0n) throw new Error('no owner has output parts to share the income by');
  const split = weighted.length ? largestRemainder(weighted.map((o) => ({ memberId: o.memberId, amount: o.outputParts })), income) : new Map<string, bigint>();
  return [...owners]
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
    .map((o) => {
      const amount = split.get(o.memberId) ?? 0n;
      const bonusParts = o.outputParts > o.parts ? o.outputParts - o.parts : 0n;
      return { memberId: o.memberId, parts: o.parts, outputParts: o.outputParts, bonusParts, amount, explanation: explainIncome({ income, totalOutput, outputParts: o.outputParts, bonusParts, amount, ...ctx }) };
    });
}

/** "You hold 12 of the 100 output parts of Greenhouse (12 %), so you get 14.40 EUR of the 120.00 EUR it earned in 2026-Q3." */
export function explainIncome(d: { income: bigint; totalOutput: bigint; outputParts: bigint; bonusParts: bigint; amount: bigint; currency: Currency; assetName: string; quarter: string }): string {
  const money = (v: bigint) => formatMoney(v, d.currency);
  const bonus = d.bonusParts > 0n ? `, ${d.bonusParts} of them your operator's bonus for running it` : '';
  const exactFloor = d.totalOutput > 0n ? (d.income * d.outputParts) / d.totalOutput : 0n;
  const rounding = d.amount > exactFloor ? ` (${money(d.amount - exactFloor)} of it from sharing out the rounding remainder)` : '';
  return `You hold ${d.outputParts} of the ${d.totalOutput} output parts of ${d.assetName} (${percentText(d.outputParts, d.totalOutput)}${bonus}), so you get ${money(d.amount)} of the ${money(d.income)} it earned from sales in ${d.quarter}${rounding}.`;
}

/** What a catalogue product puts up for sale each quarter. */
export interface SaleTerms {
  productId: string;
  capacityPerUnit: number;
  /** A fixed number of units per quarter kept out of the owners' allocation for sale. */
  fixedUnits: number;
  /** Whether capacity the owners left unused (the plan's `spare`) may be sold as this product. */
  unordered: boolean;
}

/** Capacity the fixed sale parts take out of a quarter before the owners' allocation. */
export function capacityForSale(terms: SaleTerms[]): number {
  return terms.reduce((a, t) => a + t.fixedUnits * t.capacityPerUnit, 0);
}

/**
 * How many units of `productId` may still be sold this quarter, given what was sold already
 * (`sold`: units per product). Each product's fixed part is sold first; beyond it, products marked
 * `unordered` share the plan's spare capacity (a unit takes its capacity from the pool).
 */
export function saleableUnits(productId: string, terms: SaleTerms[], spare: number, sold: Record<string, number>): { saleable: number; sold: number; available: number } {
  const t = terms.find((x) => x.productId === productId);
  const soldHere = sold[productId] ?? 0;
  if (!t) return { saleable: 0, sold: soldHere, available: 0 };
  const spareUsed = terms.reduce((a, x) => a + (x.unordered ? Math.max(0, (sold[x.productId] ?? 0) - x.fixedUnits) * x.capacityPerUnit : 0), 0);
  const spareLeft = Math.max(0, spare - spareUsed);
  const fromSpare = t.unordered && t.capacityPerUnit > 0 ? Math.floor(spareLeft / t.capacityPerUnit) : 0;
  const available = Math.max(0, t.fixedUnits - soldHere) + fromSpare;
  return { saleable: soldHere + available, sold: soldHere, available };
}
