import { MockActivityEnvironment } from '@temporalio/testing';
import { AssetIncomeRepository, IncomeDistributionEntity, IncomeRefusal } from '@app/db';
import { IncomeMail } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { IncomeActivities } from './income.activities';

const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

function setup() {
  const income = strictMock<AssetIncomeRepository>();
  const mail = strictMock<IncomeMail>();
  return { income, mail, activities: new IncomeActivities(income, mail) };
}

describe('IncomeActivities.distributeQuarterIncome', () => {
  it('shares the quarter as the order cycle, then queues the owners’ mail (again on a repeat: the outbox keys make it once)', async () => {
    const s = setup();
    const distribution = Object.assign(new IncomeDistributionEntity(), { id: 'd1', income: 5_400n, currency: 'EUR' });
    s.income.distribute.mockResolvedValue({ distribution, lineCount: 3, replayed: true });
    s.mail.queue.mockResolvedValue(0);
    expect(await inActivity(() => s.activities.distributeQuarterIncome({ assetId: 'a1', quarter: '2026-Q3' }))).toEqual({ distributed: true, income: '5400', currency: 'EUR' });
    expect(s.income.distribute).toHaveBeenCalledWith('a1', '2026-Q3', 'order-cycle');
    expect(s.mail.queue).toHaveBeenCalledWith('d1');
  });

  it('answers a refusal of the rules (nothing written) instead of failing, and lets other errors be retried', async () => {
    const s = setup();
    s.income.distribute.mockRejectedValueOnce(new IncomeRefusal('quarter_not_planned', 'no plan')).mockRejectedValueOnce(new Error('connection reset'));
    expect(await inActivity(() => s.activities.distributeQuarterIncome({ assetId: 'a1', quarter: '2026-Q3' }))).toEqual({ distributed: false, reason: 'quarter_not_planned' });
    await expect(inActivity(() => s.activities.distributeQuarterIncome({ assetId: 'a1', quarter: '2026-Q3' }))).rejects.toThrow('connection reset');
    expect(s.mail.queue).not.toHaveBeenCalled();
  });
});
