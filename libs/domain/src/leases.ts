/**
 * Leases of output rights: an owner lets another member receive the output of some of their parts
 * of an asset for whole quarters, at a price. Ownership does not move; for each leased quarter the
 * quarter's output table does. Pure functions, integers only (bigint for parts and money).
 */
import { ShareLine, transferParts } from './shares';

export const MAX_LEASE_QUARTERS = 40;

export class LeaseError extends Error {
  constructor(
    readonly code:
      | 'lease_parts_unavailable'
      | 'lease_to_self'
      | 'lease_too_long'
      | 'quarter_started'
      | 'lease_not_open'
      | 'not_a_party'
      | 'request_open'
      | 'lease_ended'
      | 'insufficient_funds',
    message: string,
    /** The figures behind a refusal (RFC 9457 extension members), as text. */
    readonly figures: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'LeaseError';
  }
}

const QUARTER = /^(\d{4})-Q([1-4])$/;

/** Quarter text to a running index (year × 4 + quarter − 1), so quarters add and compare as integers. */
export function quarterIndex(q: string): number {
  const m = QUARTER.exec(q);
  if (!m) throw new Error(`not a quarter: ${q}`);
  return Number(m[1]) * 4 + Number(m[2]) - 1;
}

export function quarterOfIndex(index: number): string {
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/** `count` consecutive quarters from `first`. */
export function leaseQuarters(first: string, count: number): string[] {
  const start = quarterIndex(first);
  return Array.from({ length: count }, (_, i) => quarterOfIndex(start + i));
}

/**
 * A price for `count` quarters split into one amount per quarter, exactly: each quarter gets the
 * floor of an equal share and the earliest quarters one minor unit more until the total is met.
 * Pro-rata refunds of quarters not begun are the sum of their amounts (the last quarters).
 */
export function splitPrice(total: bigint, count: number): bigint[] {
  if (count <= 0) throw new Error('count must be positive');
  if (total < 0n) throw new Error('price must not be negative');
  const n = BigInt(count);
  const base = total / n;
  const extra = Number(total % n);
  return Array.from({ length: count }, (_, i) => base + (i < extra ? 1n : 0n));
}

/** A lease in force for one quarter: `parts` of the lessor's parts, whose output goes to the lessee. */
export interface LeaseGrant {
  leaseId: string;
  lessorMemberId: string;
  lesseeMemberId: string;
  parts: bigint;
}

/** What a grant did to the quarter's table (parts may be fewer than leased if the lessor has sold since). */
export interface AppliedGrant extends LeaseGrant {
  /** Parts actually applied (≤ leased: at most what the lessor still owns, after their earlier leases). */
  applied: bigint;
  /** Output parts that moved from the lessor to the lessee this quarter. */
  outputMoved: bigint;
}

/**
 * The quarter's output table with its leases applied: each lease moves the lessor's output share
 * of the leased parts to the lessee in the same proportion as `transferParts` (rounded down, the
 * lessor keeps the remainder; all of it when every remaining part is leased). Leases apply in the
 * order given (callers sort by lease id); a lease for more parts than its lessor still has left
 * (they sold some since) applies to what is left. Ownership does not change: only `outputParts`
 * of the result is meant to be used. Sums to the asset's total; nobody below zero.
 */
export function effectiveOutputTable(shares: ShareLine[], grants: LeaseGrant[]): { table: ShareLine[]; applied: AppliedGrant[] } {
  let table = shares.map((l) => ({ ...l }));
  const applied: AppliedGrant[] = [];
  for (const g of grants) {
    const lessor = table.find((l) => l.memberId === g.lessorMemberId);
    const parts = lessor ? (g.parts < lessor.parts ? g.parts : lessor.parts) : 0n;
    if (parts <= 0n || g.lessorMemberId === g.lesseeMemberId) {
      applied.push({ ...g, applied: 0n, outputMoved: 0n });
      continue;
    }
    const before = lessor!.outputParts;
    table = transferParts(table, g.lessorMemberId, g.lesseeMemberId, parts);
    const after = table.find((l) => l.memberId === g.lessorMemberId)?.outputParts ?? 0n;
    applied.push({ ...g, applied: parts, outputMoved: before - after });
  }
  // The virtual transfers moved parts too: put ownership back as it is (only output changed).
  const owned = new Map(shares.map((l) => [l.memberId, l.parts]));
  const out = table.map((l) => ({ memberId: l.memberId, parts: owned.get(l.memberId) ?? 0n, outputParts: l.outputParts }));
  for (const l of shares) if (!out.some((o) => o.memberId === l.memberId)) out.push({ memberId: l.memberId, parts: l.parts, outputParts: 0n });
  return { table: out, applied };
}

/** Parts a lessor can still lease for a set of quarters: what they own less the most they have leased out in any of them. */
export function partsAvailable(owned: bigint, leasedOutPerQuarter: bigint[]): bigint {
  const most = leasedOutPerQuarter.reduce((a, b) => (b > a ? b : a), 0n);
  const left = owned - most;
  return left > 0n ? left : 0n;
}
