import fc from 'fast-check';
import { allocateSellers, assertBuyoutTerms, bonusIncome, BuyoutError, BuyoutTerms, planBuyoutStep, quarterAt, quarterEndsAt, remainingClaims } from './buyouts';
import { assertWhole, ShareLine } from './shares';

const members = ['op', 'a', 'b', 'c', 'd'];
const sum = (xs: bigint[]) => xs.reduce((x, y) => x + y, 0n);
const partsOf = (t: ShareLine[], id: string) => t.find((l) => l.memberId === id)?.parts ?? 0n;

/** A valid table of up to 5 owners (the operator owns at least one part), output split independently. */
const table = fc
  .tuple(fc.bigInt({ min: 5n, max: 10n ** 9n }), fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }), fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }))
  .map(([total, w1, w2]) => {
    const split = (w: number[]) => {
      const weights = w.map((x) => BigInt(x + 1));
      const wsum = sum(weights);
      const parts = weights.map((x) => (total * x) / wsum);
      parts[0] += total - sum(parts);
      return parts;
    };
    const own = split(w1);
    const out = split(w2);
    const lines: ShareLine[] = members.map((m, i) => ({ memberId: m, parts: own[i], outputParts: out[i] })).filter((l) => l.parts > 0n || l.outputParts > 0n);
    return { total, lines };
  });

/** Terms for a table: a target between the operator's parts + 1 and the total, a price, offers by some of the others. */
const scenario = table.filter(({ total, lines }) => partsOf(lines, 'op') < total).chain(({ total, lines }) => {
  const op = partsOf(lines, 'op');
  return fc
    .record({
      target: fc.bigInt({ min: op + 1n, max: total }),
      price: fc.bigInt({ min: 1n, max: 10n ** 6n }),
      source: fc.constantFrom('pro-rata' as const, 'offered' as const),
      offerShares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
      order: fc.shuffledSubarray(['a', 'b', 'c', 'd']),
      money: fc.array(fc.bigInt({ min: 0n, max: 10n ** 14n }), { minLength: 1, maxLength: 12 }),
      leasedShares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    })
    .map((r) => {
      const offers = r.order
        .map((m) => ({ memberId: m, parts: BigInt(Math.floor(Number(partsOf(lines, m)) * r.offerShares[members.indexOf(m) - 1])) }))
        .filter((o) => o.parts > 0n);
      const terms: BuyoutTerms = { operatorId: 'op', targetParts: r.target, pricePerPart: r.price, source: r.source, offers };
      // Parts each other owner has leased out (not for sale while leased).
      const locked = new Map(members.slice(1).map((m, i) => [m, BigInt(Math.floor(Number(partsOf(lines, m)) * r.leasedShares[i]))]));
      return { total, lines, terms, money: r.money, locked };
    });
});

describe('the operator’s buy-out', () => {
  it('every step conserves parts and money, never passes the target, leaves nobody below zero (property)', () => {
    fc.assert(
      fc.property(scenario, ({ total, lines, terms, money, locked }) => {
        assertBuyoutTerms(terms, lines, total);
        let t = lines;
        let offers = terms.offers;
        for (const m of money) {
          const before = t;
          const step = planBuyoutStep({ ...terms, offers }, t, m, locked);
          t = step.table;
          offers = step.offers;
          // Parts: the table is still one whole; what the operator gained is what the sellers lost.
          assertWhole(t, total);
          expect(partsOf(t, 'op') - partsOf(before, 'op')).toBe(step.parts);
          for (const p of step.purchases) {
            expect(p.parts).toBeGreaterThan(0n);
            expect(partsOf(before, p.memberId) - partsOf(t, p.memberId)).toBe(p.parts);
          }
          expect(sum(step.purchases.map((p) => p.parts))).toBe(step.parts);
          // Money: what the operator pays is what the sellers receive, at the price; the rest stays.
          expect(sum(step.purchases.map((p) => p.amount))).toBe(step.amount);
          expect(step.amount).toBe(step.parts * terms.pricePerPart);
          expect(step.amount + step.unspent).toBe(m);
          expect(step.unspent).toBeGreaterThanOrEqual(0n);
          // Never beyond the target; nobody below zero.
          expect(partsOf(t, 'op')).toBeLessThanOrEqual(terms.targetParts);
          for (const l of t) {
            // Nobody sold what they had leased out.
            if (l.memberId !== 'op') expect(l.parts).toBeGreaterThanOrEqual(locked.get(l.memberId) ?? 0n);
            expect(l.parts).toBeGreaterThanOrEqual(0n);
            expect(l.outputParts).toBeGreaterThanOrEqual(0n);
          }
          for (const o of offers) expect(o.parts).toBeGreaterThanOrEqual(0n);
          // Only the owners who offered sell in an `offered` agreement.
          if (terms.source === 'offered') for (const p of step.purchases) expect(terms.offers.some((o) => o.memberId === p.memberId)).toBe(true);
          // It buys all it can afford unless the target or the sellers (what they may sell) stop it.
          const affordable = m / terms.pricePerPart;
          const free = (id: string) => {
            const f = partsOf(t, id) - (locked.get(id) ?? 0n);
            return f > 0n ? f : 0n;
          };
          const stillForSale =
            terms.source === 'offered'
              ? sum(offers.filter((o) => o.memberId !== 'op').map((o) => (o.parts < free(o.memberId) ? o.parts : free(o.memberId))))
              : sum(t.filter((l) => l.memberId !== 'op').map((l) => free(l.memberId)));
          if (step.parts < affordable) expect(step.completed || stillForSale === 0n).toBe(true);
          if (!locked.size || [...locked.values()].every((v) => v === 0n)) {
            if (step.parts < affordable) expect(step.completed || remainingClaims({ ...terms, offers }, t).length === 0).toBe(true);
          }
          expect(step.completed).toBe(partsOf(t, 'op') === terms.targetParts);
        }
      }),
    );
  });

  it('pro-rata sums exactly to what is bought, each seller at most what they own and within one part of their exact share (property)', () => {
    fc.assert(
      fc.property(table, fc.bigInt({ min: 0n, max: 10n ** 10n }), ({ lines }, wanted) => {
        const sellers = lines.filter((l) => l.memberId !== 'op' && l.parts > 0n);
        const have = sum(sellers.map((l) => l.parts));
        const got = allocateSellers('op', lines, 'pro-rata', [], wanted);
        const n = wanted < have ? wanted : have;
        expect(sum(got.map((g) => g.parts))).toBe(n);
        for (const g of got) {
          const p = partsOf(lines, g.memberId);
          expect(g.parts).toBeLessThanOrEqual(p);
          // |g - n·p/have| < 1  ⇔  |g·have - n·p| < have
          const diff = g.parts * have - n * p;
          expect(diff < have && -diff < have).toBe(true);
        }
      }),
    );
  });

  it('the remaining claim is the parts left to the target at the price, while the sellers have them (property)', () => {
    fc.assert(
      fc.property(scenario, ({ lines, terms }) => {
        const claims = remainingClaims(terms, lines);
        const left = terms.targetParts - partsOf(lines, 'op');
        const total = sum(claims.map((c) => c.parts));
        expect(total).toBeLessThanOrEqual(left);
        for (const c of claims) expect(c.amount).toBe(c.parts * terms.pricePerPart);
        if (terms.source === 'pro-rata') expect(total).toBe(left < 0n ? 0n : left); // the others own at least what is left (target ≤ total)
      }),
    );
  });

  it('buys pro rata with the largest remainder: 3 parts from owners of 50, 30, 20', () => {
    const t: ShareLine[] = [
      { memberId: 'op', parts: 20n, outputParts: 40n },
      { memberId: 'a', parts: 40n, outputParts: 30n },
      { memberId: 'b', parts: 24n, outputParts: 18n },
      { memberId: 'c', parts: 16n, outputParts: 12n },
    ];
    const step = planBuyoutStep({ operatorId: 'op', targetParts: 60n, pricePerPart: 1000n, source: 'pro-rata', offers: [] }, t, 3_500n);
    expect(step.parts).toBe(3n);
    expect(step.unspent).toBe(500n);
    // exact shares 1.5, 0.9, 0.6: floors 1, 0, 0; the remainders .9, .6, .5 get one each
    expect(step.purchases).toEqual([
      { memberId: 'a', parts: 1n, amount: 1000n },
      { memberId: 'b', parts: 1n, amount: 1000n },
      { memberId: 'c', parts: 1n, amount: 1000n },
    ]);
    expect(partsOf(step.table, 'op')).toBe(23n);
  });

  it('does not buy parts whose output is leased out: they neither weigh in the split nor move, and the table stays whole', () => {
    const t: ShareLine[] = [
      { memberId: 'op', parts: 20n, outputParts: 20n },
      { memberId: 'a', parts: 40n, outputParts: 40n },
      { memberId: 'b', parts: 40n, outputParts: 40n },
    ];
    const terms: BuyoutTerms = { operatorId: 'op', targetParts: 100n, pricePerPart: 10n, source: 'pro-rata', offers: [] };
    // a leased out 30 of her 40: 50 parts are for sale (a 10, b 40) and the money buys all 50.
    const step = planBuyoutStep(terms, t, 500n, new Map([['a', 30n]]));
    expect(step.purchases).toEqual([
      { memberId: 'a', parts: 10n, amount: 100n },
      { memberId: 'b', parts: 40n, amount: 400n },
    ]);
    expect(partsOf(step.table, 'a')).toBe(30n);
    expect(step.table.reduce((x, l) => x + l.parts, 0n)).toBe(100n);
    // Everything else leased out: the offered source buys nothing more from a than she may sell.
    const offered = planBuyoutStep({ ...terms, source: 'offered', offers: [{ memberId: 'a', parts: 40n }] }, t, 1_000n, new Map([['a', 35n]]));
    expect(offered.purchases).toEqual([{ memberId: 'a', parts: 5n, amount: 50n }]);
  });

  it('buys from those who offered, in order, up to what each offered, and stops at the target', () => {
    const t: ShareLine[] = [
      { memberId: 'op', parts: 20n, outputParts: 20n },
      { memberId: 'a', parts: 40n, outputParts: 40n },
      { memberId: 'b', parts: 40n, outputParts: 40n },
    ];
    const terms: BuyoutTerms = { operatorId: 'op', targetParts: 30n, pricePerPart: 10n, source: 'offered', offers: [{ memberId: 'b', parts: 4n }, { memberId: 'a', parts: 20n }] };
    const step = planBuyoutStep(terms, t, 1_000_000n);
    expect(step.purchases).toEqual([
      { memberId: 'b', parts: 4n, amount: 40n },
      { memberId: 'a', parts: 6n, amount: 60n },
    ]);
    expect(step.completed).toBe(true);
    expect(step.offers).toEqual([{ memberId: 'b', parts: 0n }, { memberId: 'a', parts: 14n }]);
    expect(remainingClaims({ ...terms, offers: step.offers }, step.table)).toEqual([]);
  });

  it('refuses terms that do not fit the asset', () => {
    const t: ShareLine[] = [
      { memberId: 'op', parts: 20n, outputParts: 20n },
      { memberId: 'a', parts: 80n, outputParts: 80n },
    ];
    const base: BuyoutTerms = { operatorId: 'op', targetParts: 50n, pricePerPart: 10n, source: 'pro-rata', offers: [] };
    const code = (terms: BuyoutTerms) => {
      try {
        assertBuyoutTerms(terms, t, 100n);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(BuyoutError);
        return (e as BuyoutError).code;
      }
    };
    expect(code(base)).toBe('ok');
    expect(code({ ...base, targetParts: 101n })).toBe('target_above_total');
    expect(code({ ...base, targetParts: 20n })).toBe('target_not_above_owned');
    expect(code({ ...base, pricePerPart: 0n })).toBe('invalid_price');
    expect(code({ ...base, operatorId: 'x' })).toBe('operator_not_owner');
    expect(code({ ...base, offers: [{ memberId: 'a', parts: 81n }] })).toBe('invalid_offer');
    expect(code({ ...base, offers: [{ memberId: 'op', parts: 1n }] })).toBe('invalid_offer');
  });

  it('takes the bonus part of the operator’s income line, rounded down', () => {
    expect(bonusIncome({ amount: 1_000n, outputParts: 30n, bonusParts: 10n })).toBe(333n);
    expect(bonusIncome({ amount: 1_000n, outputParts: 30n, bonusParts: 0n })).toBe(0n);
  });
});

describe('buy-out quarters', () => {
  it('finds the quarter an instant falls in, in the asset’s zone, and when it ends', () => {
    // 23:30 UTC on 31 Dec is already 2027 in Berlin
    expect(quarterAt(new Date('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toBe('2027-Q1');
    expect(quarterAt(new Date('2026-12-31T22:30:00Z'), 'Europe/Berlin')).toBe('2026-Q4');
    expect(quarterAt(new Date('2027-05-10T12:00:00Z'), 'America/New_York')).toBe('2027-Q2');
    expect(quarterEndsAt('2026-Q4', 'Europe/Berlin').toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(quarterEndsAt('2027-Q2', 'UTC').toISOString()).toBe('2027-07-01T00:00:00.000Z');
  });

  it('an instant is before the end of its quarter and not before the end of the one before (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.constantFrom('UTC', 'Europe/Berlin', 'Pacific/Auckland', 'America/Los_Angeles'), (at, tz) => {
        const q = quarterAt(at, tz);
        expect(quarterEndsAt(q, tz).getTime()).toBeGreaterThan(at.getTime());
        const [y, n] = [Number(q.slice(0, 4)), Number(q.slice(6))];
        const prev = n === 1 ? `${y - 1}-Q4` : `${y}-Q${n - 1}`;
        expect(quarterEndsAt(prev, tz).getTime()).toBeLessThanOrEqual(at.getTime());
      }),
    );
  });
});
