import fc from 'fast-check';
import { outputEntitlements, percentText } from './output-share';

describe('output shares in words', () => {
  it('writes percentages with at most one decimal', () => {
    expect(percentText(30n, 100n)).toBe('30 %');
    expect(percentText(1n, 3n)).toBe('33.3 %');
    expect(percentText(2n, 3n)).toBe('66.7 %');
    expect(percentText(0n, 7n)).toBe('0 %');
    expect(percentText(7n, 7n)).toBe('100 %');
  });

  it('entitlements sum to the capacity and follow the shares', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 8 }), (capacity, weights) => {
        const owners = weights.map((weight, i) => ({ memberId: `m${i}`, weight }));
        const e = outputEntitlements(capacity, owners);
        const sum = Object.values(e).reduce((a, b) => a + b, 0);
        const total = weights.reduce((a, b) => a + b, 0n);
        expect(sum).toBe(total === 0n ? 0 : capacity);
        for (const o of owners) {
          if (total === 0n) continue;
          // Never more than one unit away from the exact proportional share.
          const exact = (BigInt(capacity) * o.weight * 1000n) / total;
          expect(Math.abs(e[o.memberId] * 1000 - Number(exact))).toBeLessThan(1001);
        }
      }),
    );
  });
});
