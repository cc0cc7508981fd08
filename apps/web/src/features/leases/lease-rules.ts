import { parseMoneyInput } from '@/lib/money';
import { parseParts } from '@/features/market/market-rules';

/** The longest lease the API takes (MAX_LEASE_QUARTERS in libs/domain); the API says so again if it changes. */
export const MAX_QUARTERS = 40;

export interface LeaseInput {
  assetId: string;
  lesseeMemberId: string;
  parts: string;
  firstQuarter: string;
  quarters: string;
  price: string;
  payment: 'upfront' | 'quarterly';
}

export type LeaseErrors = Partial<Record<keyof LeaseInput, string>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A lease proposal checked before sending: the body, or the errors per field. */
export function checkLease(
  input: LeaseInput,
  currency: string,
  me: string,
): { ok: true; body: { assetId: string; lesseeMemberId: string; parts: bigint; firstQuarter: string; quarters: number; price: bigint; currency: string; payment: 'upfront' | 'quarterly' } } | { ok: false; errors: LeaseErrors } {
  const errors: LeaseErrors = {};
  if (!input.assetId) errors.assetId = 'Choose an asset you own parts of.';
  const lessee = input.lesseeMemberId.trim();
  if (!UUID.test(lessee)) errors.lesseeMemberId = 'Enter the member id of the lessee (they find it on their leases page).';
  else if (lessee.toLowerCase() === me.toLowerCase()) errors.lesseeMemberId = 'A lease needs another member as lessee.';
  const parts = parseParts(input.parts);
  if (!parts.ok) errors.parts = parts.message;
  if (!/^\d{4}-Q[1-4]$/.test(input.firstQuarter)) errors.firstQuarter = 'Choose the first quarter.';
  const q = input.quarters.trim();
  if (!/^\d{1,3}$/.test(q) || Number(q) < 1 || Number(q) > MAX_QUARTERS) errors.quarters = `Enter a number of quarters from 1 to ${MAX_QUARTERS}.`;
  const price = parseMoneyInput(input.price, currency);
  if (!price.ok) errors.price = price.message;
  if (Object.keys(errors).length || !parts.ok || !price.ok) return { ok: false, errors };
  return { ok: true, body: { assetId: input.assetId, lesseeMemberId: lessee, parts: parts.parts, firstQuarter: input.firstQuarter, quarters: Number(q), price: price.minor, currency, payment: input.payment } };
}

export const LEASE_STATUS: Record<string, string> = {
  proposed: 'proposed: awaiting the lessee',
  declined: 'declined',
  active: 'active',
  ended: 'ended',
};

export const QUARTER_STATUS: Record<string, string> = {
  prepaid: 'paid up front',
  due: 'due when its orders open',
  paid: 'paid',
  unpaid: 'unpaid: the output stayed with the owner',
  cancelled: 'cancelled (ended early)',
};
