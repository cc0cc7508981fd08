import { isTimeZone, nextOpenQuarter, quarterWindow, zonedTime } from './quarters';

describe('quarters in the asset’s time zone', () => {
  it('turns wall-clock times into instants, summer and winter', () => {
    expect(zonedTime('Europe/Berlin', 2027, 1, 1).toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(zonedTime('Europe/Berlin', 2027, 7, 1).toISOString()).toBe('2027-06-30T22:00:00.000Z');
    expect(zonedTime('America/New_York', 2027, 3, 14, 18).toISOString()).toBe('2027-03-14T22:00:00.000Z'); // after the DST switch
    expect(zonedTime('UTC', 2027, 4, 1).toISOString()).toBe('2027-04-01T00:00:00.000Z');
  });

  it('opens a window 28 days before a quarter at midnight and closes it 7 days before at 18:00, local time', () => {
    const w = quarterWindow('2027-Q2', 'Europe/Berlin');
    expect(w.startsAt.toISOString()).toBe('2027-03-31T22:00:00.000Z');
    expect(w.opensAt.toISOString()).toBe('2027-03-03T23:00:00.000Z'); // 4 March 00:00 CET
    expect(w.closesAt.toISOString()).toBe('2027-03-25T17:00:00.000Z'); // 25 March 18:00 CET
  });

  it('picks the next quarter whose window is still open', () => {
    expect(nextOpenQuarter(new Date('2027-03-20T00:00:00Z'), 'UTC')).toBe('2027-Q2');
    expect(nextOpenQuarter(new Date('2027-03-26T00:00:00Z'), 'UTC')).toBe('2027-Q3');
    expect(nextOpenQuarter(new Date('2027-11-30T00:00:00Z'), 'UTC')).toBe('2028-Q1');
  });

  it('knows a time zone from a typo', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Europe/Berln')).toBe(false);
  });
});
