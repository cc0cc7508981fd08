/**
 * Output-share credits: a job paid in so many units of a product of a co-owned asset in a future
 * quarter. Credits come off the top of the quarter's capacity, the way the catalogue's fixed parts
 * for sale do (`capacityForSale`), before the owners share the rest by the one allocation rule.
 * Pure, whole numbers.
 */
import type { PlanCredit, PlanLine, QuarterPlan } from '../../contracts/src/output-orders';

export interface CreditClaim {
  productId: string;
  units: number;
}

type Product = { id: string; capacityPerUnit: number };

/** Capacity (the asset's capacity unit) the credits take: units × the product's capacity per unit. */
export function capacityForCredits(credits: CreditClaim[], catalogue: Product[]): number {
  const cpu = (id: string) => catalogue.find((p) => p.id === id)?.capacityPerUnit ?? 0;
  return credits.reduce((a, c) => a + c.units * cpu(c.productId), 0);
}

export interface CreditRoom {
  /** Units of the product the quarter can make after the parts for sale (and before any credit). */
  capacity: number;
  /** Units of this product already promised or granted as credits. */
  promised: number;
  /** Units of this product a new credit may still take (credits of other products use capacity too). */
  available: number;
}

/**
 * How many units of `productId` a new credit may take in a quarter of `capacity` (capacity units)
 * of which `forSale` is kept for the fixed sale parts, given the credits already promised or granted.
 */
export function creditRoom(productId: string, q: { capacity: number; forSale: number; catalogue: Product[] }, credits: CreditClaim[]): CreditRoom {
  const p = q.catalogue.find((x) => x.id === productId);
  const promised = credits.filter((c) => c.productId === productId).reduce((a, c) => a + c.units, 0);
  if (!p || p.capacityPerUnit <= 0) return { capacity: 0, promised, available: 0 };
  const base = Math.max(0, q.capacity - q.forSale);
  const free = Math.max(0, base - capacityForCredits(credits, q.catalogue));
  return { capacity: Math.floor(base / p.capacityPerUnit), promised, available: Math.floor(free / p.capacityPerUnit) };
}

/**
 * A quarter's plan with its credits: promised and granted credits come off the top of the capacity
 * left after the parts for sale, `allocateRest` shares what is left among the owners (the one
 * allocation rule, untouched), and each granted credit becomes a plan line for its holder. A
 * promised credit (its job not confirmed yet) keeps its capacity out of the owners' share and is
 * listed in `credits`, with no line. Without credits the plan is `allocateRest`'s, unchanged.
 */
export function planWithCredits(
  q: { capacity: number; forSale: number; catalogue: Product[] },
  credits: PlanCredit[],
  allocateRest: (capacity: number) => QuarterPlan,
): QuarterPlan {
  const plan = allocateRest(Math.max(0, q.capacity - q.forSale - capacityForCredits(credits, q.catalogue)));
  if (credits.length === 0) return plan;
  const lines: PlanLine[] = credits
    .filter((c) => c.status === 'granted' && c.holderMemberId)
    .map((c) => ({ memberId: c.holderMemberId!, productId: c.productId, requested: c.units, granted: c.units, creditId: c.creditId, reason: c.reason }));
  return { ...plan, lines: [...plan.lines, ...lines], credits };
}
