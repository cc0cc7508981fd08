import fc from 'fast-check';
import type { CatalogueProduct, OwnerOrder } from '../../libs/contracts/src/output-orders';
import { allocate } from './allocate';

const catalogue: CatalogueProduct[] = [
  { id: 'salad', name: 'Salad', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 30, capability: 'gh' },
  { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'gh' },
  { id: 'cucumbers', name: 'Cucumbers', unit: 'crate', capacityPerUnit: 4, leadTimeDays: 50, capability: 'gh' },
];
const ids = ['a', 'b', 'c', 'd'];

const scenario = fc.record({
  capacity: fc.integer({ min: 0, max: 400 }),
  weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }),
  orders: fc.array(fc.array(fc.record({ productId: fc.constantFrom('salad', 'tomatoes', 'cucumbers'), quantity: fc.integer({ min: 0, max: 80 }) }), { maxLength: 3 }), { minLength: 4, maxLength: 4 }),
});

describe('a quarter plan in whole product units', () => {
  it('uses capacity exactly, never beyond a request, and leaves spare only when no unmet unit fits (property)', () => {
    fc.assert(
      fc.property(scenario, ({ capacity, weights, orders }) => {
        const owners = ids.map((memberId, i) => ({ memberId, weight: String(weights[i]) }));
        const book: Record<string, OwnerOrder> = {};
        ids.forEach((memberId, i) => {
          const seen = new Set<string>();
          book[memberId] = { memberId, standing: false, placedAt: '', lines: orders[i].filter((l) => !seen.has(l.productId) && seen.add(l.productId)) };
        });
        const plan = allocate(capacity, owners, book, catalogue, '2027-Q1');
        const cpu = (p: string) => catalogue.find((c) => c.id === p)!.capacityPerUnit;
        const used = plan.lines.reduce((a, l) => a + l.granted * cpu(l.productId), 0);
        expect(used + plan.spare).toBe(capacity);
        expect(plan.spare).toBeGreaterThanOrEqual(0);
        for (const l of plan.lines) {
          expect(l.granted).toBeGreaterThanOrEqual(0);
          expect(l.granted).toBeLessThanOrEqual(l.requested);
          if (weights[ids.indexOf(l.memberId)] === 0) expect(l.granted).toBe(0);
          // Spare capacity that could still make a unit someone asked for would be lost capacity.
          if (l.granted < l.requested && weights[ids.indexOf(l.memberId)] > 0) expect(cpu(l.productId)).toBeGreaterThan(plan.spare);
        }
        // Deterministic whatever the order of the owners.
        expect(allocate(capacity, [...owners].reverse(), book, catalogue, '2027-Q1').capacityByOwner).toEqual(plan.capacityByOwner);
      }),
      { numRuns: 1000 },
    );
  });

  it('passes on what a share cannot use: the reviewer’s example', () => {
    // 100 m²; shares 50/30/20. Ann asks 100 salad (1 m² each); Ben 10 cucumbers (4 m² each).
    const plan = allocate(
      100,
      [
        { memberId: 'ann', weight: '50' },
        { memberId: 'ben', weight: '30' },
        { memberId: 'cem', weight: '20' },
      ],
      {
        ann: { memberId: 'ann', standing: false, placedAt: '', lines: [{ productId: 'salad', quantity: 100 }] },
        ben: { memberId: 'ben', standing: false, placedAt: '', lines: [{ productId: 'cucumbers', quantity: 10 }] },
      },
      catalogue,
      '2027-Q1',
    );
    expect(plan.spare).toBe(0);
    expect(plan.lines.find((l) => l.memberId === 'ben')!.granted).toBe(9); // 36 m²; the 37th goes to Ann
    expect(plan.lines.find((l) => l.memberId === 'ann')!.granted).toBe(64);
  });
});
