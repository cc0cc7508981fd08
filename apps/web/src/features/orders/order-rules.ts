/**
 * The rules of the order form: whole quantities, and how much of the member's share of the
 * capacity an order uses. Asking for more than the share is allowed, but the extra is granted
 * only from capacity other owners leave unused: the form says so as it happens.
 */

export interface CatalogueLine {
  id: string;
  capacityPerUnit: number;
}

export type Quantities = Record<string, string>;

export function parseQuantity(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: true, value: 0 };
  if (!/^\d{1,7}$/.test(t) || Number(t) > 1_000_000) return { ok: false, message: 'Enter a whole number from 0 to 1,000,000.' };
  return { ok: true, value: Number(t) };
}

export interface OrderUsage {
  /** Capacity the order takes (capacity units). */
  used: number;
  entitlement: number;
  capacity: number;
  /** How much beyond the member's share (0 when within it). */
  overShare: number;
  /** More than the whole asset can make in a quarter. */
  overCapacity: boolean;
  /** Fields with a quantity that is not a whole number. */
  errors: Record<string, string>;
}

export function orderUsage(q: Quantities, catalogue: CatalogueLine[], entitlement: number, capacity: number): OrderUsage {
  let used = 0;
  const errors: Record<string, string> = {};
  for (const p of catalogue) {
    const v = parseQuantity(q[p.id] ?? '');
    if (!v.ok) errors[p.id] = v.message;
    else used += v.value * p.capacityPerUnit;
  }
  return { used, entitlement, capacity, overShare: Math.max(0, used - entitlement), overCapacity: used > capacity, errors };
}

/** The order to send: lines with a quantity above 0. */
export function orderLines(q: Quantities, catalogue: CatalogueLine[]): Array<{ productId: string; quantity: number }> {
  return catalogue.flatMap((p) => {
    const v = parseQuantity(q[p.id] ?? '');
    return v.ok && v.value > 0 ? [{ productId: p.id, quantity: v.value }] : [];
  });
}
