/**
 * How a funded asset is divided among those who paid for it. Pure, exact integer arithmetic:
 * ownership parts in proportion to money put in, by the largest-remainder method (Hamilton), so
 * the parts always sum to exactly `totalParts` and rounding never creates or loses a part. Ties
 * in the remainder go to the larger contribution, then to the lower member id: deterministic.
 */
import type { ShareLine } from './shares';

export interface Contribution {
  memberId: string;
  amount: bigint;
}

/** Splits `total` in proportion to `weights` (all >= 0, not all 0); the result sums to `total`. */
export function largestRemainder(weights: Contribution[], total: bigint): Map<string, bigint> {
  const sum = weights.reduce((a, w) => a + w.amount, 0n);
  if (sum <= 0n) throw new Error('cannot divide by contributions that sum to zero');
  const rows = weights.map((w) => ({ id: w.memberId, weight: w.amount, base: (total * w.amount) / sum, rem: (total * w.amount) % sum }));
  let left = total - rows.reduce((a, r) => a + r.base, 0n);
  const order = [...rows].sort((a, b) => (a.rem !== b.rem ? (b.rem > a.rem ? 1 : -1) : a.weight !== b.weight ? (b.weight > a.weight ? 1 : -1) : a.id < b.id ? -1 : 1));
  for (const r of order) {
    if (left === 0n) break;
    r.base += 1n;
    left -= 1n;
  }
  return new Map(rows.map((r) => [r.id, r.base]));
}

/**
 * The ownership table of an asset bought by a funding round: ownership parts in proportion to
 * what each member put in; output parts the same, except that an operator first receives
 * `operatorBonusPercent` % of the output for running the asset (the rest is shared by money).
 */
export function fundedShareTable(
  contributions: Contribution[],
  totalParts: bigint,
  operator?: { memberId: string; outputBonusPercent: number },
): ShareLine[] {
  const paying = contributions.filter((c) => c.amount > 0n);
  const own = largestRemainder(paying, totalParts);
  const bonus = operator ? (totalParts * BigInt(operator.outputBonusPercent)) / 100n : 0n;
  const out = largestRemainder(paying, totalParts - bonus);
  if (operator && bonus > 0n) out.set(operator.memberId, (out.get(operator.memberId) ?? 0n) + bonus);
  const ids = [...new Set([...own.keys(), ...out.keys()])].sort();
  return ids
    .map((memberId) => ({ memberId, parts: own.get(memberId) ?? 0n, outputParts: out.get(memberId) ?? 0n }))
    .filter((l) => l.parts > 0n || l.outputParts > 0n);
}

/**
 * The smallest pledge that earns at least one whole part of an asset of `totalParts` parts when
 * the round raises `goal`: a round whose minimum pledge is below it would leave a backer without
 * a part (the API refuses such a round).
 */
export function smallestPledgeForWholePart(goal: bigint, totalParts: bigint): bigint {
  return (goal + totalParts - 1n) / totalParts;
}
