import { describe, expect, it } from 'vitest';
import { formatMoney, minorToDecimal, parseMoneyInput, percentOf } from '../money';

describe('money from integer minor units', () => {
  it('formats exactly, even beyond what a float holds', () => {
    expect(formatMoney('12550', 'EUR', 'en-US')).toBe('€125.50');
    expect(formatMoney('-5', 'EUR', 'en-US')).toBe('-€0.05');
    expect(formatMoney('1500', 'JPY', 'en-US')).toBe('¥1,500');
    // 2^53 + 1 cents: a float would round it.
    expect(formatMoney('9007199254740993', 'USD', 'en-US')).toBe('$90,071,992,547,409.93');
    expect(formatMoney('12.5', 'EUR')).toBe('—');
    expect(minorToDecimal(7n, 2)).toBe('0.07');
  });

  it('reads what a person types', () => {
    expect(parseMoneyInput('50', 'EUR')).toEqual({ ok: true, minor: 5000n });
    expect(parseMoneyInput('49,9', 'EUR')).toEqual({ ok: true, minor: 4990n });
    expect(parseMoneyInput(' 0.05 ', 'EUR')).toEqual({ ok: true, minor: 5n });
    expect(parseMoneyInput('1.234', 'EUR')).toMatchObject({ ok: false, message: 'Use at most 2 decimals.' });
    expect(parseMoneyInput('12.5', 'JPY')).toMatchObject({ ok: false });
    expect(parseMoneyInput('€5', 'EUR')).toMatchObject({ ok: false });
    expect(parseMoneyInput('-5', 'EUR')).toMatchObject({ ok: false });
    expect(percentOf(1500n, 2500n)).toBe(60);
    expect(percentOf(3000n, 2500n)).toBe(100);
  });
});
