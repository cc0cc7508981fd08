import fc from 'fast-check';
import { effectiveOutputTable, LeaseGrant, leaseQuarters, partsAvailable, quarterOfIndex, quarterIndex, splitPrice } from './leases';
import { ShareLine } from './shares';

const line = (memberId: string, parts: bigint, outputParts = parts): ShareLine => ({ memberId, parts, outputParts });
const output = (t: ShareLine[]) => Object.fromEntries(t.filter((l) => l.outputParts > 0n).map((l) => [l.memberId, l.outputParts]));

describe('leases: quarters and prices', () => {
  it('counts quarters across years', () => {
    expect(leaseQuarters('2026-Q3', 4)).toEqual(['2026-Q3', '2026-Q4', '2027-Q1', '2027-Q2']);
    expect(quarterOfIndex(quarterIndex('2030-Q4') + 1)).toBe('2031-Q1');
    expect(() => quarterIndex('2030-Q5')).toThrow('not a quarter');
  });

  it('splits a price exactly, the earliest quarters taking the odd minor units', () => {
    expect(splitPrice(1000n, 3)).toEqual([334n, 333n, 333n]);
    expect(splitPrice(2n, 4)).toEqual([1n, 1n, 0n, 0n]);
    expect(splitPrice(0n, 2)).toEqual([0n, 0n]);
  });

  it('property: the quarters’ amounts sum to the price, differ by at most one unit, and never increase', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 1, max: 40 }), (total, n) => {
        const xs = splitPrice(total, n);
        expect(xs.reduce((a, b) => a + b, 0n)).toBe(total);
        for (let i = 1; i < xs.length; i++) expect(xs[i - 1] - xs[i] === 0n || xs[i - 1] - xs[i] === 1n).toBe(true);
      }),
    );
  });

  it('leaves a lessor what they own less the most they lease out in any quarter', () => {
    expect(partsAvailable(10n, [3n, 5n, 0n])).toBe(5n);
    expect(partsAvailable(4n, [6n])).toBe(0n);
    expect(partsAvailable(4n, [])).toBe(4n);
  });
});

describe('leases: the quarter’s effective output table', () => {
  it('moves the leased parts’ share of the lessor’s output (as transferParts would), keeping ownership', () => {
    // Ann owns 6 of 10 parts with 7 output parts (an operator's bonus); she leases 3 to Leo: 7 × 3 / 6 = 3.5 → 3.
    const shares = [line('ann', 6n, 7n), line('ben', 4n, 3n)];
    const { table, applied } = effectiveOutputTable(shares, [{ leaseId: 'l1', lessorMemberId: 'ann', lesseeMemberId: 'leo', parts: 3n }]);
    expect(output(table)).toEqual({ ann: 4n, ben: 3n, leo: 3n });
    expect(table.find((l) => l.memberId === 'ann')!.parts).toBe(6n);
    expect(table.find((l) => l.memberId === 'leo')!.parts).toBe(0n);
    expect(applied[0]).toMatchObject({ applied: 3n, outputMoved: 3n });
  });

  it('gives all of a lessor’s output when every part is leased, across two leases', () => {
    const shares = [line('ann', 3n, 5n), line('ben', 7n, 5n)];
    const grants: LeaseGrant[] = [
      { leaseId: 'a', lessorMemberId: 'ann', lesseeMemberId: 'leo', parts: 1n },
      { leaseId: 'b', lessorMemberId: 'ann', lesseeMemberId: 'mia', parts: 2n },
    ];
    const { table } = effectiveOutputTable(shares, grants);
    expect(output(table)).toEqual({ ben: 5n, leo: 1n, mia: 4n });
    expect(table.find((l) => l.memberId === 'ann')).toEqual({ memberId: 'ann', parts: 3n, outputParts: 0n });
  });

  it('applies a lease to what its lessor still owns when they have sold parts since', () => {
    const { table, applied } = effectiveOutputTable([line('ann', 2n), line('ben', 8n)], [{ leaseId: 'a', lessorMemberId: 'ann', lesseeMemberId: 'ben', parts: 5n }]);
    expect(output(table)).toEqual({ ben: 10n });
    expect(applied[0]).toMatchObject({ parts: 5n, applied: 2n, outputMoved: 2n });
  });

  const tables = fc
    .array(fc.tuple(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1000n })), { minLength: 1, maxLength: 6 })
    .filter((xs) => xs.every(([p, o]) => p + o > 0n))
    .map((xs) => xs.map(([p, o], i) => line(`m${i}`, p, o)));

  it('property: sums to the asset’s total, nobody below zero, ownership unchanged, each lessee gains what its lessor loses', () => {
    fc.assert(
      fc.property(
        tables,
        fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.bigInt({ min: 1n, max: 1200n })), { maxLength: 8 }),
        (shares, raw) => {
          const grants = raw.map(([a, b, parts], i) => ({ leaseId: `l${i}`, lessorMemberId: `m${a}`, lesseeMemberId: `m${b}`, parts }));
          const { table, applied } = effectiveOutputTable(shares, grants);
          const sum = (t: ShareLine[], k: 'parts' | 'outputParts') => t.reduce((x, l) => x + l[k], 0n);
          expect(sum(table, 'outputParts')).toBe(sum(shares, 'outputParts'));
          expect(sum(table, 'parts')).toBe(sum(shares, 'parts'));
          for (const l of table) expect(l.outputParts >= 0n && l.parts >= 0n).toBe(true);
          for (const l of shares) expect(table.find((t) => t.memberId === l.memberId)!.parts).toBe(l.parts);
          const moved = new Map<string, bigint>();
          for (const a of applied) {
            expect(a.applied <= a.parts && a.outputMoved >= 0n).toBe(true);
            moved.set(a.lessorMemberId, (moved.get(a.lessorMemberId) ?? 0n) - a.outputMoved);
            moved.set(a.lesseeMemberId, (moved.get(a.lesseeMemberId) ?? 0n) + a.outputMoved);
          }
          for (const l of table) {
            const before = shares.find((s) => s.memberId === l.memberId)?.outputParts ?? 0n;
            expect(l.outputParts - before).toBe(moved.get(l.memberId) ?? 0n);
          }
        },
      ),
    );
  });
});
