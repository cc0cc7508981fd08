import { MockActivityEnvironment } from '@temporalio/testing';
import { loadConfig } from '@app/config';
import { capacityFreedSignal, jobWorkflowId, JobView } from '@app/contracts';
import { JobEntity, JobsRepository, MemberEntity, MembersRepository, NodeEntity, NodesRepository } from '@app/db';
import { MailOutbox } from '@app/mail';
import { WebhookSender } from '@app/nodes';
import { silentLogger, strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { EXPIRED_OFFERS_BEFORE_SUSPENSION, JobActivities, staleness } from './job.activities';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', COORDINATOR_EMAIL: 'coordinator@dpn.test' });
const node = (over: Partial<NodeEntity> = {}) => Object.assign(new NodeEntity(), { id: 'n1', name: 'Shop', ownerMemberId: 'owner', webhookUrl: 'https://n.example/hook', webhookDisabledAt: null, ...over });
const inActivity = <T>(fn: () => Promise<T>, attempt = 1) => new MockActivityEnvironment({ attempt }, { logger: silentLogger }).run(fn);

function setup() {
  const jobs = strictMock<JobsRepository>();
  const nodes = strictMock<NodesRepository>();
  const members = strictMock<MembersRepository>();
  const webhooks = strictMock<WebhookSender>();
  const outbox = strictMock<MailOutbox>();
  const t = temporalClientMock();
  const activities = new JobActivities(jobs, nodes, members, webhooks, outbox, t.client as never, config);
  return { activities, jobs, nodes, members, webhooks, outbox, ...t };
}

describe('JobActivities.pickNode', () => {
  it('takes the first free candidate in the registry’s order; all at their limit is all-busy; none capable is none', async () => {
    const s = setup();
    const input = { jobId: 'j1', capability: 'cnc', locationId: null, exclude: [] };
    s.nodes.candidates.mockResolvedValueOnce([
      { id: 'n1', busy: true },
      { id: 'n2', busy: false },
      { id: 'n3', busy: false },
    ]);
    await expect(s.activities.pickNode(input)).resolves.toEqual({ kind: 'node', nodeId: 'n2' });
    s.nodes.candidates.mockResolvedValueOnce([{ id: 'n1', busy: true }]);
    await expect(s.activities.pickNode(input)).resolves.toEqual({ kind: 'all-busy' });
    s.nodes.candidates.mockResolvedValueOnce([]);
    await expect(s.activities.pickNode(input)).resolves.toEqual({ kind: 'none' });
  });
});

describe('JobActivities.sendJobEvent', () => {
  const offered = { nodeId: 'n1', eventId: 'evt1', type: 'job.offered' as const, data: { jobId: 'j1', offerId: 'j1:2' } };

  it('does not announce an offer that has closed meanwhile: the attempt is recorded as skipped', async () => {
    const s = setup();
    s.nodes.get.mockResolvedValue(node());
    s.jobs.snapshot.mockResolvedValue({ status: 'offered', nodeId: null, lastOffer: { offerId: 'j1:3', answer: null }, progress: null });
    s.webhooks.recordSkipped.mockResolvedValue();
    await expect(inActivity(() => s.activities.sendJobEvent(offered), 2)).resolves.toBe('skipped');
    expect(s.webhooks.recordSkipped).toHaveBeenCalledWith('n1', { id: 'evt1', type: 'job.offered', data: offered.data }, 2, expect.stringContaining('j1:2'));
  });

  it('a reminder carries the latest progress from the row; a retryable answer throws for Temporal to retry', async () => {
    const s = setup();
    s.nodes.get.mockResolvedValue(node());
    const progress = { percent: 40, note: 'half', reportedAt: '2027-01-01T00:00:00Z', reports: 2 };
    s.jobs.snapshot.mockResolvedValue({ status: 'in-progress', nodeId: 'n1', lastOffer: { offerId: 'j1:1', answer: 'accepted' }, progress });
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'delivered', statusCode: 200, latencyMs: 5, error: null, retryAfterMs: null });
    await expect(inActivity(() => s.activities.sendJobEvent({ nodeId: 'n1', eventId: 'evt2', type: 'job.reminder', data: { jobId: 'j1' } }))).resolves.toBe('delivered');
    expect(s.webhooks.deliver.mock.calls[0][1].data).toEqual({ jobId: 'j1', progress });
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'retry', statusCode: 503, latencyMs: 5, error: 'HTTP 503', retryAfterMs: 30_000 });
    await expect(inActivity(() => s.activities.sendJobEvent({ nodeId: 'n1', eventId: 'evt2', type: 'job.reminder', data: { jobId: 'j1' } }))).rejects.toMatchObject({ type: 'WebhookRetry', nextRetryDelay: 30_000 });
  });

  it('a disabled endpoint fails at once; a 410 emails the node’s operator once per event', async () => {
    const s = setup();
    s.nodes.get.mockResolvedValueOnce(node({ webhookDisabledAt: new Date() }));
    await expect(inActivity(() => s.activities.sendJobEvent(offered))).resolves.toBe('failed');
    s.nodes.get.mockResolvedValue(node());
    s.jobs.snapshot.mockResolvedValue({ status: 'offered', nodeId: null, lastOffer: { offerId: 'j1:2', answer: null }, progress: null });
    s.webhooks.deliver.mockResolvedValue({ outcome: 'gone', statusCode: 410, latencyMs: 5, error: 'HTTP 410', retryAfterMs: null });
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'owner', email: 'owner@example.org' }));
    s.outbox.enqueue.mockResolvedValue('queued');
    await expect(inActivity(() => s.activities.sendJobEvent(offered))).resolves.toBe('failed');
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'node:n1:gone:evt1', to: 'owner@example.org' });
  });
});

describe('JobActivities.recordJob', () => {
  it('projects the view with its milestones: the accepted (or a taken counter) answer, the last run, the runs kept before the window', async () => {
    const s = setup();
    s.jobs.record.mockResolvedValue({ applied: true });
    const view = {
      status: 'delivered',
      nodeId: 'n2',
      quantity: 4,
      dueAt: '2027-05-01T00:00:00.000Z',
      offers: [
        { offerId: 'j1:6', nodeId: 'n1', offeredAt: '2027-01-01T00:00:00Z', answer: 'rejected', reason: 'busy', answeredAt: '2027-01-01T01:00:00Z' },
        { offerId: 'j1:7', nodeId: 'n2', offeredAt: '2027-01-02T00:00:00Z', answer: 'countered', reason: 'taken: later date', answeredAt: '2027-01-02T02:00:00Z' },
      ],
      offerCount: 7,
      runs: [{ completedAt: '2027-02-01T00:00:00Z' }, { completedAt: '2027-03-01T00:00:00Z' }],
      runCount: 5,
    } as unknown as JobView;
    await s.activities.recordJob({ jobId: 'j1', seq: 9, view });
    expect(s.jobs.record).toHaveBeenCalledWith(
      expect.objectContaining({
        jobId: 'j1',
        seq: 9,
        offerCount: 7,
        runsKept: 3,
        firstOfferedAt: '2027-01-01T00:00:00Z',
        acceptedAt: '2027-01-02T02:00:00Z',
        completedAt: '2027-03-01T00:00:00Z',
      }),
    );
  });
});

describe('JobActivities.recordOfferOutcome', () => {
  it('suspended is told only by the expiry that reached the limit (not by a retry of it, nor by an answer)', async () => {
    const s = setup();
    const row = (expiredInRow: number, status: 'active' | 'suspended') => ({ expiredInRow, status, ownerMemberId: 'owner', name: 'Shop' });
    s.nodes.countExpiredOffer.mockResolvedValueOnce(row(EXPIRED_OFFERS_BEFORE_SUSPENSION, 'suspended'));
    await expect(s.activities.recordOfferOutcome({ nodeId: 'n1', offerId: 'j1:3', answered: false })).resolves.toEqual({ suspended: true, expiredInRow: 3, ownerMemberId: 'owner', nodeName: 'Shop' });
    expect(s.nodes.countExpiredOffer).toHaveBeenCalledWith('n1', 'j1:3', EXPIRED_OFFERS_BEFORE_SUSPENSION);
    s.nodes.countExpiredOffer.mockResolvedValueOnce(row(4, 'suspended'));
    await expect(s.activities.recordOfferOutcome({ nodeId: 'n1', offerId: 'j1:4', answered: false })).resolves.toMatchObject({ suspended: false });
    s.nodes.resetExpiredOffers.mockResolvedValueOnce(row(0, 'suspended'));
    await expect(s.activities.recordOfferOutcome({ nodeId: 'n1', offerId: 'j1:5', answered: true })).resolves.toMatchObject({ suspended: false, expiredInRow: 0 });
  });
});

describe('JobActivities: notices and capacity', () => {
  it('emails the coordinator, or a member who still exists, with the latest progress when asked', async () => {
    const s = setup();
    s.outbox.enqueue.mockResolvedValue('queued');
    s.jobs.snapshot.mockResolvedValue({ status: 'in-progress', nodeId: 'n1', lastOffer: null, progress: { percent: 60, note: null, reportedAt: '2027-01-05T00:00:00Z' } });
    await s.activities.notify({ key: 'k1', to: { coordinator: true }, subject: 'Late', text: 'Job j1 is late.', withProgressOf: 'j1' });
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ to: 'coordinator@dpn.test', text: 'Job j1 is late. Latest progress: 60%, reported 2027-01-05T00:00:00Z.' });
    s.members.findById.mockResolvedValue(null);
    await s.activities.notify({ key: 'k2', to: { memberId: 'gone' }, subject: 'x', text: 'y' });
    expect(s.outbox.enqueue).toHaveBeenCalledTimes(1);
  });

  it('signals every waiting job the freed node could do; one that cannot be signalled does not stop the rest', async () => {
    const s = setup();
    s.jobs.waitingForCapacityOf.mockResolvedValue(['j1', 'j2']);
    s.handle.signal.mockRejectedValueOnce(new Error('not found')).mockResolvedValueOnce(undefined);
    await expect(inActivity(() => s.activities.announceCapacity({ nodeId: 'n1' }))).resolves.toBe(2);
    expect(s.workflow.getHandle.mock.calls.map((c) => c[0])).toEqual([jobWorkflowId('j1'), jobWorkflowId('j2')]);
    expect(s.handle.signal).toHaveBeenCalledWith(capacityFreedSignal, { nodeId: 'n1' });
  });

  it('the rest of a partial counter needs its parent (a missing parent fails for good)', async () => {
    const s = setup();
    s.jobs.findById.mockResolvedValueOnce(null);
    await expect(s.activities.createRemainderJob({ parentJobId: 'p', jobId: 'j2', quantity: 3 })).rejects.toMatchObject({ type: 'JobNotFound', nonRetryable: true });
    const parent = Object.assign(new JobEntity(), { id: 'p' });
    s.jobs.findById.mockResolvedValueOnce(parent);
    s.jobs.createRemainder.mockResolvedValue();
    await s.activities.createRemainderJob({ parentJobId: 'p', jobId: 'j2', quantity: 3 });
    expect(s.jobs.createRemainder).toHaveBeenCalledWith(parent, 'j2', 3);
  });
});

describe('staleness', () => {
  it('an offer is announced only while open; a reminder only while the node holds the job; reports always go out', () => {
    const open = { status: 'offered' as const, nodeId: null, lastOffer: { offerId: 'j1:2', answer: null } };
    expect(staleness({ type: 'job.offered', nodeId: 'n1', data: { offerId: 'j1:2' } }, open)).toBeNull();
    expect(staleness({ type: 'job.offered', nodeId: 'n1', data: { offerId: 'j1:2' } }, { ...open, lastOffer: { offerId: 'j1:2', answer: 'rejected' } })).not.toBeNull();
    expect(staleness({ type: 'job.reminder', nodeId: 'n1', data: {} }, { status: 'accepted', nodeId: 'n2', lastOffer: null })).not.toBeNull();
    expect(staleness({ type: 'offer.withdrawn', nodeId: 'n1', data: {} }, { status: 'cancelled', nodeId: null, lastOffer: null })).toBeNull();
  });
});
