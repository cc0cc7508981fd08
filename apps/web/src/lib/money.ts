/**
 * Money on screen: always from integer minor units (digit strings or bigint), formatted by
 * Intl.NumberFormat from an exact decimal string, never through a float.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}:${currency}`;
  let nf = formatters.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, nf);
  }
  return nf;
}

/** How many minor digits a currency has (EUR 2, JPY 0), as Intl knows it. */
export function minorDigits(currency: string): number {
  return formatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2;
}

export function toMinor(v: string | bigint | null | undefined): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return BigInt(v);
  return null;
}

/** "-12345", 2 → "-123.45": exact. */
export function minorToDecimal(minor: bigint, digits: number): string {
  const neg = minor < 0n;
  const s = (neg ? -minor : minor).toString().padStart(digits + 1, '0');
  const body = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return neg ? `-${body}` : body;
}

/** "12550" EUR → "€125.50" (in the viewer's locale). Malformed input shows as "—". */
export function formatMoney(minor: string | bigint | null | undefined, currency: string, locale?: string): string {
  const v = toMinor(minor);
  if (v === null) return '—';
  return formatter(currency, locale).format(minorToDecimal(v, minorDigits(currency)) as Intl.StringNumericLiteral);
}

/**
 * What a person typed ("50", "49.90", "49,9") as minor units, or an error in words. A dot or a
 * comma separates the decimals; no more decimals than the currency has.
 */
export function parseMoneyInput(text: string, currency: string): { ok: true; minor: bigint } | { ok: false; message: string } {
  const t = text.trim();
  const digits = minorDigits(currency);
  if (t === '') return { ok: false, message: 'Enter an amount.' };
  const m = /^(\d{1,15})(?:[.,](\d+))?$/.exec(t);
  if (!m) return { ok: false, message: `Enter an amount like 50${digits ? ` or 49.${'9'.repeat(digits)}` : ''}, without the currency sign.` };
  const frac = m[2] ?? '';
  if (frac.length > digits) return { ok: false, message: digits ? `Use at most ${digits} decimals.` : 'Use whole amounts.' };
  return { ok: true, minor: BigInt(m[1]) * 10n ** BigInt(digits) + (frac ? BigInt(frac.padEnd(digits, '0')) : 0n) };
}

/** Minor units as what a person would type back into a form ("125.5" → "125.50"). */
export function minorToInput(minor: bigint, currency: string): string {
  return minorToDecimal(minor, minorDigits(currency));
}

/** `part` of `whole` in percent, 0–100, for progress bars (an integer: no float in the amounts). */
export function percentOf(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  const p = (part * 100n) / whole;
  return Number(p > 100n ? 100n : p < 0n ? 0n : p);
}
