import fc from 'fast-check';
import { largestRemainder } from './funding';
import { capacityForSale, distributeIncome, saleableUnits, SaleTerms } from './income';
import { fundedShareTable } from './funding';

const ctx = { currency: 'EUR' as const, assetName: 'Greenhouse', quarter: '2026-Q3' };

describe('a quarter’s income shared by output parts', () => {
  it('gives each owner their part, the operator’s bonus included, and says so in one sentence', () => {
    // 100 parts: the operator owns 20 and gets a 10 % output bonus (30 output parts).
    const lines = distributeIncome(12_000n, [
      { memberId: 'a', parts: 12n, outputParts: 12n },
      { memberId: 'b', parts: 68n, outputParts: 58n },
      { memberId: 'op', parts: 20n, outputParts: 30n },
    ], ctx);
    expect(lines.map((l) => [l.memberId, l.amount, l.bonusParts])).toEqual([['a', 1_440n, 0n], ['b', 6_960n, 0n], ['op', 3_600n, 10n]]);
    expect(lines[0].explanation).toBe('You hold 12 of the 100 output parts of Greenhouse (12 %), so you get 14.40 EUR of the 120.00 EUR it earned from sales in 2026-Q3.');
    expect(lines[2].explanation).toContain("30 of the 100 output parts of Greenhouse (30 %, 10 of them your operator's bonus for running it)");
  });

  it('hands the minor units left after rounding down to the largest remainders, and says which owner got one', () => {
    const lines = distributeIncome(100n, [
      { memberId: 'a', parts: 1n, outputParts: 1n },
      { memberId: 'b', parts: 1n, outputParts: 1n },
      { memberId: 'c', parts: 1n, outputParts: 1n },
    ], ctx);
    // 33.33 each; the one cent left goes to the lowest member id (equal remainders and shares).
    expect(lines.map((l) => l.amount)).toEqual([34n, 33n, 33n]);
    expect(lines[0].explanation).toContain('0.01 EUR of it from sharing out the rounding remainder');
    expect(lines[1].explanation).not.toContain('remainder');
  });

  it('sums exactly to the income, is the ownership shares’ own rule, and never strays a minor unit from the exact share', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.array(fc.record({ own: fc.bigInt({ min: 1n, max: 10n ** 6n }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 40 }),
        (income, contributions, bonusPercent) => {
          const total = 10_000n;
          const table = fundedShareTable(
            contributions.map((c, i) => ({ memberId: `m${String(i).padStart(2, '0')}`, amount: c.own })),
            total,
            { memberId: 'm00', outputBonusPercent: bonusPercent },
          );
          const lines = distributeIncome(income, table, ctx);
          expect(lines.reduce((a, l) => a + l.amount, 0n)).toBe(income);
          const same = largestRemainder(table.filter((l) => l.outputParts > 0n).map((l) => ({ memberId: l.memberId, amount: l.outputParts })), income);
          for (const l of lines) {
            expect(l.amount).toBe(same.get(l.memberId) ?? 0n);
            const floor = (income * l.outputParts) / total;
            expect(l.amount === floor || l.amount === floor + 1n).toBe(true);
          }
          // The operator's bonus shows as output parts beyond ownership parts (a tiny operator may hold no part at all).
          for (const l of lines) expect(l.bonusParts).toBe(l.outputParts > l.parts ? l.outputParts - l.parts : 0n);
        },
      ),
    );
  });

  it('refuses a negative income, and income with nobody to share it', () => {
    expect(() => distributeIncome(-1n, [{ memberId: 'a', parts: 1n, outputParts: 1n }], ctx)).toThrow('income');
    expect(() => distributeIncome(5n, [], ctx)).toThrow('no owner');
    expect(distributeIncome(0n, [], ctx)).toEqual([]);
  });
});

describe('what part of a quarter’s output is for sale', () => {
  const terms: SaleTerms[] = [
    { productId: 'tomatoes', capacityPerUnit: 2, fixedUnits: 10, unordered: true },
    { productId: 'basil', capacityPerUnit: 1, fixedUnits: 0, unordered: true },
    { productId: 'seedlings', capacityPerUnit: 1, fixedUnits: 5, unordered: false },
  ];

  it('takes the fixed parts out of the capacity', () => {
    expect(capacityForSale(terms)).toBe(25);
  });

  it('sells the fixed part first, then the spare capacity the products marked unordered share', () => {
    expect(saleableUnits('tomatoes', terms, 9, {})).toEqual({ saleable: 14, sold: 0, available: 14 });
    // 12 tomatoes sold: 2 beyond the fixed part took 4 of the 9 spare; 5 left for basil.
    expect(saleableUnits('basil', terms, 9, { tomatoes: 12 })).toEqual({ saleable: 5, sold: 0, available: 5 });
    expect(saleableUnits('tomatoes', terms, 9, { tomatoes: 12, basil: 5 })).toEqual({ saleable: 12, sold: 12, available: 0 });
    expect(saleableUnits('seedlings', terms, 9, { seedlings: 3 })).toEqual({ saleable: 5, sold: 3, available: 2 });
    expect(saleableUnits('lettuce', terms, 9, {})).toEqual({ saleable: 0, sold: 0, available: 0 });
  });

  it('never sells more capacity than the fixed parts and the spare together', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 60 }), (spare, picks) => {
        const sold: Record<string, number> = {};
        for (const p of picks) {
          const id = terms[p].productId;
          if (saleableUnits(id, terms, spare, sold).available > 0) sold[id] = (sold[id] ?? 0) + 1;
        }
        const used = terms.reduce((a, t) => a + (sold[t.productId] ?? 0) * t.capacityPerUnit, 0);
        expect(used).toBeLessThanOrEqual(capacityForSale(terms) + spare);
      }),
    );
  });
});
