import { describe, expect, it } from 'vitest';
import { formatDuration, jobTitle, leadTimeMs } from '../job-words';

describe('jobs in words', () => {
  it('says lead times in whole units', () => {
    expect(formatDuration(20_000)).toBe('< 1 min');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(5 * 3_600_000 + 10 * 60_000)).toBe('5 h 10 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe('3 d 4 h');
    expect(formatDuration(-1)).toBe('—');
  });

  it('runs a lead time from the first offer to the confirmation, or to now', () => {
    const lt = { firstOfferedAt: '2026-12-01T10:00:00Z', acceptedAt: null, completedAt: null, confirmedAt: null };
    expect(leadTimeMs({ ...lt, firstOfferedAt: null })).toBeNull();
    expect(leadTimeMs(lt, Date.parse('2026-12-01T12:00:00Z'))).toBe(2 * 3_600_000);
    expect(leadTimeMs({ ...lt, confirmedAt: '2026-12-03T10:00:00Z' }, Date.parse('2027-01-01T00:00:00Z'))).toBe(2 * 86_400_000);
  });

  it('names a job by its task, else by what and how many', () => {
    expect(jobTitle({ title: 'Make 6 rack frames', capability: 'woodworking', quantity: 6, unit: 'frames' })).toBe('Make 6 rack frames');
    expect(jobTitle({ title: null, capability: 'woodworking', quantity: 6, unit: 'frames' })).toBe('6 frames (woodworking)');
  });
});
