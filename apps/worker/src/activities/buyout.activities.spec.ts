import { MockActivityEnvironment } from '@temporalio/testing';
import type { KeyedMail } from '@app/mail';
import { BuyoutAgreement, BuyoutMailHook, BuyoutsRepository, BuyoutStepRecord } from '@app/db';
import { MailOutbox, MemberLinks } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { BuyoutActivities } from './buyout.activities';

const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);

const agreement = {
  id: 'b1',
  assetName: 'Greenhouse',
  totalParts: 100n,
  targetParts: 60n,
  pricePerPart: 100n,
  currency: 'EUR',
  claimParts: 30n,
  claimAmount: 3_000n,
} as BuyoutAgreement;
const step: BuyoutStepRecord = {
  id: 's1',
  agreementId: 'b1',
  quarter: '2027-Q1',
  money: 1_050n,
  parts: 10n,
  amount: 1_000n,
  unspent: 50n,
  operatorPartsAfter: 30n,
  completed: false,
  note: 'the agreed 1050 a quarter',
  createdAt: new Date(),
  lines: [],
};

describe('BuyoutActivities.runBuyoutStep', () => {
  it('steps in the repository and queues one mail to the operator and one to each seller who sold, in the step’s transaction, with their figures', async () => {
    const repo = strictMock<BuyoutsRepository>();
    const outbox = strictMock<MailOutbox>();
    const links = strictMock<MemberLinks>();
    links.page.mockReturnValue('https://dpn.example/me/buyouts?link');
    const queued: KeyedMail[] = [];
    outbox.enqueueMany.mockImplementation(async (mails, m) => {
      expect(m).toBe('the-transaction');
      queued.push(...mails);
      return mails.length;
    });
    repo.step.mockImplementation(async (_id, _q, opts, hook?: BuyoutMailHook) => {
      expect(opts).toEqual({ final: false });
      await hook!(
        {
          agreement,
          step,
          operator: { memberId: 'op', name: 'Olga', email: 'olga@example.org' },
          sellers: [
            { memberId: 'ann', name: 'Ann', email: 'ann@example.org', parts: 6n, amount: 600n, claimParts: 18n, claimAmount: 1_800n },
            { memberId: 'ben', name: 'Ben', email: 'ben@example.org', parts: 4n, amount: 400n, claimParts: 12n, claimAmount: 1_200n },
            // Owed for, but sold nothing this quarter: no mail.
            { memberId: 'cy', name: 'Cy', email: 'cy@example.org', parts: 0n, amount: 0n, claimParts: 5n, claimAmount: 500n },
          ],
        },
        'the-transaction' as unknown as Parameters<BuyoutMailHook>[1],
      );
      return { outcome: 'stepped', status: 'active', step, replayed: false };
    });
    const acts = new BuyoutActivities(repo, outbox, links);
    expect(await inActivity(() => acts.runBuyoutStep({ agreementId: 'b1', quarter: '2027-Q1', final: false }))).toEqual({
      outcome: 'stepped',
      status: 'active',
      parts: '10',
      amount: '1000',
      money: '1050',
      completed: false,
      replayed: false,
    });
    expect(queued.map((q) => [q.key, q.to])).toEqual([
      ['buyout:b1:2027-Q1:op', 'olga@example.org'],
      ['buyout:b1:2027-Q1:ann', 'ann@example.org'],
      ['buyout:b1:2027-Q1:ben', 'ben@example.org'],
    ]);
    expect(queued[0].text).toContain('bought 10 parts for 10.00 EUR');
    expect(queued[0].text).toContain('You own 30 of 100 parts; the target is 60. 0.50 EUR');
    expect(queued[1].text).toContain('bought 6 of your parts; 6.00 EUR went to your account');
    expect(queued[1].text).toContain('Your remaining claim: 18 parts still to be bought from you, 18.00 EUR at 1.00 EUR a part.');
  });

  it('answers not-ready without a step and queues nothing', async () => {
    const repo = strictMock<BuyoutsRepository>();
    repo.step.mockResolvedValue({ outcome: 'not-ready', status: 'active', step: null, replayed: false });
    const acts = new BuyoutActivities(repo, strictMock<MailOutbox>(), strictMock<MemberLinks>());
    expect(await inActivity(() => acts.runBuyoutStep({ agreementId: 'b1', quarter: '2027-Q1', final: false }))).toMatchObject({ outcome: 'not-ready', parts: '0', amount: '0' });
  });
});
