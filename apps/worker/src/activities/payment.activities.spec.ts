import { MockActivityEnvironment } from '@temporalio/testing';
import { JobPaymentsRepository } from '@app/db';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { PaymentActivities } from './payment.activities';

const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

function setup() {
  const payments = strictMock<JobPaymentsRepository>();
  return { payments, activities: new PaymentActivities(payments) };
}

describe('PaymentActivities', () => {
  it('reserves the amount as an exact bigint (never a float), and hands back "not enough money" with its figures', async () => {
    const s = setup();
    s.payments.reserve.mockResolvedValueOnce({ reserved: true }).mockResolvedValueOnce({ reserved: false, available: '10', asked: '9007199254740993' });
    expect(await inActivity(() => s.activities.reserveJobPrice({ jobId: 'j1', amount: '48000' }))).toEqual({ reserved: true });
    expect(await inActivity(() => s.activities.reserveJobPrice({ jobId: 'j1', amount: '9007199254740993' }))).toEqual({ reserved: false, available: '10', asked: '9007199254740993' });
    expect(s.payments.reserve.mock.calls).toEqual([
      ['j1', 48000n],
      ['j1', 9007199254740993n],
    ]);
  });

  it('pays the confirmed run and settles a cancel with the task’s progress rule, as the repository answers', async () => {
    const s = setup();
    s.payments.pay.mockResolvedValueOnce({ paid: '48000', released: '0' });
    s.payments.settleCancelled.mockResolvedValueOnce({ paid: '19200', released: '28800' });
    expect(await inActivity(() => s.activities.payJobPrice({ jobId: 'j1', run: 2 }))).toEqual({ paid: '48000', released: '0' });
    expect(await inActivity(() => s.activities.settleCancelledJob({ jobId: 'j2', payProgress: true }))).toEqual({ paid: '19200', released: '28800' });
    expect(s.payments.pay.mock.calls).toEqual([['j1', 2]]);
    expect(s.payments.settleCancelled.mock.calls).toEqual([['j2', true]]);
  });
});
