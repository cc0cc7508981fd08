import { MockActivityEnvironment } from '@temporalio/testing';
import type { PhaseTask } from '@app/contracts';
import { FlowPlanner, FundingRepository, JobsRepository, LedgerAccountEntity, LedgerService, MemberEntity, MembersRepository, NodeEntity, NodesRepository, ProjectPhasesRepository } from '@app/db';
import { WebhookSender } from '@app/nodes';
import { silentLogger, strictMock } from '../../../../test/support/strict-mock';
import { PhaseActivities, raiseNode } from './phase.activities';

const inActivity = <T>(fn: () => Promise<T>, attempt = 1) => new MockActivityEnvironment({ attempt }, { logger: silentLogger }).run(fn);
const task = (recipient: PhaseTask['recipient']): PhaseTask =>
  ({ key: 'parts', title: 'Parts', capability: 'cnc', quantity: 3, unit: 'parts', specUrl: 'https://s.example', dueInDays: 7, output: 'goods', licence: null, recipient, upgrade: null, offerTimeoutHours: 24, confirmWithinHours: 48 }) as PhaseTask;

function setup() {
  const phases = strictMock<ProjectPhasesRepository>();
  const jobs = strictMock<JobsRepository>();
  const funding = strictMock<FundingRepository>();
  const members = strictMock<MembersRepository>();
  const nodes = strictMock<NodesRepository>();
  const webhooks = strictMock<WebhookSender>();
  const ledger = strictMock<LedgerService>();
  const planner = strictMock<FlowPlanner>();
  return { phases, jobs, funding, members, nodes, webhooks, ledger, planner, activities: new PhaseActivities(phases, jobs, funding, members, nodes, webhooks, ledger, planner, undefined as never) };
}

describe('PhaseActivities.createPhaseJob', () => {
  const input = (recipient: PhaseTask['recipient']) => ({ jobId: 'j1', projectId: 'p1', phase: 'rnd' as const, task: task(recipient), dueAt: '2027-04-01T00:00:00Z', createdBy: 'coordinator' });

  it('a member confirms their own delivery; a node’s owner confirms a node’s (its location preferred)', async () => {
    const s = setup();
    s.jobs.create.mockResolvedValue();
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1' }));
    await expect(s.activities.createPhaseJob(input({ type: 'member', id: 'm1' }))).resolves.toEqual({ confirmerId: 'm1', locationId: null });
    s.nodes.findById.mockResolvedValue(Object.assign(new NodeEntity(), { id: 'n1', ownerMemberId: 'owner', locationId: 'loc' }));
    await expect(s.activities.createPhaseJob(input({ type: 'node', id: 'n1' }))).resolves.toEqual({ confirmerId: 'owner', locationId: 'loc' });
    expect(s.jobs.create.mock.calls[1][0]).toEqual({
      id: 'j1',
      capability: 'cnc',
      quantity: 3,
      unit: 'parts',
      specUrl: 'https://s.example',
      dueAt: '2027-04-01T00:00:00Z',
      recipient: { type: 'node', id: 'n1' },
      demand: { type: 'project', id: 'p1' },
      phase: 'rnd',
      taskKey: 'parts',
      createdBy: 'coordinator',
      price: null,
    });
  });

  it("a priced task's job is paid from the project's account, with its ceiling and progress rule", async () => {
    const s = setup();
    s.jobs.create.mockResolvedValue();
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1' }));
    s.ledger.account.mockResolvedValue(Object.assign(new LedgerAccountEntity(), { id: 'acc-p1' }));
    const priced = { ...input({ type: 'member', id: 'm1' }) };
    priced.task = { ...priced.task, price: { amount: '48000', currency: 'EUR' }, priceCeiling: '50000', payProgressOnCancel: true };
    await s.activities.createPhaseJob(priced);
    expect(s.ledger.account.mock.calls[0].slice(0, 3)).toEqual(['project', 'p1', 'EUR']);
    expect(s.jobs.create.mock.calls[0][0].price).toEqual({ amount: 48000n, currency: 'EUR', ceiling: 50000n, payerAccountId: 'acc-p1', payProgressOnCancel: true });
  });

  it('a recipient gone since the plan was written fails the task for good, and no row is written', async () => {
    const s = setup();
    s.nodes.findById.mockResolvedValue(null);
    await expect(s.activities.createPhaseJob(input({ type: 'node', id: 'n9' }))).rejects.toMatchObject({ type: 'RecipientNotFound', nonRetryable: true });
  });
});

describe('PhaseActivities: rows, checks and upgrades', () => {
  it('the phase round’s row carries the budget and no operator', async () => {
    const s = setup();
    s.funding.createRound.mockResolvedValue();
    const budget = { goal: '1000', currency: 'EUR', minPledge: '10', openForHours: 48, closeWhenGoalMet: true, payoutApproval: 'members' as const, assetId: null, documents: [] };
    await s.activities.createPhaseRound({ roundId: 'r1', projectId: 'p1', phase: 'rnd', budget, deadline: '2027-02-01T00:00:00Z', createdBy: 'coordinator' });
    expect(s.funding.createRound).toHaveBeenCalledWith(expect.objectContaining({ id: 'r1', phase: 'rnd', goal: '1000', payoutApproval: 'members', operator: null, documents: [] }));
  });

  it('a node check passes only on a delivered signed ping; anything else throws for a retry; an unknown node fails for good', async () => {
    const s = setup();
    s.nodes.exists.mockResolvedValueOnce(false);
    await expect(inActivity(() => s.activities.verifyNodeWebhook({ projectId: 'p1', nodeId: 'n9', eventId: 'e1' }))).rejects.toMatchObject({ type: 'NodeNotFound', nonRetryable: true });
    s.nodes.exists.mockResolvedValue(true);
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'rejected', statusCode: 401, latencyMs: 3, error: 'HTTP 401', retryAfterMs: null });
    await expect(inActivity(() => s.activities.verifyNodeWebhook({ projectId: 'p1', nodeId: 'n1', eventId: 'e1' }), 4)).rejects.toMatchObject({ type: 'NodeNotVerified', nonRetryable: false });
    expect(s.webhooks.deliver).toHaveBeenCalledWith('n1', { id: 'e1', type: 'node.ping', data: { nodeId: 'n1', projectId: 'p1', purpose: 'verify-data-transport' } }, 4);
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'delivered', statusCode: 204, latencyMs: 3, error: null, retryAfterMs: null });
    await expect(inActivity(() => s.activities.verifyNodeWebhook({ projectId: 'p1', nodeId: 'n1', eventId: 'e1' }))).resolves.toContain('HTTP 204');
  });

  it('an upgrade of an unregistered node fails for good', async () => {
    const s = setup();
    s.nodes.upgrade.mockResolvedValue(null);
    await expect(inActivity(() => s.activities.applyNodeUpgrade({ projectId: 'p1', jobId: 'j1', upgrade: { nodeId: 'n9', toLevel: 'automated', capacities: [] } }))).rejects.toMatchObject({ type: 'NodeNotFound' });
  });

  it('the discard and the records go to their repositories as given', async () => {
    const s = setup();
    s.funding.discardUnopened.mockResolvedValue();
    s.jobs.discardUnstarted.mockResolvedValue();
    s.planner.discardUnstarted.mockResolvedValue();
    await s.activities.discardPhaseRows({ roundIds: ['r1'], jobIds: [], flowIds: ['f1'] });
    expect(s.funding.discardUnopened).toHaveBeenCalledWith(['r1']);
    expect(s.jobs.discardUnstarted).toHaveBeenCalledWith([]);
    expect(s.planner.discardUnstarted).toHaveBeenCalledWith(['f1']);
  });
});

describe('raiseNode', () => {
  it('raises the level and the capacities named, never lowers either, and adds new functions', () => {
    const node = { automationLevel: 'computer-aided' as const, capabilities: [{ function: 'cnc', capacity: 10, unit: 'parts/week' }, { function: 'laser', capacity: 5, unit: 'm2' }] };
    expect(raiseNode(node, { nodeId: 'n1', toLevel: 'automated', capacities: [{ function: 'cnc', capacity: 20 }, { function: 'laser', capacity: 2 }, { function: 'print', capacity: 7 }] })).toEqual({
      automationLevel: 'automated',
      capabilities: [
        { function: 'cnc', capacity: 20, unit: 'parts/week' },
        { function: 'laser', capacity: 5, unit: 'm2' },
        { function: 'print', capacity: 7, unit: 'units/week' },
      ],
    });
    expect(raiseNode(node, { nodeId: 'n1', toLevel: 'conventional', capacities: [] })).toEqual(node);
  });
});
