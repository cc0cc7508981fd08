/**
 * An owner's output share in the words and numbers members see: "30 % = 120 m2 of 400 m2".
 * The capacity part is the entitlement the allocation starts from (allocation.ts, step 1).
 */
import { largestRemainder } from './funding';
import type { OwnerShare } from './allocation';

/** Each owner's entitlement to a quarter's capacity by output share (exact integers summing to the capacity). */
export function outputEntitlements(capacity: number, owners: OwnerShare[]): Record<string, number> {
  const weighted = owners.filter((o) => o.weight > 0n);
  const out: Record<string, number> = Object.fromEntries(owners.map((o) => [o.memberId, 0]));
  if (capacity <= 0 || weighted.length === 0) return out;
  const split = largestRemainder(weighted.map((o) => ({ memberId: o.memberId, amount: o.weight })), BigInt(capacity));
  for (const [id, v] of split) out[id] = Number(v);
  return out;
}

/** `parts` of `total` as a percentage with at most one decimal, rounded half up: "30 %", "33.3 %". */
export function percentText(parts: bigint, total: bigint): string {
  if (total <= 0n) return '0 %';
  const tenths = (parts * 1000n + total / 2n) / total;
  const whole = tenths / 10n;
  const frac = tenths % 10n;
  return `${whole}${frac === 0n ? '' : `.${frac}`} %`;
}
