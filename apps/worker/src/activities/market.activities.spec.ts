import { MockActivityEnvironment } from '@temporalio/testing';
import { MarketRepository } from '@app/db';
import { MarketMail } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { MarketActivities } from './market.activities';

const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

function setup() {
  const market = strictMock<MarketRepository>();
  const mail = strictMock<MarketMail>();
  const notify = jest.fn();
  Object.defineProperty(mail, 'notify', { value: notify });
  return { market, notify, activities: new MarketActivities(market, mail) };
}

describe('MarketActivities', () => {
  it('closes a first-refusal window with the trade emails as its notifier, and answers what happened', async () => {
    const s = setup();
    s.market.closeRofr.mockResolvedValueOnce({ outcome: 'filled', trades: 2 }).mockResolvedValueOnce({ outcome: 'noop', trades: 0 });
    expect(await inActivity(() => s.activities.closeMarketRofr('l1'))).toBe('filled');
    expect(s.market.closeRofr).toHaveBeenCalledWith('l1', s.notify);
    // a retry after it committed changes nothing
    expect(await inActivity(() => s.activities.closeMarketRofr('l1'))).toBe('noop');
  });

  it('expires a listing or a bid, and lets a database failure be retried', async () => {
    const s = setup();
    s.market.expire.mockResolvedValueOnce('expired').mockRejectedValueOnce(new Error('connection reset'));
    expect(await inActivity(() => s.activities.expireMarketOrder('bid', 'b1'))).toBe('expired');
    expect(s.market.expire).toHaveBeenCalledWith('bid', 'b1');
    await expect(inActivity(() => s.activities.expireMarketOrder('listing', 'l1'))).rejects.toThrow('connection reset');
  });
});
