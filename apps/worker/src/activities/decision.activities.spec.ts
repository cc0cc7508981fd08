import { MockActivityEnvironment } from '@temporalio/testing';
import { loadConfig } from '@app/config';
import type { DecisionRequest } from '@app/contracts';
import { DecisionEntity, DecisionsRepository, DecisionVoterEntity, MemberEntity, MembersRepository, NamesRepository } from '@app/db';
import { DecisionLinks, KeyedMail, MailOutbox, MemberLinks } from '@app/mail';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { DecisionActivities } from './decision.activities';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', COORDINATOR_EMAIL: 'coordinator@dpn.test' });
const inActivity = <T>(fn: () => Promise<T>, heartbeatDetails?: unknown) => new MockActivityEnvironment({ heartbeatDetails }, { logger: silentLogger }).run(fn);
const decision = (over: Partial<DecisionEntity> = {}) =>
  Object.assign(new DecisionEntity(), {
    id: 'd1',
    title: 'Build the rack?',
    question: 'Go ahead?',
    context: [],
    options: [
      { id: 'yes', label: 'Yes' },
      { id: 'no', label: 'No' },
    ],
    deadline: new Date('2031-01-01T00:00:00Z'),
    status: 'open',
    outcome: null,
    ...over,
  });
const request = (over: Partial<DecisionRequest> = {}) =>
  ({
    decisionId: 'd1',
    kind: 'delivery-confirmation',
    subject: { type: 'delivery', id: 'job-1' },
    title: 'Confirm the delivery of job-1',
    question: 'Node 1f2e3d delivered 40 brackets. Did they arrive in good order?',
    context: [
      { label: 'Job', value: 'job-1' },
      { label: 'Quantity', value: '40' },
    ],
    options: [],
    voterIds: ['m1'],
    deadline: '2031-01-01T00:00:00Z',
    remindBeforeMs: [],
    ...over,
  }) as DecisionRequest;

function setup() {
  const decisions = strictMock<DecisionsRepository>();
  const outbox = strictMock<MailOutbox>();
  const links = strictMock<DecisionLinks>({ url: jest.fn((c: { decisionId: string; memberId: string }) => `https://dpn.test/decide/${c.decisionId}.${c.memberId}`) });
  const memberLinks = strictMock<MemberLinks>({ page: jest.fn((memberId: string, path: string) => `https://dpn.test${path}#for=${memberId}`) });
  const names = strictMock<NamesRepository>();
  const members = strictMock<MembersRepository>();
  const activities = new DecisionActivities(decisions, outbox, links, memberLinks, names, members, config);
  return { activities, decisions, outbox, links, memberLinks, names, members };
}

describe('DecisionActivities.openDecisionBallot', () => {
  it('records a delivery confirmation with the node’s, product’s and project’s names instead of ids', async () => {
    const s = setup();
    s.names.delivery.mockResolvedValue({ nodeName: 'Lindenau Workshop', what: '40 shelf brackets', forWhat: 'Seed-starting rack' });
    s.decisions.openBallot.mockResolvedValue({ asked: 1 });
    await expect(s.activities.openDecisionBallot(request())).resolves.toEqual({ asked: 1 });
    const recorded = s.decisions.openBallot.mock.calls[0][0];
    expect(recorded.title).toBe('Confirm the delivery of 40 shelf brackets');
    expect(recorded.question).toMatch(/^"Lindenau Workshop" delivered/);
    expect(recorded.context).toEqual([
      { label: 'For', value: 'Seed-starting rack' },
      { label: 'Made by', value: 'Lindenau Workshop' },
      { label: 'Quantity', value: '40' },
    ]);
    expect(s.names.delivery).toHaveBeenCalledWith('job-1');
  });

  it('records other decisions (and deliveries it cannot name) as they are', async () => {
    const s = setup();
    s.decisions.openBallot.mockResolvedValue({ asked: 12 });
    const gate = request({ kind: 'phase-gate', subject: { type: 'project', id: 'p1' } });
    await s.activities.openDecisionBallot(gate);
    expect(s.decisions.openBallot).toHaveBeenLastCalledWith(gate);
    expect(s.names.delivery).not.toHaveBeenCalled();
    s.names.delivery.mockResolvedValue(null);
    await s.activities.openDecisionBallot(request());
    expect(s.decisions.openBallot).toHaveBeenLastCalledWith(request());
  });
});

describe('DecisionActivities.queueDecisionMail', () => {
  it('queues one mail per member asked, page by page from where a retry left off; prompts link to /decide, the outcome to the page', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.mailBatch.mockResolvedValueOnce([{ memberId: 'm2', name: 'Bo', email: 'bo@x.test', optionId: null }]).mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await expect(inActivity(() => s.activities.queueDecisionMail({ decisionId: 'd1', kind: 'prompt' }), { after: 'm1' })).resolves.toEqual({ queued: 1, closing: false });
    expect(s.decisions.mailBatch.mock.calls[0]).toEqual(['d1', 'm1', 500, false]);
    expect(s.outbox.enqueueMany.mock.calls[0][0][0]).toMatchObject({ key: 'decision:d1:prompt:m2', to: 'bo@x.test' });
    expect(s.links.url).toHaveBeenCalledWith({ decisionId: 'd1', memberId: 'm2' }, decision().deadline);
  });

  it('a reminder goes to those who have not answered, keyed by its round; none once the decision no longer takes answers', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValueOnce(decision());
    s.decisions.mailBatch.mockResolvedValueOnce([{ memberId: 'm3', name: 'Cy', email: 'cy@x.test', optionId: null }]).mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await inActivity(() => s.activities.queueDecisionMail({ decisionId: 'd1', kind: 'reminder', round: 2 }));
    expect(s.decisions.mailBatch.mock.calls[0][3]).toBe(true);
    expect(s.outbox.enqueueMany.mock.calls[0][0][0].key).toBe('decision:d1:reminder-2:m3');
    s.decisions.findById.mockResolvedValueOnce(decision({ status: 'closing' }));
    await expect(inActivity(() => s.activities.queueDecisionMail({ decisionId: 'd1', kind: 'reminder', round: 3 }))).resolves.toEqual({ queued: 0, closing: true });
    expect(s.decisions.mailBatch).toHaveBeenCalledTimes(2);
  });

  it('the outcome mail links to the decision’s page for a week; a decision that is gone is a non-retryable failure', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValueOnce(decision({ status: 'decided', outcome: { optionId: 'yes' } as never }));
    s.decisions.mailBatch.mockResolvedValueOnce([{ memberId: 'm1', name: 'Ada', email: 'a@x.test', optionId: 'no' }]).mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await inActivity(() => s.activities.queueDecisionMail({ decisionId: 'd1', kind: 'outcome' }));
    expect(s.memberLinks.page.mock.calls[0][1]).toBe('/decisions/d1');
    expect((s.memberLinks.page.mock.calls[0][2] as Date).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    s.decisions.findById.mockResolvedValueOnce(null);
    await expect(inActivity(() => s.activities.queueDecisionMail({ decisionId: 'd9', kind: 'prompt' }))).rejects.toMatchObject({ type: 'DecisionMailTargetMissing', nonRetryable: true });
  });
});

describe('DecisionActivities (answers in the workflow) and problems', () => {
  it('one member’s mail: skipped for a reminder once answered; a member or voter that is gone fails without retries', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.findVoter.mockResolvedValue(Object.assign(new DecisionVoterEntity(), { memberId: 'm1', optionId: 'yes' }));
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@x.test' }));
    await expect(inActivity(() => s.activities.sendDecisionMail({ decisionId: 'd1', memberId: 'm1', kind: 'reminder', round: 1 }))).resolves.toBe('skipped');
    s.outbox.enqueue.mockResolvedValue('queued');
    await expect(inActivity(() => s.activities.sendDecisionMail({ decisionId: 'd1', memberId: 'm1', kind: 'prompt' }))).resolves.toBe('queued');
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'decision:d1:prompt:m1', to: 'ada@x.test' });
    s.members.findById.mockResolvedValue(null);
    await expect(inActivity(() => s.activities.sendDecisionMail({ decisionId: 'd1', memberId: 'm9', kind: 'prompt' }))).rejects.toMatchObject({ type: 'DecisionMailTargetMissing' });
  });

  it('records answers and the outcome through the repository', async () => {
    const s = setup();
    s.decisions.recordAnswer.mockResolvedValue();
    s.decisions.close.mockResolvedValue();
    s.decisions.closeBallot.mockResolvedValue({ asked: 3, answered: 2 } as never);
    const answer = { memberId: 'm1', optionId: 'yes', comment: null, via: 'api', answeredAt: '2030-01-01T00:00:00Z' } as never;
    await s.activities.recordDecisionAnswer({ decisionId: 'd1', answer });
    expect(s.decisions.recordAnswer).toHaveBeenCalledWith('d1', answer);
    await s.activities.closeDecision({ decisionId: 'd1', outcome: { optionId: 'yes' } as never });
    expect(s.decisions.close).toHaveBeenCalledWith('d1', { optionId: 'yes' });
    await expect(s.activities.closeDecisionBallot({ decisionId: 'd1' })).resolves.toEqual({ asked: 3, answered: 2 });
  });

  it('tells the coordinator once per decision and step, in text PostgreSQL can store', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(null);
    s.outbox.enqueue.mockResolvedValue('queued');
    await inActivity(() => s.activities.reportDecisionProblem({ decisionId: 'd1', step: 'record\u0000answer', message: 'invalid byte \u0000 and \ud800' }));
    const mail = s.outbox.enqueue.mock.calls[0][0];
    expect(mail).toMatchObject({ key: 'decision:d1:problem:record\\0answer', to: 'coordinator@dpn.test' });
    expect(mail.text).not.toContain('\u0000');
    expect(mail.text).toContain('\ufffd'); // the lone surrogate, replaced
  });
});
