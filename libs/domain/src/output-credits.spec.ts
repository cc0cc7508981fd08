import fc from 'fast-check';
import type { PlanCredit } from '../../contracts/src/output-orders';
import { allocate } from '../../../workflows/output-orders/allocate';
import { capacityForCredits, creditRoom, planWithCredits } from './output-credits';

const catalogue = [
  { id: 'tomatoes', name: 'Tomatoes', unit: 'kg', capacityPerUnit: 2, leadTimeDays: 60, capability: 'greenhouse' },
  { id: 'basil', name: 'Basil', unit: 'pots', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' },
];
const credit = (over: Partial<PlanCredit>): PlanCredit => ({ creditId: 'c1', jobId: 'j1', productId: 'tomatoes', units: 10, status: 'granted', holderMemberId: 'h', reason: 'credit for job j1', ...over });

describe('output credits: room in a quarter', () => {
  it('is the capacity after the parts for sale, less every credit promised or granted (of any product), in whole units of the product', () => {
    // 100 capacity, 10 kept for sale: 90 → 45 kg of tomatoes; 20 kg (40) and 10 pots of basil (10) promised: 40 left → 20 kg.
    const room = creditRoom('tomatoes', { capacity: 100, forSale: 10, catalogue }, [
      { productId: 'tomatoes', units: 20 },
      { productId: 'basil', units: 10 },
    ]);
    expect(room).toEqual({ capacity: 45, promised: 20, available: 20 });
    expect(creditRoom('basil', { capacity: 100, forSale: 10, catalogue }, [{ productId: 'tomatoes', units: 45 }])).toEqual({ capacity: 90, promised: 0, available: 0 });
  });

  it('has no room for a product not in the catalogue, and never a negative one', () => {
    expect(creditRoom('cucumbers', { capacity: 100, forSale: 0, catalogue }, [])).toEqual({ capacity: 0, promised: 0, available: 0 });
    expect(creditRoom('basil', { capacity: 10, forSale: 20, catalogue }, [{ productId: 'basil', units: 5 }])).toEqual({ capacity: 0, promised: 5, available: 0 });
  });

  it('counts the capacity a credit takes by the product’s capacity per unit', () => {
    expect(capacityForCredits([{ productId: 'tomatoes', units: 3 }, { productId: 'basil', units: 4 }, { productId: 'gone', units: 9 }], catalogue)).toBe(10);
  });
});

describe('output credits in a quarter’s plan', () => {
  const owners = [
    { memberId: 'a', weight: '1' },
    { memberId: 'b', weight: '1' },
  ];
  const orders = {
    a: { memberId: 'a', lines: [{ productId: 'basil', quantity: 100 }], standing: false, placedAt: 'x' },
    b: { memberId: 'b', lines: [{ productId: 'basil', quantity: 100 }], standing: false, placedAt: 'x' },
  };

  it('takes granted and promised credits off the top; a granted one is a line for its holder, a promised one only reserves', () => {
    const plan = planWithCredits({ capacity: 100, forSale: 10, catalogue }, [credit({ units: 10 }), credit({ creditId: 'c2', jobId: 'j2', productId: 'basil', units: 10, status: 'promised', holderMemberId: null, reason: 'reserved' })], (rest) =>
      allocate(rest, owners, orders, catalogue, '2031-Q1'),
    );
    // 100 - 10 for sale - 20 (10 kg of tomatoes) - 10 (10 pots promised) = 60, shared 30/30.
    expect(plan.capacity).toBe(60);
    expect(plan.lines).toEqual([
      { memberId: 'a', productId: 'basil', requested: 100, granted: 30 },
      { memberId: 'b', productId: 'basil', requested: 100, granted: 30 },
      { memberId: 'h', productId: 'tomatoes', requested: 10, granted: 10, creditId: 'c1', reason: 'credit for job j1' },
    ]);
    expect(plan.credits).toHaveLength(2);
  });

  it('leaves a plan without credits exactly as the allocation made it', () => {
    const plain = allocate(90, owners, orders, catalogue, '2031-Q1');
    expect(planWithCredits({ capacity: 100, forSale: 10, catalogue }, [], (rest) => allocate(rest, owners, orders, catalogue, '2031-Q1'))).toEqual(plain);
  });

  it('property: owners’ lines, spare, credits and the part for sale add up to the capacity; each granted credit is one line of its units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.record({ productId: fc.constantFrom('tomatoes', 'basil'), units: fc.integer({ min: 1, max: 40 }), granted: fc.boolean() }), { maxLength: 5 }),
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 9 }), basil: fc.integer({ min: 0, max: 200 }), tomatoes: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 4 }),
        (capacity, forSale, raw, ownerSpecs) => {
          const credits = raw.map((c, i) => credit({ creditId: `c${i}`, jobId: `j${i}`, productId: c.productId, units: c.units, status: c.granted ? 'granted' : 'promised', holderMemberId: c.granted ? `h${i}` : null }));
          // Only credits that fit were promised (the API refuses the others).
          const taken = capacityForCredits(credits, catalogue);
          fc.pre(forSale + taken <= capacity);
          const os = ownerSpecs.map((o, i) => ({ memberId: `m${i}`, weight: String(o.weight) }));
          const ords = Object.fromEntries(
            ownerSpecs.map((o, i) => [`m${i}`, { memberId: `m${i}`, lines: [{ productId: 'basil', quantity: o.basil }, { productId: 'tomatoes', quantity: o.tomatoes }], standing: false, placedAt: 'x' }]),
          );
          const plan = planWithCredits({ capacity, forSale, catalogue }, credits, (rest) => allocate(rest, os, ords, catalogue, '2031-Q1'));
          const cpu = (id: string) => catalogue.find((p) => p.id === id)!.capacityPerUnit;
          const ownerUse = plan.lines.filter((l) => !l.creditId).reduce((a, l) => a + l.granted * cpu(l.productId), 0);
          expect(ownerUse + plan.spare + taken + forSale).toBe(capacity);
          expect(plan.capacity).toBe(capacity - forSale - taken);
          const creditLines = plan.lines.filter((l) => l.creditId);
          expect(creditLines.map((l) => [l.creditId, l.granted])).toEqual(credits.filter((c) => c.status === 'granted').map((c) => [c.creditId, c.units]));
          // Owners never get a credit's capacity: their lines fit in what is left.
          expect(ownerUse).toBeLessThanOrEqual(capacity - forSale - taken);
        },
      ),
      { numRuns: 300 },
    );
  });
});
