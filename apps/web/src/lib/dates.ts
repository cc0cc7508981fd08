/** Dates in the viewer's time zone (or a given one, e.g. an asset's), and time left in words. */

export function formatDateTime(iso: string | Date, timeZone?: string): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  // dateStyle cannot be combined with timeZoneName: spelled out field by field.
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone, timeZoneName: 'short' } : {}) });
}

export function formatDate(iso: string | Date, timeZone?: string): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toLocaleDateString(undefined, { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) });
}

/** "3 days left", "5 hours left", "closed". */
export function timeLeft(iso: string, now = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (ms <= 0) return 'closed';
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'always' });
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${rtf.format(minutes, 'minute').replace(/^in /, '')} left`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${rtf.format(hours, 'hour').replace(/^in /, '')} left`;
  return `${rtf.format(Math.round(hours / 24), 'day').replace(/^in /, '')} left`;
}

/** "Dec 3, 14:00": day and time without the year, for small spaces (a diagram's box); the year when it is not this one. */
export function formatShortDateTime(iso: string | Date, now: Date = new Date()): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) });
}
