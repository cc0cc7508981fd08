/**
 * Co-ownership in undivided fractions ("tenancy in common"). An asset is divided into
 * `totalParts` equal integer parts; each owner holds `parts` of them (ownership) and receives
 * `outputParts` of its output (which may differ: an operator's bonus). Both columns always sum to
 * exactly `totalParts`. Pure functions; no floats anywhere.
 */

export interface ShareLine {
  memberId: string;
  parts: bigint;
  outputParts: bigint;
}

export class ShareError extends Error {
  constructor(
    readonly code: 'not_whole' | 'negative' | 'duplicate_owner' | 'insufficient_parts' | 'same_member' | 'invalid_parts' | 'asset_being_funded',
    message: string,
  ) {
    super(message);
    this.name = 'ShareError';
  }
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** Throws a ShareError unless the table is a valid division of the whole asset. */
export function assertWhole(lines: ShareLine[], totalParts: bigint): void {
  if (totalParts <= 0n) throw new ShareError('invalid_parts', 'totalParts must be positive');
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.memberId)) throw new ShareError('duplicate_owner', `member ${l.memberId} appears twice in the ownership table`);
    seen.add(l.memberId);
    if (l.parts < 0n || l.outputParts < 0n) throw new ShareError('negative', `member ${l.memberId} has a negative share`);
    if (l.parts === 0n && l.outputParts === 0n) throw new ShareError('invalid_parts', `member ${l.memberId} has an empty share`);
  }
  const owned = sum(lines.map((l) => l.parts));
  const output = sum(lines.map((l) => l.outputParts));
  if (owned !== totalParts) {
    throw new ShareError('not_whole', `ownership parts sum to ${owned}, not to the asset's ${totalParts} parts`);
  }
  if (output !== totalParts) {
    throw new ShareError('not_whole', `output parts sum to ${output}, not to the asset's ${totalParts} parts`);
  }
}

/**
 * Moves `parts` of ownership from one member to another. The seller's output share moves in the
 * same proportion, rounded down (the seller keeps the remainder), and all of it when the seller
 * sells everything: an operator's bonus stays with the operator until they leave. Returns a new
 * table (lines with nothing left are dropped); the input is not changed.
 */
export function transferParts(lines: ShareLine[], fromMemberId: string, toMemberId: string, parts: bigint): ShareLine[] {
  if (fromMemberId === toMemberId) throw new ShareError('same_member', 'seller and buyer are the same member');
  if (parts <= 0n) throw new ShareError('invalid_parts', 'parts must be positive');
  const seller = lines.find((l) => l.memberId === fromMemberId);
  if (!seller || seller.parts < parts) {
    throw new ShareError(
      'insufficient_parts',
      `member ${fromMemberId} owns ${seller?.parts ?? 0n} parts and cannot sell ${parts}`,
    );
  }
  const outputMoved = parts === seller.parts ? seller.outputParts : (seller.outputParts * parts) / seller.parts;
  const next = lines.map((l) => ({ ...l }));
  const s = next.find((l) => l.memberId === fromMemberId)!;
  s.parts -= parts;
  s.outputParts -= outputMoved;
  let b = next.find((l) => l.memberId === toMemberId);
  if (!b) {
    b = { memberId: toMemberId, parts: 0n, outputParts: 0n };
    next.push(b);
  }
  b.parts += parts;
  b.outputParts += outputMoved;
  return next.filter((l) => l.parts > 0n || l.outputParts > 0n);
}

/** A fraction in lowest terms as text, e.g. "1/3". */
export function fractionText(parts: bigint, total: bigint): string {
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const g = gcd(parts, total) || 1n;
  return `${parts / g}/${total / g}`;
}
