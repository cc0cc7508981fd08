import { describe, expect, it } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { checkOrder, closeSeries, marketRefusal, nextQuarters, parseExpiry, parseParts, quarterOf, SubmissionKeys } from '../market-rules';

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('the market forms’ rules', () => {
  it('takes whole parts only', () => {
    expect(parseParts('5')).toEqual({ ok: true, parts: 5n });
    expect(parseParts(' 12 ')).toEqual({ ok: true, parts: 12n });
    for (const bad of ['', '0', '1.5', '-3', 'two']) expect(parseParts(bad).ok).toBe(false);
  });

  it('turns days into an expiry and keeps it past the first-refusal window', () => {
    expect(parseExpiry('30', NOW)).toEqual({ ok: true, expiresAt: '2026-12-31T10:00:00.000Z' });
    expect(parseExpiry('0', NOW).ok).toBe(false);
    expect(parseExpiry('366', NOW).ok).toBe(false);
    expect(parseExpiry('7', NOW, 8)).toEqual({ ok: false, message: 'Enter a number of days from 8 to 365.' });
  });

  it('checks a bid field by field, money in minor units', () => {
    expect(checkOrder({ parts: '3', price: '6.00', days: '10' }, 'EUR', { now: NOW })).toEqual({ ok: true, parts: 3n, pricePerPart: 600n, expiresAt: '2026-12-11T10:00:00.000Z' });
    expect(checkOrder({ parts: '3', price: '6', days: '10' }, 'JPY', { now: NOW })).toMatchObject({ ok: true, pricePerPart: 6n });
    expect(checkOrder({ parts: '0', price: '0', days: 'x' }, 'EUR', { now: NOW })).toEqual({
      ok: false,
      errors: { parts: 'Enter a whole number of parts, from 1.', price: 'Enter a price above zero.', days: 'Enter a number of days from 1 to 365.' },
    });
    expect(checkOrder({ parts: '2', price: '1.234', days: '5' }, 'EUR', { now: NOW })).toEqual({ ok: false, errors: { price: 'Use at most 2 decimals.' } });
    // A buy-out has no price of its own.
    expect(checkOrder({ parts: '2', price: '', days: '5' }, 'EUR', { now: NOW, priced: false })).toMatchObject({ ok: true, pricePerPart: null });
  });

  it('says the API’s refusals in words, with their figures as money', () => {
    const p = (code: string, extras: Record<string, string> = {}, detail = '') => new ApiProblem(409, code, detail, [], extras);
    expect(marketRefusal(p('insufficient_funds', { needed: '1800', available: '100', currency: 'EUR' }), 'EUR')).toBe(
      'Your account does not hold enough: this needs €18.00 and €1.00 is free. Ask the coordinator about a deposit, or ask for less.',
    );
    expect(marketRefusal(p('insufficient_parts', { owned: '25', listed: '0', requested: '26' }), 'EUR')).toBe('You own 25 parts and 0 are already listed: you cannot list 26.');
    expect(marketRefusal(p('operator_floor', { floor: '20', maxListable: '40' }), 'EUR')).toBe('The operator keeps at least 20 parts: you may list at most 40.');
    expect(marketRefusal(p('rofr_closed'), 'EUR')).toContain('bid for it instead');
    expect(marketRefusal(p('lease_parts_unavailable', { owned: '10', leasedOut: '8', available: '2' }), 'EUR')).toBe('Only 2 parts can be leased for those quarters (you own 10, 8 already leased out).');
    expect(marketRefusal(p('something_new', {}, 'the API says why'), 'EUR')).toBe('the API says why');
  });

  it('reads the extension members of a problem document', () => {
    const e = ApiProblem.from(409, { type: 'about:blank', title: 'Conflict', code: 'insufficient_funds', detail: 'd', needed: '1800', available: '100', currency: 'EUR', status: 409 });
    expect(e.extras).toEqual({ needed: '1800', available: '100', currency: 'EUR' });
  });

  it('reuses the Idempotency-Key for a retry of the same submission, and only then', () => {
    let n = 0;
    const keys = new SubmissionKeys(() => `k${++n}`);
    expect(keys.keyFor({ parts: '3', price: '6' })).toBe('k1');
    expect(keys.keyFor({ parts: '3', price: '6' })).toBe('k1'); // the same form sent again after a failure
    expect(keys.keyFor({ parts: '4', price: '6' })).toBe('k2'); // changed: a new submission
    keys.done();
    expect(keys.keyFor({ parts: '4', price: '6' })).toBe('k3'); // after a success, the same contents are a new order
  });

  it('draws the daily close and names quarters', () => {
    expect(closeSeries([{ day: '2026-11-30', close: '550', parts: '3' }])).toEqual([{ day: '2026-11-30', close: 550, parts: 3 }]);
    expect(quarterOf(new Date('2026-12-01T00:00:00Z'))).toBe('2026-Q4');
    expect(nextQuarters(new Date('2026-12-01T00:00:00Z'), 3)).toEqual(['2027-Q1', '2027-Q2', '2027-Q3']);
  });
});
