/**
 * The fraction market of a co-owned asset: owners list parts for sale (asks), members bid for
 * parts, and orders match by price-time priority at the resting order's price. Pure rules only;
 * persistence and settlement live in libs/db/src/market. Money in integer minor units, parts in
 * integer parts of the asset's `totalParts`: no floats anywhere.
 */

export type MarketErrorCode =
  | 'market_not_open'
  | 'insufficient_parts'
  | 'operator_floor'
  | 'no_settled_price'
  | 'currency_mismatch'
  | 'own_listing'
  | 'not_co_owner'
  | 'rofr_closed'
  | 'already_claimed'
  | 'order_closed'
  | 'insufficient_funds'
  | 'invalid_expiry';

/** A market rule refused the request; `figures` say by how much (problem document extensions). */
export class MarketError extends Error {
  constructor(
    readonly code: MarketErrorCode,
    message: string,
    readonly figures: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'MarketError';
  }
}

/** What a seller may still list: parts owned, minus parts in open listings, minus the operator's floor. */
export interface ListingCapacity {
  owned: bigint;
  /** Parts of the seller's listings still open (or in their right-of-first-refusal window). */
  listed: bigint;
  /** The operator's steady percentage as parts (0 for everyone else). */
  floor: bigint;
}

/** Throws unless `parts` more can be listed; the refusal names the figures. */
export function assertListable(parts: bigint, c: ListingCapacity): void {
  const free = c.owned - c.listed;
  if (parts > free) {
    throw new MarketError('insufficient_parts', `you own ${c.owned} parts, ${c.listed} of them already listed, and cannot list ${parts} more`, {
      owned: String(c.owned),
      listed: String(c.listed),
      requested: String(parts),
    });
  }
  if (c.floor > 0n && free - parts < c.floor) {
    throw new MarketError('operator_floor', `the operator keeps at least ${c.floor} parts: with ${c.owned} owned and ${c.listed} listed, at most ${free - c.floor > 0n ? free - c.floor : 0n} can be listed`, {
      owned: String(c.owned),
      listed: String(c.listed),
      floor: String(c.floor),
      requested: String(parts),
      maxListable: String(free - c.floor > 0n ? free - c.floor : 0n),
    });
  }
}

/** An order resting in the book (an open listing or bid), in the book's order. */
export interface RestingOrder {
  id: string;
  memberId: string;
  pricePerPart: bigint;
  remaining: bigint;
  /** Arrival order: lower came first (time priority). */
  seq: bigint;
}

export interface IncomingOrder {
  side: 'ask' | 'bid';
  memberId: string;
  pricePerPart: bigint;
  remaining: bigint;
}

/** One match: `parts` with the resting order `restingId`, at `pricePerPart` (the resting order's price). */
export interface Fill {
  restingId: string;
  parts: bigint;
  pricePerPart: bigint;
}

/** Best first: asks by lowest price, bids by highest; then the earlier order. */
export function bookOrder(side: 'ask' | 'bid'): (a: RestingOrder, b: RestingOrder) => number {
  return (a, b) => {
    if (a.pricePerPart !== b.pricePerPart) return (side === 'ask' ? a.pricePerPart < b.pricePerPart : a.pricePerPart > b.pricePerPart) ? -1 : 1;
    return a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
  };
}

/**
 * Matches an incoming order against the resting orders of the other side by price-time priority,
 * never with the incoming member's own orders; each fill trades at the resting order's price.
 * `sellerCapacity` caps what each seller can still deliver (owned parts less the operator's floor):
 * a resting ask whose seller has no capacity left is skipped. Returns the fills, best first.
 */
export function matchIncoming(incoming: IncomingOrder, resting: RestingOrder[], sellerCapacity: Map<string, bigint>): Fill[] {
  const restingSide = incoming.side === 'bid' ? 'ask' : 'bid';
  const book = [...resting].sort(bookOrder(restingSide));
  const capacity = new Map(sellerCapacity);
  const fills: Fill[] = [];
  let left = incoming.remaining;
  for (const r of book) {
    if (left <= 0n) break;
    if (r.memberId === incoming.memberId || r.remaining <= 0n) continue;
    const crosses = incoming.side === 'bid' ? r.pricePerPart <= incoming.pricePerPart : r.pricePerPart >= incoming.pricePerPart;
    if (!crosses) break; // the book is sorted: nothing further crosses either
    const seller = incoming.side === 'bid' ? r.memberId : incoming.memberId;
    const cap = capacity.get(seller) ?? 0n;
    const parts = min(left, r.remaining, cap);
    if (parts <= 0n) continue;
    fills.push({ restingId: r.id, parts, pricePerPart: r.pricePerPart });
    capacity.set(seller, cap - parts);
    left -= parts;
  }
  return fills;
}

/** What a fill moves: the seller gets `pay`; the bidder's hold gives back `refund` (a better price than bid). */
export function settlementAmounts(parts: bigint, tradePrice: bigint, bidPrice: bigint): { pay: bigint; refund: bigint } {
  if (tradePrice > bidPrice) throw new Error(`a trade at ${tradePrice} cannot settle a bid at ${bidPrice}`);
  return { pay: parts * tradePrice, refund: parts * (bidPrice - tradePrice) };
}

export interface RofrClaim {
  memberId: string;
  /** Parts the co-owner asked for. */
  requested: bigint;
  /** Their ownership parts: the weight of their claim. */
  weight: bigint;
}

/**
 * Allocates `available` parts of a listing among the co-owners who claimed it, in proportion to
 * their shares, never more than a claimant asked for (what a capped claimant leaves goes to the
 * others, by the same rule). Whole parts by largest remainder; ties go to the larger share, then
 * the lower member id, so the result does not depend on the claims' order. The allocations sum to
 * exactly min(available, Σ requested).
 */
export function allocateProRata(available: bigint, claims: RofrClaim[]): Map<string, bigint> {
  const out = new Map<string, bigint>(claims.map((c) => [c.memberId, 0n]));
  let remaining = min(available, claims.reduce((s, c) => s + (c.requested > 0n ? c.requested : 0n), 0n));
  // A claim without a share still counts, with the least weight (1), so nothing is left unallocated.
  let active = claims.filter((c) => c.requested > 0n).map((c) => ({ ...c, weight: c.weight > 0n ? c.weight : 1n }));
  while (remaining > 0n && active.length > 0) {
    const total = active.reduce((s, c) => s + c.weight, 0n);
    // Claimants whose whole request fits within their fair share get all of it; the rest is shared again.
    const capped = active.filter((c) => c.requested * total <= remaining * c.weight);
    if (capped.length > 0) {
      for (const c of capped) {
        out.set(c.memberId, c.requested);
        remaining -= c.requested;
      }
      active = active.filter((c) => !capped.includes(c));
      continue;
    }
    const shares = active.map((c) => ({ c, base: (remaining * c.weight) / total, rem: (remaining * c.weight) % total }));
    let leftover = remaining - shares.reduce((s, x) => s + x.base, 0n);
    shares.sort((a, b) => (a.rem !== b.rem ? (a.rem > b.rem ? -1 : 1) : a.c.weight !== b.c.weight ? (a.c.weight > b.c.weight ? -1 : 1) : a.c.memberId < b.c.memberId ? -1 : a.c.memberId > b.c.memberId ? 1 : 0));
    for (const x of shares) {
      const extra = leftover > 0n ? 1n : 0n;
      leftover -= extra;
      out.set(x.c.memberId, x.base + extra);
    }
    remaining = 0n;
  }
  return out;
}

/** The book as price levels (no names): total parts and number of orders at each price, best first. */
export function priceLevels(side: 'ask' | 'bid', orders: Array<{ pricePerPart: bigint; remaining: bigint }>): Array<{ pricePerPart: bigint; parts: bigint; orders: number }> {
  const levels = new Map<bigint, { parts: bigint; orders: number }>();
  for (const o of orders) {
    if (o.remaining <= 0n) continue;
    const l = levels.get(o.pricePerPart) ?? { parts: 0n, orders: 0 };
    l.parts += o.remaining;
    l.orders += 1;
    levels.set(o.pricePerPart, l);
  }
  return [...levels.entries()]
    .sort(([a], [b]) => (side === 'ask' ? (a < b ? -1 : 1) : a > b ? -1 : 1))
    .map(([pricePerPart, l]) => ({ pricePerPart, ...l }));
}

function min(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}
