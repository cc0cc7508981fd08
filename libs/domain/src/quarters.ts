/**
 * Quarters and order windows in an asset's own time zone (IANA names, through Intl: no library).
 * A quarter starts at 00:00 local time on its first day. Its order window opens at 00:00 local,
 * `openDaysBefore` days before that, and closes at `closeHour`:00 local, `closeDaysBefore` days
 * before the start. Daylight-saving changes are handled: the wall-clock times are what members see.
 */
export interface WindowRule {
  openDaysBefore: number;
  closeDaysBefore: number;
  closeHour: number;
}

export const DEFAULT_WINDOW: WindowRule = { openDaysBefore: 28, closeDaysBefore: 7, closeHour: 18 };

/** Offset of `timeZone` from UTC at `at`, in ms (positive east of Greenwich). */
function offsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

/** The UTC instant of a wall-clock time in `timeZone`. */
export function zonedTime(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetMs(timeZone, guess);
  const second = guess - offsetMs(timeZone, first);
  return new Date(second);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseQuarter(q: string): { year: number; n: number } {
  const m = /^(\d{4})-Q([1-4])$/.exec(q);
  if (!m) throw new Error(`not a quarter: ${q}`);
  return { year: Number(m[1]), n: Number(m[2]) };
}

/** The order window of quarter `q` (e.g. `2027-Q1`) in `timeZone`. */
export function quarterWindow(q: string, timeZone: string, rule: WindowRule = DEFAULT_WINDOW): { opensAt: Date; closesAt: Date; startsAt: Date } {
  const { year, n } = parseQuarter(q);
  const month = (n - 1) * 3 + 1;
  const startsAt = zonedTime(timeZone, year, month, 1);
  const day = (daysBefore: number) => {
    const d = new Date(Date.UTC(year, month - 1, 1) - daysBefore * 86_400_000);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
  };
  const o = day(rule.openDaysBefore);
  const c = day(rule.closeDaysBefore);
  return {
    opensAt: zonedTime(timeZone, o.y, o.m, o.d),
    closesAt: zonedTime(timeZone, c.y, c.m, c.d, rule.closeHour),
    startsAt,
  };
}

/** The first quarter whose order window has not closed yet at `now`. */
export function nextOpenQuarter(now: Date, timeZone: string, rule: WindowRule = DEFAULT_WINDOW): string {
  let year = now.getUTCFullYear();
  let n = Math.floor(now.getUTCMonth() / 3) + 1;
  for (let i = 0; i < 8; i++) {
    const q = `${year}-Q${n}`;
    if (quarterWindow(q, timeZone, rule).closesAt.getTime() > now.getTime()) return q;
    if (n === 4) {
      year += 1;
      n = 1;
    } else n += 1;
  }
  throw new Error('no open quarter found');
}
