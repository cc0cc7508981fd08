/**
 * The operator's buy-out: an agreement between an asset's operator and its other owners by which
 * the operator buys parts, quarter by quarter, at an agreed price per part until they own a
 * target number of parts. Each quarter some money funds a step (the operator's output bonus of
 * that quarter's income, or a set amount); the step buys `floor(money / price)` parts, never more
 * than is left to the target nor more than the sellers have, from every other owner in
 * proportion to their parts (`pro-rata`, largest remainder) or from those who offered, in the
 * order they offered, up to what each offered (`offered`). What the operator still has to buy is
 * a claim of each seller: parts × price. Pure, exact integer arithmetic.
 */
import { largestRemainder } from './funding';
import { zonedTime } from './quarters';
import { ShareLine, transferParts } from './shares';

export const BUYOUT_FUNDINGS = ['output-bonus', 'fixed'] as const;
export type BuyoutFunding = (typeof BUYOUT_FUNDINGS)[number];
export const BUYOUT_SOURCES = ['pro-rata', 'offered'] as const;
export type BuyoutSource = (typeof BUYOUT_SOURCES)[number];

/** An owner's offer to sell to the operator: `parts` still offered. Offers are kept in the order they were made. */
export interface BuyoutOffer {
  memberId: string;
  parts: bigint;
}

/** What one seller sells (in a step) or is still owed for (a claim): parts, and parts × price. */
export interface BuyoutPurchase {
  memberId: string;
  parts: bigint;
  amount: bigint;
}

export class BuyoutError extends Error {
  constructor(
    readonly code: 'target_above_total' | 'target_not_above_owned' | 'invalid_price' | 'operator_not_owner' | 'invalid_offer',
    message: string,
  ) {
    super(message);
    this.name = 'BuyoutError';
  }
}

export interface BuyoutTerms {
  operatorId: string;
  targetParts: bigint;
  pricePerPart: bigint;
  source: BuyoutSource;
  /** In the order they were made (only `offered` agreements buy from them). */
  offers: BuyoutOffer[];
}

/** Throws a BuyoutError unless the terms fit the asset as it is owned now. */
export function assertBuyoutTerms(terms: BuyoutTerms, table: ShareLine[], totalParts: bigint): void {
  const op = table.find((l) => l.memberId === terms.operatorId);
  if (!op || op.parts <= 0n) throw new BuyoutError('operator_not_owner', `member ${terms.operatorId} owns no parts of this asset: only an owner can buy the others out`);
  if (terms.targetParts > totalParts) throw new BuyoutError('target_above_total', `the target of ${terms.targetParts} parts is above the asset's ${totalParts} parts`);
  if (terms.targetParts <= op.parts) throw new BuyoutError('target_not_above_owned', `the operator owns ${op.parts} parts already; the target (${terms.targetParts}) must be above that`);
  if (terms.pricePerPart <= 0n) throw new BuyoutError('invalid_price', 'the price per part must be a positive whole number of minor units');
  const seen = new Set<string>();
  for (const o of terms.offers) {
    const owner = table.find((l) => l.memberId === o.memberId);
    if (o.memberId === terms.operatorId) throw new BuyoutError('invalid_offer', 'the operator cannot offer parts to themselves');
    if (seen.has(o.memberId)) throw new BuyoutError('invalid_offer', `member ${o.memberId} offers twice; one offer per owner`);
    seen.add(o.memberId);
    if (o.parts <= 0n) throw new BuyoutError('invalid_offer', `member ${o.memberId} offers ${o.parts} parts; an offer is at least one part`);
    if (!owner || owner.parts < o.parts) throw new BuyoutError('invalid_offer', `member ${o.memberId} owns ${owner?.parts ?? 0n} parts and cannot offer ${o.parts}`);
  }
}

const partsOf = (table: ShareLine[], memberId: string) => table.find((l) => l.memberId === memberId)?.parts ?? 0n;

/**
 * Who would sell `wanted` parts (at most what they have), in the agreement's way: pro rata to the
 * other owners' parts (largest remainder: exact, each at most their parts), or the offers in
 * order, each at most what is still offered and what the owner still has. Parts only; sorted by
 * member id for pro-rata, offer order for offered. Never more in total than the sellers have.
 */
export function allocateSellers(operatorId: string, table: ShareLine[], source: BuyoutSource, offers: BuyoutOffer[], wanted: bigint): Array<{ memberId: string; parts: bigint }> {
  if (wanted <= 0n) return [];
  if (source === 'offered') {
    const out: Array<{ memberId: string; parts: bigint }> = [];
    let left = wanted;
    for (const o of offers) {
      if (left === 0n) break;
      if (o.memberId === operatorId) continue;
      const can = [o.parts, partsOf(table, o.memberId), left].reduce((a, b) => (b < a ? b : a));
      if (can <= 0n) continue;
      out.push({ memberId: o.memberId, parts: can });
      left -= can;
    }
    return out;
  }
  const sellers = table.filter((l) => l.memberId !== operatorId && l.parts > 0n).sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const have = sellers.reduce((a, l) => a + l.parts, 0n);
  if (have === 0n) return [];
  const n = wanted < have ? wanted : have;
  // largestRemainder of n ≤ Σ parts gives each seller at most their parts (n = Σ: exactly them).
  const split = largestRemainder(sellers.map((l) => ({ memberId: l.memberId, amount: l.parts })), n);
  return sellers.map((l) => ({ memberId: l.memberId, parts: split.get(l.memberId) ?? 0n })).filter((p) => p.parts > 0n);
}

/** Parts the operator still has to buy to reach the target (0 once reached). */
export function partsToTarget(operatorId: string, table: ShareLine[], targetParts: bigint): bigint {
  const left = targetParts - partsOf(table, operatorId);
  return left > 0n ? left : 0n;
}

/**
 * The remaining claim: what the operator still has to buy from whom, at the agreed price, if
 * the rest were bought now in the agreement's way (as many parts as the sellers have, at most).
 */
export function remainingClaims(terms: BuyoutTerms, table: ShareLine[]): BuyoutPurchase[] {
  return allocateSellers(terms.operatorId, table, terms.source, terms.offers, partsToTarget(terms.operatorId, table, terms.targetParts)).map((p) => ({ ...p, amount: p.parts * terms.pricePerPart }));
}

export interface BuyoutStepPlan {
  /** Parts bought in this step, all sellers together. */
  parts: bigint;
  /** What the operator pays in this step: parts × price. */
  amount: bigint;
  /** Money of the step not spent (stays with the operator). */
  unspent: bigint;
  purchases: BuyoutPurchase[];
  /** The ownership table after the step. */
  table: ShareLine[];
  /** The offers after the step (what each still offers). */
  offers: BuyoutOffer[];
  /** The operator owns the target after the step. */
  completed: boolean;
}

/**
 * One quarter's step: `money` (minor units, ≥ 0) buys `floor(money / price)` parts, capped by
 * what is left to the target and by what the sellers have; parts move seller → operator by
 * `transferParts` (the sellers' output parts move in proportion). `locked`: parts each member
 * cannot sell now (leased out): they neither weigh in the pro-rata split nor move. The input is
 * not changed.
 */
export function planBuyoutStep(terms: BuyoutTerms, table: ShareLine[], money: bigint, locked: ReadonlyMap<string, bigint> = new Map()): BuyoutStepPlan {
  if (money < 0n) throw new Error('money must be >= 0');
  if (terms.pricePerPart <= 0n) throw new BuyoutError('invalid_price', 'the price per part must be positive');
  const affordable = money / terms.pricePerPart;
  const toTarget = partsToTarget(terms.operatorId, table, terms.targetParts);
  const wanted = affordable < toTarget ? affordable : toTarget;
  // Parts a seller cannot sell now (their output leased out) neither weigh nor move.
  const sellable = table.map((l) => {
    const free = l.parts - (locked.get(l.memberId) ?? 0n);
    return { ...l, parts: free > 0n ? free : 0n };
  });
  const sold = allocateSellers(terms.operatorId, sellable, terms.source, terms.offers, wanted);
  let next = table;
  for (const s of sold) next = transferParts(next, s.memberId, terms.operatorId, s.parts);
  const purchases = sold.map((s) => ({ ...s, amount: s.parts * terms.pricePerPart }));
  const parts = sold.reduce((a, s) => a + s.parts, 0n);
  const amount = parts * terms.pricePerPart;
  const offers =
    terms.source === 'offered'
      ? terms.offers.map((o) => ({ memberId: o.memberId, parts: o.parts - (sold.find((s) => s.memberId === o.memberId)?.parts ?? 0n) }))
      : terms.offers.map((o) => ({ ...o }));
  return { parts, amount, unspent: money - amount, purchases, table: next, offers, completed: partsToTarget(terms.operatorId, next, terms.targetParts) === 0n };
}

/**
 * The operator's money from one quarter's income for the step: the part of their income line
 * that their bonus output parts earned (`amount × bonusParts / outputParts`, rounded down).
 */
export function bonusIncome(line: { amount: bigint; outputParts: bigint; bonusParts: bigint }): bigint {
  if (line.outputParts <= 0n || line.bonusParts <= 0n || line.amount <= 0n) return 0n;
  return (line.amount * line.bonusParts) / line.outputParts;
}

/** The quarter (e.g. `2027-Q1`) that `now` falls in, in the asset's time zone. */
export function quarterAt(now: Date, timeZone: string): string {
  let year = now.getUTCFullYear() + 1;
  let n = 1;
  // From the quarter after the UTC one, back until one has started at `now` in the zone.
  n = Math.floor(now.getUTCMonth() / 3) + 2;
  if (n === 5) n = 1;
  else year -= 1;
  for (let i = 0; i < 4; i += 1) {
    const q = `${year}-Q${n}`;
    if (zonedTime(timeZone, year, (n - 1) * 3 + 1, 1).getTime() <= now.getTime()) return q;
    if (n === 1) {
      year -= 1;
      n = 4;
    } else n -= 1;
  }
  throw new Error('no quarter found');
}

/** The instant quarter `q` ends (the next one starts) in the asset's time zone. */
export function quarterEndsAt(q: string, timeZone: string): Date {
  const m = /^(\d{4})-Q([1-4])$/.exec(q);
  if (!m) throw new Error(`not a quarter: ${q}`);
  const [y, n] = [Number(m[1]), Number(m[2])];
  return n === 4 ? zonedTime(timeZone, y + 1, 1, 1) : zonedTime(timeZone, y, n * 3 + 1, 1);
}
