import fc from 'fast-check';
import { fundedShareTable, largestRemainder, smallestPledgeForWholePart } from './funding';
import { assertWhole } from './shares';

const contributions = fc
  .uniqueArray(fc.record({ memberId: fc.stringMatching(/^[0-9a-f]{4,8}$/), amount: fc.bigInt({ min: 0n, max: 10n ** 12n }) }), {
    minLength: 1,
    maxLength: 30,
    selector: (c) => c.memberId,
  })
  .filter((cs) => cs.some((c) => c.amount > 0n));

describe('funded ownership', () => {
  it('largest remainder never creates or loses a part, and stays within one part of the exact share (property)', () => {
    fc.assert(
      fc.property(contributions, fc.bigInt({ min: 1n, max: 10n ** 9n }), (cs, total) => {
        const parts = largestRemainder(cs, total);
        const sum = cs.reduce((a, c) => a + c.amount, 0n);
        expect([...parts.values()].reduce((a, b) => a + b, 0n)).toBe(total);
        for (const c of cs) {
          const p = parts.get(c.memberId)!;
          const floor = (total * c.amount) / sum;
          expect(p === floor || p === floor + 1n).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('makes a valid whole table with the operator bonus on output only (property)', () => {
    fc.assert(
      fc.property(contributions, fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.integer({ min: 0, max: 50 }), (cs, total, bonus) => {
        const op = cs.find((c) => c.amount > 0n)!;
        const table = fundedShareTable(cs, total, { memberId: op.memberId, outputBonusPercent: bonus });
        assertWhole(table, total);
        const plain = fundedShareTable(cs, total);
        for (const line of table) expect(line.parts).toBe(plain.find((l) => l.memberId === line.memberId)?.parts ?? 0n);
      }),
      { numRuns: 500 },
    );
  });

  it('splits 100 parts among three equal backers deterministically', () => {
    const parts = largestRemainder(
      [
        { memberId: 'c', amount: 5n },
        { memberId: 'a', amount: 5n },
        { memberId: 'b', amount: 5n },
      ],
      100n,
    );
    expect(Object.fromEntries(parts)).toEqual({ a: 34n, b: 33n, c: 33n });
  });

  it('gives an operator 20% of the output on top of their share by money', () => {
    const table = fundedShareTable(
      [
        { memberId: 'op', amount: 2000n },
        { memberId: 'm1', amount: 4000n },
        { memberId: 'm2', amount: 4000n },
      ],
      1000n,
      { memberId: 'op', outputBonusPercent: 20 },
    );
    expect(table).toEqual([
      { memberId: 'm1', parts: 400n, outputParts: 320n },
      { memberId: 'm2', parts: 400n, outputParts: 320n },
      { memberId: 'op', parts: 200n, outputParts: 360n },
    ]);
  });
});

describe('smallestPledgeForWholePart', () => {
  it('is the least pledge p with totalParts × p ≥ goal (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 7n }), (goal, parts) => {
        const p = smallestPledgeForWholePart(goal, parts);
        expect(parts * p >= goal).toBe(true);
        expect(parts * (p - 1n) < goal).toBe(true);
      }),
    );
  });
});
