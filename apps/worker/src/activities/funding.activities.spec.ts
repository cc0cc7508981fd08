import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '@app/config';
import { RoundRejection } from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  FundingPledgeEntity,
  FundingRepository,
  FundingRoundEntity,
  JobPaymentsRepository,
  LedgerAccountEntity,
  LedgerService,
  MemberEntity,
  MembersRepository,
  OwnershipService,
  PledgeRefusedError,
  ProjectEntity,
  ProjectsRepository,
} from '@app/db';
import { LedgerError } from '@app/domain';
import { KeyedMail, MailOutbox, MemberLinks } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { FundingActivities } from './funding.activities';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', ROUND_SETTLE_PAGE_SIZE: '50' });
const inActivity = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({}, { logger: silentLogger }).run(fn);
const round = (over: Partial<FundingRoundEntity> = {}) =>
  Object.assign(new FundingRoundEntity(), {
    id: 'r1',
    projectId: 'p1',
    goal: 100_000n,
    currency: 'EUR',
    minPledge: 1_000n,
    deadline: new Date('2031-01-01T00:00:00Z'),
    status: 'open',
    total: 0n,
    backers: 0,
    reason: null,
    ...over,
  });
const account = (id: string) => Object.assign(new LedgerAccountEntity(), { id });

function setup() {
  const ledger = strictMock<LedgerService>();
  const ownership = strictMock<OwnershipService>();
  const funding = strictMock<FundingRepository>();
  const assets = strictMock<AssetsRepository>();
  const projects = strictMock<ProjectsRepository>();
  const members = strictMock<MembersRepository>();
  const outbox = strictMock<MailOutbox>();
  const links = strictMock<MemberLinks>({ page: jest.fn((memberId: string, path: string) => `https://dpn.test${path}#for=${memberId}`) });
  const payments = strictMock<JobPaymentsRepository>();
  const handle = strictMock<{ signal: jest.Mock }>({ signal: jest.fn(async () => undefined) });
  const temporal = strictMock<{ workflow: { getHandle: jest.Mock } }>({ workflow: { getHandle: jest.fn(() => handle) } });
  const activities = new FundingActivities(ledger, ownership, funding, assets, projects, members, outbox, links, config, payments, temporal as never);
  return { activities, ledger, ownership, funding, assets, projects, members, outbox, links, payments, temporal, handle };
}

describe('FundingActivities (pledges in PostgreSQL)', () => {
  it('settles in pages of the configured size, answering digit strings', async () => {
    const s = setup();
    s.funding.capturePage.mockResolvedValue({ count: 2, amount: 3_000n, last: 'm2' });
    await expect(s.activities.captureHoldsPage({ roundId: 'r1', currency: 'EUR', after: 'm0' })).resolves.toEqual({ count: 2, amount: '3000', last: 'm2' });
    expect(s.funding.capturePage).toHaveBeenCalledWith('r1', 'EUR', 'm0', 50);
    s.funding.releasePage.mockResolvedValue({ count: 0, amount: 0n, last: null });
    await expect(s.activities.releaseHoldsPage({ roundId: 'r1', currency: 'EUR', after: null })).resolves.toEqual({ count: 0, amount: '0', last: null });
    s.funding.refundPage.mockResolvedValue({ count: 1, amount: 5n, last: 'm9' });
    await expect(s.activities.refundCapturesPage({ roundId: 'r1', currency: 'EUR', after: null })).resolves.toEqual({ count: 1, amount: '5', last: 'm9' });
    expect(s.funding.refundPage).toHaveBeenCalledWith('r1', 'EUR', null, 50);
  });

  it('the operator’s share is held while the round is opening; a refusal is a typed, non-retryable failure', async () => {
    const s = setup();
    s.funding.setPledge.mockResolvedValueOnce({} as never);
    await s.activities.placeOperatorPledge({ roundId: 'r1', memberId: 'op', amount: '20000' });
    expect(s.funding.setPledge).toHaveBeenCalledWith('r1', 'op', 20_000n, { allowOpening: true });
    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('insufficient_funds', 'too little'));
    await expect(s.activities.placeOperatorPledge({ roundId: 'r1', memberId: 'op', amount: '20000' })).rejects.toMatchObject({ type: RoundRejection.InsufficientFunds, nonRetryable: true });
    s.funding.setPledge.mockRejectedValueOnce(new PledgeRefusedError('closed', 'cancelled'));
    await expect(s.activities.placeOperatorPledge({ roundId: 'r1', memberId: 'op', amount: '20000' })).rejects.toMatchObject({ type: RoundRejection.NotOpen });
    // Anything else (the database down) is retried by Temporal: not an ApplicationFailure.
    s.funding.setPledge.mockRejectedValueOnce(new Error('connection refused'));
    const err = await s.activities.placeOperatorPledge({ roundId: 'r1', memberId: 'op', amount: '20000' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
  });

  it('writes status with the workflow’s sequence and closes with it', async () => {
    const s = setup();
    s.funding.recordStatus.mockResolvedValue();
    await s.activities.recordRoundStatus({ roundId: 'r1', seq: 4, status: 'capturing', reason: null });
    expect(s.funding.recordStatus).toHaveBeenCalledWith('r1', 4, 'capturing', null);
    s.funding.close.mockResolvedValue({ total: 90_000n, backers: 12 });
    await expect(s.activities.closeRound({ roundId: 'r1', seq: 5 })).resolves.toEqual({ total: '90000', backers: 12 });
  });

  it('creates the bought asset’s ownership from the captured contributions, unless the asset already has owners', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', totalParts: 10n }));
    s.funding.contributions.mockResolvedValue([
      { memberId: 'm1', amount: 60_000n },
      { memberId: 'm2', amount: 40_000n },
    ]);
    s.ownership.createTableForRound.mockResolvedValueOnce('created');
    await expect(inActivity(() => s.activities.assignOwnershipFromPledges({ roundId: 'r1', assetId: 'a1', operator: null }))).resolves.toEqual({ assigned: true, reason: null });
    const [assetId, lines] = s.ownership.createTableForRound.mock.calls[0];
    expect(assetId).toBe('a1');
    expect(lines.map((l) => [l.memberId, l.parts])).toEqual([
      ['m1', 6n],
      ['m2', 4n],
    ]);
    s.ownership.createTableForRound.mockResolvedValueOnce('already-owned');
    await expect(inActivity(() => s.activities.assignOwnershipFromPledges({ roundId: 'r1', assetId: 'a1', operator: null }))).resolves.toMatchObject({
      assigned: false,
      reason: expect.stringContaining('already has owners'),
    });
    s.assets.findById.mockResolvedValue(null);
    await expect(inActivity(() => s.activities.assignOwnershipFromPledges({ roundId: 'r1', assetId: 'a9', operator: null }))).rejects.toThrow('asset a9 not found');
  });

  it('queues a round’s mail for the whole audience in chunks, one key per round, kind and member; the open round’s total is live', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(round());
    s.projects.findById.mockResolvedValue(Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack' }));
    s.funding.liveTally.mockResolvedValue({ total: 45_000n, backers: 4 });
    const page1 = Array.from({ length: 500 }, (_, i) => ({ id: `m${String(i).padStart(4, '0')}`, name: `M${i}`, email: `m${i}@x.test`, pledged: i === 0 ? '2500' : null }));
    s.funding.mailAudiencePage.mockResolvedValueOnce(page1).mockResolvedValueOnce([{ id: 'm9999', name: 'Last', email: 'l@x.test', pledged: '0' }]).mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await expect(inActivity(() => s.activities.queueRoundMail({ roundId: 'r1', kind: 'reminder', audience: 'not-pledged' }))).resolves.toBe(501);
    expect(s.funding.mailAudiencePage.mock.calls.map((c) => [c[1], c[2], c[3]])).toEqual([
      ['not-pledged', '00000000-0000-0000-0000-000000000000', 500],
      ['not-pledged', 'm0499', 500],
      ['not-pledged', 'm9999', 500],
    ]);
    const first = s.outbox.enqueueMany.mock.calls[0][0][0];
    expect(first).toMatchObject({ key: 'round:r1:reminder:m0000', to: 'm0@x.test' });
    expect(first.text).toContain('So far 450.00 EUR'); // the live total, not the row's
    expect(s.links.page).toHaveBeenCalledWith('m0000', '/rounds/r1', round().deadline); // valid until the deadline while open
    expect(s.outbox.enqueueMany.mock.calls[1][0]).toHaveLength(1);
  });

  it('the result mail of a finished round carries its recorded total and a week-long link', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(round({ status: 'funded', total: 100_000n }));
    s.projects.findById.mockResolvedValue(Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack' }));
    s.funding.mailAudiencePage
      .mockResolvedValueOnce([
        { id: 'm1', name: 'Ada', email: 'a@x.test', pledged: '1000' },
        { id: 'm2', name: 'Bo', email: 'b@x.test', pledged: '0' },
      ])
      .mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await inActivity(() => s.activities.queueRoundMail({ roundId: 'r1', kind: 'funded', audience: 'backers' }));
    const [ada, bo] = s.outbox.enqueueMany.mock.calls[0][0];
    expect(ada.text).toContain('reached its goal: 1000.00 EUR of 1000.00 EUR. Your pledge of 10.00 EUR was captured');
    expect(bo.text).toContain('Your pledge of 0 was captured'); // a pledge of 0 is no pledge: not formatted as money
    const until = s.links.page.mock.calls[0][2] as Date;
    expect(until.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });
});

describe('FundingActivities (rounds that keep pledges in the workflow)', () => {
  it('moves a hold through the repository with the workflow’s sequence; no money is a typed failure', async () => {
    const s = setup();
    s.funding.moveLegacyHold.mockResolvedValueOnce();
    await s.activities.moveHold({ roundId: 'r1', memberId: 'm1', currency: 'EUR', delta: '-500', seq: 3 });
    expect(s.funding.moveLegacyHold).toHaveBeenCalledWith({ roundId: 'r1', memberId: 'm1', currency: 'EUR', delta: -500n, seq: 3 });
    s.funding.moveLegacyHold.mockRejectedValueOnce(new LedgerError('insufficient_funds', 'balance 0'));
    await expect(s.activities.moveHold({ roundId: 'r1', memberId: 'm1', currency: 'EUR', delta: '500', seq: 4 })).rejects.toMatchObject({
      type: RoundRejection.InsufficientFunds,
      nonRetryable: true,
    });
  });

  it('captures, releases, refunds and pays out under keys naming the round, the step and the member', async () => {
    const s = setup();
    s.ledger.account.mockImplementation(async (kind, owner) => account(`${kind}:${owner}`));
    s.ledger.post.mockResolvedValue({ replayed: false } as never);
    s.payments.waitingOn.mockResolvedValue(['j1', 'j2']);
    s.handle.signal.mockRejectedValueOnce(new Error('workflow not found'));
    const input = { roundId: 'r1', memberId: 'm1', currency: 'EUR', amount: '700' };
    await s.activities.captureHold(input);
    await s.activities.releaseHold(input);
    await s.activities.refundCapture(input);
    await inActivity(() => s.activities.payOut({ roundId: 'r1', projectId: 'p1', currency: 'EUR', amount: '9000' }));
    const posts = s.ledger.post.mock.calls.map(([p]) => [p.idempotencyKey, p.kind, p.entries.map((e) => [e.accountId, e.amount])]);
    expect(posts).toEqual([
      ['round:r1:capture:m1', 'pledge-capture', [['escrow:r1', -700n], ['round:r1', 700n]]],
      ['round:r1:release:m1', 'pledge-release', [['escrow:r1', -700n], ['member:m1', 700n]]],
      ['round:r1:refund:m1', 'pledge-refund', [['round:r1', -700n], ['member:m1', 700n]]],
      ['round:r1:payout', 'round-payout', [['round:r1', -9000n], ['project:p1', 9000n]]],
    ]);
    // The project's priced jobs waiting for money are told; one that cannot be told does not fail the payout.
    expect(s.payments.waitingOn).toHaveBeenCalledWith('project:p1');
    expect(s.temporal.workflow.getHandle.mock.calls.map(([id]) => id)).toEqual(['job-j1', 'job-j2']);
    expect(s.handle.signal).toHaveBeenCalledTimes(2);
  });

  it('records the round’s status and totals; the audience is every active member', async () => {
    const s = setup();
    s.funding.recordLegacyRound.mockResolvedValue();
    await s.activities.recordRound({ roundId: 'r1', status: 'funded', reason: null, total: '100', backers: 2, pledges: [] });
    expect(s.funding.recordLegacyRound).toHaveBeenCalledWith({ roundId: 'r1', status: 'funded', reason: null, total: '100', backers: 2 });
    s.members.allActiveIds.mockResolvedValue(['m1', 'm2']);
    await expect(s.activities.roundAudience({ roundId: 'r1' })).resolves.toEqual(['m1', 'm2']);
  });

  it('one member’s round mail, keyed once per round, kind and member, with their pledge', async () => {
    const s = setup();
    s.funding.find.mockResolvedValue(round());
    s.projects.findById.mockResolvedValue(Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack' }));
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@x.test' }));
    s.funding.findPledge.mockResolvedValue(Object.assign(new FundingPledgeEntity(), { amount: 1_500n }));
    s.outbox.enqueue.mockResolvedValue('queued');
    await expect(s.activities.sendRoundMail({ roundId: 'r1', memberId: 'm1', kind: 'opened' })).resolves.toBe('queued');
    expect(s.funding.findPledge).toHaveBeenCalledWith('r1', 'm1');
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'round:r1:opened:m1', to: 'ada@x.test' });
    s.members.findById.mockResolvedValue(null);
    await expect(s.activities.sendRoundMail({ roundId: 'r1', memberId: 'm9', kind: 'opened' })).rejects.toThrow('member m9 not found');
  });
});
