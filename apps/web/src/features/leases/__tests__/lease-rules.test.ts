import { describe, expect, it } from 'vitest';
import { buyoutProgress } from '@/features/buyouts/buyout-rules';
import { checkLease } from '../lease-rules';

const me = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';
const good = { assetId: '33333333-3333-4333-8333-333333333333', lesseeMemberId: other, parts: '5', firstQuarter: '2027-Q1', quarters: '4', price: '120.50', payment: 'upfront' as const };

describe('a lease proposal', () => {
  it('is sent with whole parts and the price in minor units', () => {
    expect(checkLease(good, 'EUR', me)).toEqual({ ok: true, body: { ...good, parts: 5n, quarters: 4, price: 12050n, currency: 'EUR' } });
  });

  it('is refused field by field before it is sent', () => {
    expect(checkLease({ ...good, lesseeMemberId: me }, 'EUR', me)).toEqual({ ok: false, errors: { lesseeMemberId: 'A lease needs another member as lessee.' } });
    expect(checkLease({ ...good, lesseeMemberId: 'bob', parts: '0', quarters: '41', price: 'x' }, 'EUR', me)).toMatchObject({
      ok: false,
      errors: { lesseeMemberId: expect.stringContaining('member id'), parts: expect.any(String), quarters: 'Enter a number of quarters from 1 to 40.', price: expect.any(String) },
    });
  });
});

describe('a buy-out’s progress', () => {
  it('counts what was bought against what is left, in whole percent', () => {
    expect(buyoutProgress({ partsBought: '30', claimParts: '90', operatorParts: '50', targetParts: '140', status: 'active' })).toEqual({
      percent: 25,
      words: '30 parts bought, 90 still to buy (25 %): the operator owns 50 of the 140 parts targeted.',
    });
    expect(buyoutProgress({ partsBought: '0', claimParts: '0', operatorParts: '60', targetParts: '60', status: 'completed' }).percent).toBe(100);
  });
});
