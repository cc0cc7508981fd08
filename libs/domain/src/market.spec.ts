import fc from 'fast-check';
import { allocateProRata, assertListable, bookOrder, IncomingOrder, MarketError, matchIncoming, priceLevels, RestingOrder, settlementAmounts } from './market';

const ask = (id: string, memberId: string, price: bigint, remaining: bigint, seq: bigint): RestingOrder => ({ id, memberId, pricePerPart: price, remaining, seq });

describe('listing capacity', () => {
  it('refuses more than owned minus already listed, with the figures', () => {
    expect(() => assertListable(5n, { owned: 10n, listed: 6n, floor: 0n })).toThrow(expect.objectContaining({ code: 'insufficient_parts', figures: { owned: '10', listed: '6', requested: '5' } }));
    expect(() => assertListable(4n, { owned: 10n, listed: 6n, floor: 0n })).not.toThrow();
  });

  it("refuses a listing that would take the operator below the floor, and says how much may be listed", () => {
    let err: unknown;
    try {
      assertListable(15n, { owned: 30n, listed: 0n, floor: 20n });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MarketError);
    expect((err as MarketError).code).toBe('operator_floor');
    expect((err as MarketError).figures).toMatchObject({ floor: '20', maxListable: '10' });
    expect(() => assertListable(10n, { owned: 30n, listed: 0n, floor: 20n })).not.toThrow();
  });
});

describe('price-time matching', () => {
  it('fills a bid from the cheapest, then the earliest listing, at their prices, never with the bidder’s own', () => {
    const book = [ask('l1', 'a', 120n, 5n, 3n), ask('l2', 'b', 100n, 2n, 2n), ask('l3', 'me', 90n, 9n, 1n), ask('l4', 'c', 100n, 4n, 1n), ask('l5', 'd', 130n, 9n, 0n)];
    const fills = matchIncoming({ side: 'bid', memberId: 'me', pricePerPart: 120n, remaining: 8n }, book, new Map([['a', 99n], ['b', 99n], ['c', 99n], ['d', 99n], ['me', 99n]]));
    expect(fills).toEqual([
      { restingId: 'l4', parts: 4n, pricePerPart: 100n },
      { restingId: 'l2', parts: 2n, pricePerPart: 100n },
      { restingId: 'l1', parts: 2n, pricePerPart: 120n },
    ]);
  });

  it('fills a listing from the highest, then earliest bid, and stops at the first bid below the ask', () => {
    const bids = [ask('b1', 'x', 100n, 3n, 1n), ask('b2', 'y', 110n, 1n, 2n), ask('b3', 'z', 110n, 1n, 1n), ask('b4', 'w', 90n, 5n, 0n)];
    expect(matchIncoming({ side: 'ask', memberId: 's', pricePerPart: 100n, remaining: 10n }, bids, new Map([['s', 10n]]))).toEqual([
      { restingId: 'b3', parts: 1n, pricePerPart: 110n },
      { restingId: 'b2', parts: 1n, pricePerPart: 110n },
      { restingId: 'b1', parts: 3n, pricePerPart: 100n },
    ]);
  });

  it('caps what a seller delivers by their capacity (the operator floor, parts that left)', () => {
    const book = [ask('l1', 'op', 100n, 10n, 1n), ask('l2', 'b', 100n, 10n, 2n)];
    expect(matchIncoming({ side: 'bid', memberId: 'me', pricePerPart: 100n, remaining: 12n }, book, new Map([['op', 3n], ['b', 10n]]))).toEqual([
      { restingId: 'l1', parts: 3n, pricePerPart: 100n },
      { restingId: 'l2', parts: 9n, pricePerPart: 100n },
    ]);
  });

  const order = fc.record({
    memberId: fc.constantFrom('a', 'b', 'c', 'd'),
    pricePerPart: fc.bigInt({ min: 1n, max: 1000n }),
    remaining: fc.bigInt({ min: 1n, max: 50n }),
  });

  it('conserves parts and money, crosses prices only, and keeps price-time priority (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'ask' | 'bid'>('ask', 'bid'),
        order,
        fc.array(order, { maxLength: 20 }),
        fc.array(fc.bigInt({ min: 0n, max: 80n }), { minLength: 4, maxLength: 4 }),
        (side, inc, rest, caps) => {
          const incoming: IncomingOrder = { side, ...inc };
          const resting = rest.map((r, i) => ({ ...r, id: `o${i}`, seq: BigInt(i) }));
          const capacity = new Map(['a', 'b', 'c', 'd'].map((m, i) => [m, caps[i]]));
          const fills = matchIncoming(incoming, resting, capacity);
          const byId = new Map(resting.map((r) => [r.id, r]));
          // parts: never more than the incoming order or any resting order holds, nor a seller can deliver
          expect(fills.reduce((s, f) => s + f.parts, 0n) <= incoming.remaining).toBe(true);
          const delivered = new Map<string, bigint>();
          for (const f of fills) {
            const r = byId.get(f.restingId)!;
            expect(f.parts > 0n && f.parts <= r.remaining).toBe(true);
            expect(r.memberId).not.toBe(incoming.memberId);
            expect(f.pricePerPart).toBe(r.pricePerPart);
            const bidPrice = side === 'bid' ? incoming.pricePerPart : r.pricePerPart;
            const askPrice = side === 'bid' ? r.pricePerPart : incoming.pricePerPart;
            expect(askPrice <= bidPrice).toBe(true);
            // money: the bid's hold for these parts is exactly what the seller gets plus what goes back
            const { pay, refund } = settlementAmounts(f.parts, f.pricePerPart, bidPrice);
            expect(pay + refund).toBe(f.parts * bidPrice);
            expect(pay >= 0n && refund >= 0n).toBe(true);
            const seller = side === 'bid' ? r.memberId : incoming.memberId;
            delivered.set(seller, (delivered.get(seller) ?? 0n) + f.parts);
          }
          for (const [seller, parts] of delivered) expect(parts <= capacity.get(seller)!).toBe(true);
          // priority: fills come in book order, and a skipped better order was the member's own, empty or its seller's capacity was spent
          const sorted = [...resting].sort(bookOrder(side === 'bid' ? 'ask' : 'bid'));
          const idx = fills.map((f) => sorted.findIndex((r) => r.id === f.restingId));
          expect(idx).toEqual([...idx].sort((x, y) => x - y));
          if (fills.length > 0 && fills.reduce((s, f) => s + f.parts, 0n) < incoming.remaining) {
            // not fully filled: every crossing order of another member was used up to its seller's capacity
            for (const r of sorted) {
              const crosses = side === 'bid' ? r.pricePerPart <= incoming.pricePerPart : r.pricePerPart >= incoming.pricePerPart;
              if (!crosses || r.memberId === incoming.memberId) continue;
              const seller = side === 'bid' ? r.memberId : incoming.memberId;
              const got = fills.find((f) => f.restingId === r.id)?.parts ?? 0n;
              expect(got === r.remaining || (delivered.get(seller) ?? 0n) === capacity.get(seller)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('right of first refusal: pro rata allocation', () => {
  it('shares by ownership, capped by what each asked, largest remainder with a deterministic tie-break', () => {
    // 10 parts among owners of 30, 30 and 40 parts who each want all of it: 3, 3, 4
    const a = allocateProRata(10n, [
      { memberId: 'x', requested: 10n, weight: 30n },
      { memberId: 'y', requested: 10n, weight: 30n },
      { memberId: 'z', requested: 10n, weight: 40n },
    ]);
    expect([...a.entries()]).toEqual([['x', 3n], ['y', 3n], ['z', 4n]]);
    // 7 parts between equal owners: the odd part goes to the lower id
    expect([...allocateProRata(7n, [{ memberId: 'q', requested: 9n, weight: 5n }, { memberId: 'p', requested: 9n, weight: 5n }]).entries()]).toEqual([['q', 3n], ['p', 4n]]);
    // a small request is met in full, the rest goes to the others
    expect([...allocateProRata(10n, [{ memberId: 'x', requested: 1n, weight: 50n }, { memberId: 'y', requested: 20n, weight: 50n }]).entries()]).toEqual([['x', 1n], ['y', 9n]]);
  });

  it('sums exactly to min(available, Σ requested), never gives more than asked, and ignores the claims’ order (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.uniqueArray(fc.record({ memberId: fc.string({ minLength: 1, maxLength: 4 }), requested: fc.bigInt({ min: 0n, max: 5_000n }), weight: fc.bigInt({ min: 0n, max: 10n ** 6n }) }), {
          selector: (c) => c.memberId,
          maxLength: 12,
        }),
        (available, claims) => {
          const a = allocateProRata(available, claims);
          const want = claims.reduce((s, c) => s + c.requested, 0n);
          const total = [...a.values()].reduce((s, v) => s + v, 0n);
          expect(total).toBe(available < want ? available : want);
          for (const c of claims) {
            const got = a.get(c.memberId)!;
            expect(got >= 0n && got <= c.requested).toBe(true);
          }
          const reversed = allocateProRata(available, [...claims].reverse());
          for (const c of claims) expect(reversed.get(c.memberId)).toBe(a.get(c.memberId));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives each uncapped claimant within one part of their exact pro rata share (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 1000n }), { minLength: 1, maxLength: 8 }),
        (available, weights) => {
          const claims = weights.map((w, i) => ({ memberId: `m${i}`, requested: available, weight: w }));
          const a = allocateProRata(available, claims);
          const total = weights.reduce((s, w) => s + w, 0n);
          for (const c of claims) {
            const exactFloor = (available * c.weight) / total;
            const got = a.get(c.memberId)!;
            expect(got === exactFloor || got === exactFloor + 1n).toBe(true);
          }
        },
      ),
    );
  });
});

describe('the book as price levels', () => {
  it('adds up parts per price, best first, no names', () => {
    expect(priceLevels('bid', [{ pricePerPart: 10n, remaining: 2n }, { pricePerPart: 12n, remaining: 1n }, { pricePerPart: 10n, remaining: 3n }, { pricePerPart: 11n, remaining: 0n }])).toEqual([
      { pricePerPart: 12n, parts: 1n, orders: 1 },
      { pricePerPart: 10n, parts: 5n, orders: 2 },
    ]);
  });
});
