import { parseRetryAfter } from './webhook-sender.service';

describe('Retry-After', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('reads seconds and HTTP dates, caps them at a day, and ignores nonsense', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('999999', now)).toBe(24 * 3_600_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBeNull(); // in the past
  });
});
