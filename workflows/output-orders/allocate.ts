/** The quarter plan of a producing asset: pure, deterministic, property-tested (allocate.spec.ts). */
import type { CatalogueProduct, OwnerOrder, PlanLine, QuarterPlan } from '../../libs/contracts/src/output-orders';
import { allocateCapacity } from '../../libs/domain/src/allocation';

/**
 * Capacity by output share, then each owner's lines filled in order in whole product units. What
 * an owner's share cannot use (a unit bigger than the rest of it) goes back: whole units are then
 * added, one at a time, to the owner furthest below their share who still wants something that
 * fits, until nothing fits. So `spare` is capacity no remaining request can use.
 */
export function allocate(
  capacity: number,
  owners: Array<{ memberId: string; weight: string }>,
  orders: Record<string, OwnerOrder | undefined>,
  catalogue: CatalogueProduct[],
  quarter: string,
): QuarterPlan {
  const cpu = (id: string) => catalogue.find((p) => p.id === id)?.capacityPerUnit ?? 0;
  const requests: Record<string, number> = {};
  for (const o of owners) requests[o.memberId] = (orders[o.memberId]?.lines ?? []).reduce((a, l) => a + l.quantity * cpu(l.productId), 0);
  const byOwner = allocateCapacity(capacity, owners.map((o) => ({ memberId: o.memberId, weight: BigInt(o.weight) })), requests);
  const lines: PlanLine[] = [];
  const usedBy: Record<string, number> = {};
  for (const o of owners) {
    let left = byOwner[o.memberId] ?? 0;
    usedBy[o.memberId] = 0;
    for (const l of orders[o.memberId]?.lines ?? []) {
      const c = cpu(l.productId);
      const granted = c > 0 ? Math.min(l.quantity, Math.floor(left / c)) : 0;
      left -= granted * c;
      usedBy[o.memberId] += granted * c;
      lines.push({ memberId: o.memberId, productId: l.productId, requested: l.quantity, granted });
    }
  }
  let spare = capacity - Object.values(usedBy).reduce((a, b) => a + b, 0);
  const weight = (id: string) => Number(owners.find((o) => o.memberId === id)?.weight ?? '0') || 0;
  for (;;) {
    const fits = lines.filter((l) => l.granted < l.requested && cpu(l.productId) > 0 && cpu(l.productId) <= spare && weight(l.memberId) > 0);
    if (fits.length === 0) break;
    // The owner with the least capacity per share gets the next unit; ties by member id.
    fits.sort((a, b) => usedBy[a.memberId] / weight(a.memberId) - usedBy[b.memberId] / weight(b.memberId) || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const line = fits[0];
    line.granted += 1;
    usedBy[line.memberId] += cpu(line.productId);
    spare -= cpu(line.productId);
  }
  return { quarter, capacity, capacityByOwner: usedBy, lines, spare };
}
