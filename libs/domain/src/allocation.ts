/**
 * How a producing asset's capacity for a quarter is shared among its co-owners. Exact integers:
 *
 * 1. Each owner is entitled to capacity in proportion to their output share (operator bonus
 *    included), by largest remainder: entitlements sum to exactly the capacity.
 * 2. A request within entitlement is filled; a larger one gets its entitlement.
 * 3. Capacity some owners leave unused goes to those who asked for more, in proportion to their
 *    shares (largest remainder again), never beyond what they asked; repeated until either no
 *    capacity or no unmet request is left.
 * Nothing is created or lost: the grants sum to min(capacity, total requested). Ties go to the
 * larger share, then to the lower member id.
 */
import { largestRemainder } from './funding';

export interface OwnerShare {
  memberId: string;
  /** Output parts (or any integer weight). */
  weight: bigint;
}

export function allocateCapacity(capacity: number, owners: OwnerShare[], requests: Record<string, number>): Record<string, number> {
  if (!Number.isInteger(capacity) || capacity < 0) throw new Error('capacity must be a whole number >= 0');
  const grant: Record<string, number> = {};
  const want = (id: string) => Math.max(0, Math.floor(requests[id] ?? 0));
  for (const o of owners) grant[o.memberId] = 0;
  const weighted = owners.filter((o) => o.weight > 0n);
  if (capacity === 0 || weighted.length === 0) return grant;

  const entitlement = largestRemainder(
    weighted.map((o) => ({ memberId: o.memberId, amount: o.weight })),
    BigInt(capacity),
  );
  let left = capacity;
  for (const o of weighted) {
    const g = Math.min(want(o.memberId), Number(entitlement.get(o.memberId) ?? 0n));
    grant[o.memberId] = g;
    left -= g;
  }
  // Water-filling: share what is left among those still short, by weight, capped at their need.
  for (;;) {
    const short = weighted.filter((o) => grant[o.memberId] < want(o.memberId));
    if (left === 0 || short.length === 0) break;
    const split = largestRemainder(
      short.map((o) => ({ memberId: o.memberId, amount: o.weight })),
      BigInt(left),
    );
    let moved = 0;
    for (const o of short) {
      const add = Math.min(Number(split.get(o.memberId) ?? 0n), want(o.memberId) - grant[o.memberId]);
      grant[o.memberId] += add;
      moved += add;
    }
    // largestRemainder hands out all of `left`, so someone short gets at least one unit: progress.
    left -= moved;
  }
  return grant;
}
