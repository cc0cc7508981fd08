import fc from 'fast-check';
import { allocateCapacity } from './allocation';
import { largestRemainder } from './funding';

const scenario = fc.record({
  capacity: fc.integer({ min: 0, max: 5000 }),
  owners: fc.uniqueArray(fc.record({ memberId: fc.stringMatching(/^[a-f0-9]{3,6}$/), weight: fc.bigInt({ min: 0n, max: 1_000_000n }) }), {
    minLength: 1,
    maxLength: 12,
    selector: (o) => o.memberId,
  }),
  requests: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 12, maxLength: 12 }),
});

describe('quarterly capacity allocation', () => {
  it('never creates or loses a unit, never grants more than asked, never less than entitlement for who asked (property)', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, owners, requests }) => {
        const req = Object.fromEntries(owners.map((o, i) => [o.memberId, requests[i]]));
        const grant = allocateCapacity(capacity, owners, req);
        const weighted = owners.filter((o) => o.weight > 0n);
        const asked = weighted.reduce((a, o) => a + req[o.memberId], 0);
        const total = Object.values(grant).reduce((a, b) => a + b, 0);
        expect(total).toBe(weighted.length ? Math.min(capacity, asked) : 0);
        const ent = weighted.length && capacity > 0 ? largestRemainder(weighted.map((o) => ({ memberId: o.memberId, amount: o.weight })), BigInt(capacity)) : new Map<string, bigint>();
        for (const o of owners) {
          expect(grant[o.memberId]).toBeLessThanOrEqual(req[o.memberId]);
          if (o.weight > 0n) expect(grant[o.memberId]).toBeGreaterThanOrEqual(Math.min(req[o.memberId], Number(ent.get(o.memberId) ?? 0n)));
          else expect(grant[o.memberId]).toBe(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic whatever the order of the owners (property)', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, owners, requests }) => {
        const req = Object.fromEntries(owners.map((o, i) => [o.memberId, requests[i]]));
        expect(allocateCapacity(capacity, [...owners].reverse(), req)).toEqual(allocateCapacity(capacity, owners, req));
      }),
      { numRuns: 300 },
    );
  });

  it('shares what one owner leaves unused among those who asked for more, by share', () => {
    // 100 units; shares 50/30/20 → entitlements 50/30/20. A asks 10: 40 are left for B and C (3:2).
    const grant = allocateCapacity(100, [{ memberId: 'a', weight: 50n }, { memberId: 'b', weight: 30n }, { memberId: 'c', weight: 20n }], { a: 10, b: 80, c: 80 });
    expect(grant).toEqual({ a: 10, b: 54, c: 36 });
  });

  it('caps the shared remainder at what each asked, and passes the rest on', () => {
    const grant = allocateCapacity(100, [{ memberId: 'a', weight: 50n }, { memberId: 'b', weight: 30n }, { memberId: 'c', weight: 20n }], { a: 0, b: 35, c: 100 });
    expect(grant).toEqual({ a: 0, b: 35, c: 65 });
  });
});
