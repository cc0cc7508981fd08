/**
 * Money in integer minor units (bigint), never floats. Amounts travel through JSON as decimal
 * strings of minor units ("12500" = 125.00 EUR), because a JSON number cannot hold every int64.
 */

/** ISO 4217 currencies the network accepts, with their minor-unit exponent. */
export const CURRENCIES = {
  EUR: 2, USD: 2, GBP: 2, CHF: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, HUF: 2, RON: 2,
  CAD: 2, AUD: 2, NZD: 2, JPY: 0, INR: 2, BRL: 2, MXN: 2, ZAR: 2, KES: 2,
} as const satisfies Record<string, number>;
export type Currency = keyof typeof CURRENCIES;
export const CURRENCY_CODES = Object.keys(CURRENCIES) as Currency[];

export function isCurrency(v: unknown): v is Currency {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(CURRENCIES, v);
}

/** Largest amount accepted in one posting: below PostgreSQL's bigint and far above any real sum. */
export const MAX_AMOUNT = 10n ** 17n;

/** Minor units from a JSON value: a string of digits, or a safe integer. Undefined when invalid. */
export function parseMinorUnits(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^-?(0|[1-9][0-9]{0,17})$/.test(v)) return BigInt(v);
  return undefined;
}

/** Display form, e.g. formatMoney(12550n, 'EUR') === '125.50 EUR'. */
export function formatMoney(amount: bigint, currency: Currency): string {
  const exp = CURRENCIES[currency];
  const neg = amount < 0n;
  const abs = (neg ? -amount : amount).toString().padStart(exp + 1, '0');
  const whole = exp ? abs.slice(0, -exp) : abs;
  const frac = exp ? `.${abs.slice(-exp)}` : '';
  return `${neg ? '-' : ''}${whole}${frac} ${currency}`;
}
