/**
 * The ownership chart's slices from the largest owners (a page of them) and the whole: the rest of
 * the owners as one slice, and what nobody owns yet (an asset awaiting its round) as another.
 * Parts stay integers (digit strings); the chart only draws proportions.
 */
export function ownershipSlices(largest: Array<{ name: string; parts: string }>, ownedParts: string, totalParts: string, owners: number): Array<{ name: string; parts: string }> {
  const shown = largest.reduce((s, o) => s + BigInt(o.parts), 0n);
  const slices = largest.map((o) => ({ name: o.name, parts: o.parts }));
  const rest = BigInt(ownedParts) - shown;
  if (rest > 0n) slices.push({ name: `${owners - largest.length} other owner${owners - largest.length === 1 ? '' : 's'}`, parts: rest.toString() });
  const unowned = BigInt(totalParts) - BigInt(ownedParts);
  if (unowned > 0n) slices.push({ name: 'Not owned yet', parts: unowned.toString() });
  return slices;
}

/** Granted of requested as a whole percent (0–100) for a bar; 100 when nothing was asked. */
export function grantedPercent(requested: number, granted: number | null): number {
  if (granted === null) return 0;
  if (requested <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((granted * 100) / requested)));
}
