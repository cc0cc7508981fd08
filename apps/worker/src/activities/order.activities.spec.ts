import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig } from '@app/config';
import { jobWorkflowId, OwnerOrder, QuarterPlan, QuarterWindow } from '@app/contracts';
import { AssetEntity, AssetsRepository, JobsRepository, LeasesRepository, MemberEntity, MembersRepository, OutputOrdersRepository, OutputPlanEntity, OwnershipService, QuarterOwner, uuidFromKey } from '@app/db';
import { KeyedMail, LeaseMail, MailOutbox, MemberLinks } from '@app/mail';
import { WebhookSender } from '@app/nodes';
import { silentLogger, strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { OrderActivities } from './order.activities';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue', PUBLIC_URL: 'https://dpn.test', COORDINATOR_EMAIL: 'coordinator@dpn.test' });
const inActivity = <T>(fn: () => Promise<T>, heartbeatDetails?: unknown) => new MockActivityEnvironment({ heartbeatDetails }, { logger: silentLogger }).run(fn);
const catalogue = [
  { id: 'salad', name: 'Salad', unit: 'heads', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' },
  { id: 'herbs', name: 'Herbs', unit: 'pots', capacityPerUnit: 2, leadTimeDays: 10, capability: 'greenhouse' },
];
const asset = (over: Partial<AssetEntity> = {}) =>
  Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', timeZone: 'Europe/Berlin', outputCatalogue: catalogue, quarterlyCapacity: 90, capacityUnit: 'm2', nodeId: 'n1', orderWindow: null, ...over });
const window: QuarterWindow = { quarter: '2031-Q1', opensAt: '2030-12-01T00:00:00.000Z', closesAt: '2030-12-20T17:00:00.000Z', startsAt: '2030-12-31T23:00:00.000Z', timeZone: 'Europe/Berlin' };
const quarterPlan = (over: Partial<QuarterPlan> = {}): QuarterPlan => ({
  quarter: '2031-Q1',
  capacity: 90,
  spare: 70,
  capacityByOwner: {},
  lines: [
    { memberId: 'm1', productId: 'salad', requested: 10, granted: 10 },
    { memberId: 'm2', productId: 'herbs', requested: 5, granted: 5 },
    { memberId: 'm2', productId: 'kale', requested: 1, granted: 1 }, // no longer in the catalogue
    { memberId: 'm3', productId: 'salad', requested: 4, granted: 0 },
  ],
  ...over,
});
const plan = (over: Partial<OutputPlanEntity> = {}) =>
  Object.assign(new OutputPlanEntity(), {
    id: 'plan1',
    assetId: 'a1',
    quarter: '2031-Q1',
    status: 'open',
    ordersIn: 'database',
    catalogue,
    capacity: 90,
    nodeId: 'n1',
    timeZone: 'Europe/Berlin',
    windowOpensAt: new Date(window.opensAt),
    windowClosesAt: new Date(window.closesAt),
    startsAt: new Date(window.startsAt),
    plan: null,
    orders: [],
    ...over,
  });

function setup() {
  const orders = strictMock<OutputOrdersRepository>();
  const assets = strictMock<AssetsRepository>();
  const ownership = strictMock<OwnershipService>();
  const members = strictMock<MembersRepository>();
  const jobs = strictMock<JobsRepository>();
  const outbox = strictMock<MailOutbox>();
  const webhooks = strictMock<WebhookSender>();
  const links = strictMock<MemberLinks>({ page: jest.fn((memberId: string, path: string) => `https://dpn.test${path}#for=${memberId}`) });
  const leases = strictMock<LeasesRepository>();
  const leaseMail = strictMock<LeaseMail>();
  const t = temporalClientMock();
  const activities = new OrderActivities(orders, assets, ownership, members, jobs, outbox, webhooks, t.client as never, config, links, leases, leaseMail);
  return { activities, orders, assets, ownership, members, jobs, outbox, webhooks, links, leases, leaseMail, ...t };
}

describe('OrderActivities: the quarter in PostgreSQL', () => {
  it('an asset the cycle names must exist (a typed, non-retryable failure)', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(null);
    await expect(s.activities.quarterWindowFor({ assetId: 'a9', quarter: '2031-Q1' })).rejects.toMatchObject({ type: 'AssetNotFound', nonRetryable: true });
  });

  it('opens a database quarter with the asset as it is now and the standing orders handed over', async () => {
    const s = setup();
    const a = asset();
    s.assets.findById.mockResolvedValue(a);
    s.orders.openQuarter.mockResolvedValue({ owners: 3, nodeId: 'n1' });
    const standing: Record<string, OwnerOrder> = { m1: { memberId: 'm1', lines: [{ productId: 'salad', quantity: 2 }], standing: true, placedAt: '2030-01-01T00:00:00.000Z' } };
    await expect(s.activities.openQuarterOrders({ assetId: 'a1', quarter: '2031-Q1', window, standingOrders: standing })).resolves.toEqual({ owners: 3, nodeId: 'n1' });
    expect(s.orders.openQuarter).toHaveBeenCalledWith(a, '2031-Q1', window, standing, expect.any(Function));
  });

  it('opens the quarter with its leases applied: charged and locked in the quarter’s transaction, the lessee given the leased share of the lessor’s output', async () => {
    const s = setup();
    const a = asset();
    s.assets.findById.mockResolvedValue(a);
    const m = { tx: true };
    s.leases.lockForQuarter.mockResolvedValue();
    s.leases.startQuarter.mockResolvedValue([{ leaseId: 'l1', lessorMemberId: 'm1', lesseeMemberId: 'm3', parts: 3n }]);
    s.ownership.table.mockResolvedValue([
      { assetId: a.id, memberId: 'm1', parts: 6n, outputParts: 6n },
      { assetId: a.id, memberId: 'm2', parts: 4n, outputParts: 4n },
    ] as never);
    let table: unknown;
    s.orders.openQuarter.mockImplementation(async (_a, _q, _w, _s, outputTable) => {
      table = await outputTable!(m as never);
      return { owners: 3, nodeId: 'n1' };
    });
    await s.activities.openQuarterOrders({ assetId: 'a1', quarter: '2031-Q1', window, standingOrders: {} });
    expect(s.leases.lockForQuarter).toHaveBeenCalledWith(m, a.id);
    expect(s.leases.startQuarter).toHaveBeenCalledWith(m, a.id, '2031-Q1', expect.any(Function));
    expect(s.ownership.table).toHaveBeenCalledWith(a.id, m);
    expect(table).toEqual([
      { memberId: 'm1', parts: 6n, outputParts: 3n },
      { memberId: 'm2', parts: 4n, outputParts: 4n },
      { memberId: 'm3', parts: 0n, outputParts: 3n },
    ]);
  });

  it('(workflow cycles) opens the row and answers the active output owners with their weights as digits', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.ownership.activeOutputShares.mockResolvedValue([
      { memberId: 'm1', outputParts: 6n },
      { memberId: 'm2', outputParts: 4n },
    ]);
    s.orders.openQuarterInWorkflow.mockResolvedValue();
    const r = await s.activities.openQuarter({ assetId: 'a1', quarter: '2031-Q1', window });
    expect(r).toEqual({ window, catalogue, capacity: 90, capacityUnit: 'm2', nodeId: 'n1', owners: [{ memberId: 'm1', weight: '6' }, { memberId: 'm2', weight: '4' }] });
    expect(s.orders.openQuarterInWorkflow).toHaveBeenCalledWith('a1', '2031-Q1', window);
  });

  it('plans a quarter by the allocation rules from the owners’ effective orders, and answers a summary', async () => {
    const s = setup();
    let made: QuarterPlan | undefined;
    s.orders.planQuarter.mockImplementation(async (_a, _q, allocate) => {
      const owners: QuarterOwner[] = [
        { memberId: 'm1', weight: '2', effective: { memberId: 'm1', lines: [{ productId: 'salad', quantity: 80 }], standing: false, placedAt: 'x' } },
        { memberId: 'm2', weight: '1', effective: null },
      ];
      made = allocate({ capacity: 90, catalogue }, owners, []);
      return { planId: 'plan1', plan: made };
    });
    const summary = await s.activities.planQuarter({ assetId: 'a1', quarter: '2031-Q1' });
    // m1 asked for 80 of 90; m2 ordered nothing, so m1 gets it all: the pure rules, not a stub.
    expect(made!.lines).toEqual([{ memberId: 'm1', productId: 'salad', requested: 80, granted: 80 }]);
    expect(summary).toEqual({ planId: 'plan1', lines: 1, granted: 80, spare: made!.spare });
    s.orders.planQuarter.mockResolvedValue(null);
    await expect(s.activities.planQuarter({ assetId: 'a1', quarter: '2039-Q1' })).rejects.toMatchObject({ type: 'QuarterNotOpened', nonRetryable: true });
  });

  it('takes granted and promised output credits off the top, and gives each granted one a line for its holder', async () => {
    const s = setup();
    let made: QuarterPlan | undefined;
    s.orders.planQuarter.mockImplementation(async (_a, _q, allocate) => {
      const owners: QuarterOwner[] = [{ memberId: 'm1', weight: '1', effective: { memberId: 'm1', lines: [{ productId: 'salad', quantity: 90 }], standing: false, placedAt: 'x' } }];
      made = allocate({ capacity: 90, catalogue }, owners, [
        { creditId: 'c1', jobId: 'j1', productId: 'salad', units: 20, status: 'granted', holderMemberId: 'h1', reason: 'credit for job j1' },
        { creditId: 'c2', jobId: 'j2', productId: 'herbs', units: 5, status: 'promised', holderMemberId: null, reason: 'reserved for job j2' },
      ]);
      return { planId: 'plan1', plan: made };
    });
    const summary = await s.activities.planQuarter({ assetId: 'a1', quarter: '2031-Q1' });
    // 90 - 20 (salad credit) - 5 × 2 (herbs credit, promised: reserved) = 60 for the owner.
    expect(made!.lines).toEqual([
      { memberId: 'm1', productId: 'salad', requested: 90, granted: 60 },
      { memberId: 'h1', productId: 'salad', requested: 20, granted: 20, creditId: 'c1', reason: 'credit for job j1' },
    ]);
    expect(made!.credits?.map((c) => c.status)).toEqual(['granted', 'promised']);
    expect(summary).toEqual({ planId: 'plan1', lines: 2, granted: 80, spare: 0 });
  });

  it('closes the window through the repository', async () => {
    const s = setup();
    s.orders.closeQuarter.mockResolvedValue({ ordered: 7 });
    await expect(s.activities.closeQuarterOrders({ assetId: 'a1', quarter: '2031-Q1' })).resolves.toEqual({ ordered: 7 });
  });
});

describe('OrderActivities.queueOrderMail', () => {
  it('queues nothing for a reminder once the window closed, nor an allocation before the plan', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findPlan.mockResolvedValueOnce(plan({ status: 'closed' }));
    await expect(inActivity(() => s.activities.queueOrderMail({ assetId: 'a1', quarter: '2031-Q1', kind: 'reminder' }))).resolves.toEqual({ queued: 0 });
    s.orders.findPlan.mockResolvedValueOnce(plan({ status: 'closed', plan: null }));
    await expect(inActivity(() => s.activities.queueOrderMail({ assetId: 'a1', quarter: '2031-Q1', kind: 'allocated' }))).resolves.toEqual({ queued: 0 });
    expect(s.orders.mailBatch).not.toHaveBeenCalled();
  });

  it('mails owners page by page from where a retry left off, with each owner’s share and allocation', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findPlan.mockResolvedValue(plan({ status: 'planned', plan: quarterPlan() }));
    s.orders.quarterWeights.mockResolvedValue([
      { memberId: 'm1', weight: 2n },
      { memberId: 'm2', weight: 1n },
    ]);
    s.orders.mailBatch.mockResolvedValueOnce([{ memberId: 'm2', name: 'Bo', email: 'bo@x.test' }]).mockResolvedValueOnce([]);
    s.outbox.enqueueMany.mockImplementation(async (mails: KeyedMail[]) => mails.length);
    await expect(inActivity(() => s.activities.queueOrderMail({ assetId: 'a1', quarter: '2031-Q1', kind: 'allocated' }), { after: 'm1' })).resolves.toEqual({ queued: 1 });
    expect(s.orders.mailBatch.mock.calls[0]).toEqual(['a1', '2031-Q1', 'm1', 500, false]);
    expect(s.orders.mailBatch.mock.calls[1][2]).toBe('m2');
    const mail = s.outbox.enqueueMany.mock.calls[0][0][0];
    expect(mail).toMatchObject({ key: 'order:a1:2031-Q1:allocated:m2', to: 'bo@x.test' });
    expect(mail.text).toContain('33'); // a third of the output
    expect(mail.text).toContain('Herbs');
  });

  it('a reminder asks only for owners with neither an order nor a standing order', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findPlan.mockResolvedValue(plan());
    s.orders.quarterWeights.mockResolvedValue([]);
    s.orders.mailBatch.mockResolvedValue([]);
    await inActivity(() => s.activities.queueOrderMail({ assetId: 'a1', quarter: '2031-Q1', kind: 'reminder' }));
    expect(s.orders.mailBatch).toHaveBeenCalledWith('a1', '2031-Q1', null, 500, true);
  });
});

describe('OrderActivities jobs and the node', () => {
  it('starts one job per granted line of a product still in the quarter’s catalogue, ids from the line; a repeat starts nothing twice', async () => {
    const s = setup();
    s.orders.findPlanById.mockResolvedValue(plan({ status: 'planned', plan: quarterPlan() }));
    s.jobs.create.mockResolvedValue();
    s.workflow.start.mockResolvedValueOnce({}).mockRejectedValueOnce(new WorkflowExecutionAlreadyStartedError('started', 'wf', 'jobWorkflow'));
    await expect(inActivity(() => s.activities.dispatchPlanJobs({ assetId: 'a1', quarter: '2031-Q1', planId: 'plan1' }))).resolves.toBe(1);
    const rows = s.jobs.create.mock.calls.map(([r]) => r);
    expect(rows.map((r) => [r.id, r.productId, r.quantity, r.recipient.id])).toEqual([
      [uuidFromKey('order-job:plan1:m1:salad'), 'salad', 10, 'm1'],
      [uuidFromKey('order-job:plan1:m2:herbs'), 'herbs', 5, 'm2'],
    ]);
    expect(rows[0]).toMatchObject({ demand: { type: 'order', id: 'plan1' }, specUrl: 'https://dpn.test/public/assets/a1/plans', createdBy: 'output-cycle:2031-Q1' });
    // Ready 30 local days after the quarter starts (1 Jan, Berlin): 31 Jan.
    expect(new Date(rows[0].dueAt).toISOString().slice(0, 10)).toBe('2031-01-30');
    const [, opts] = s.workflow.start.mock.calls[0];
    expect(opts).toMatchObject({ taskQueue: 'unit-queue', workflowId: jobWorkflowId(rows[0].id), args: [{ onlyNodeIds: ['n1'], recipient: { type: 'member', id: 'm1', confirmerId: 'm1' } }] });
  });

  it('an asset without a node dispatches nothing; a missing plan is a retryable error', async () => {
    const s = setup();
    s.orders.findPlanById.mockResolvedValueOnce(plan({ nodeId: null, plan: quarterPlan() }));
    await expect(inActivity(() => s.activities.dispatchPlanJobs({ assetId: 'a1', quarter: '2031-Q1', planId: 'plan1' }))).resolves.toBe(0);
    s.orders.findPlanById.mockResolvedValueOnce(null);
    await expect(inActivity(() => s.activities.dispatchPlanJobs({ assetId: 'a1', quarter: '2031-Q1', planId: 'nope' }))).rejects.toThrow('output plan nope not found');
    expect(s.jobs.create).not.toHaveBeenCalled();
  });

  it('sends the node the plan’s totals and records the outcome; a retryable answer is retried after what the node asked', async () => {
    const s = setup();
    s.orders.findPlanById.mockResolvedValue(plan({ plan: quarterPlan() }));
    s.orders.recordPlanSent.mockResolvedValue();
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'delivered', statusCode: 200, latencyMs: 3, error: null, retryAfterMs: null });
    await s.activities.sendPlanToNode({ assetId: 'a1', quarter: '2031-Q1', planId: 'plan1', nodeId: 'n1' });
    expect(s.webhooks.deliver.mock.calls[0][1]).toMatchObject({ id: 'evt_plan_plan1', type: 'plan.published', data: { products: { salad: 10, herbs: 5, kale: 1 }, capacity: 90, spare: 70 } });
    expect(s.orders.recordPlanSent).toHaveBeenLastCalledWith('plan1', true, 'delivered (HTTP 200)');
    s.webhooks.deliver.mockResolvedValueOnce({ outcome: 'retry', statusCode: 503, latencyMs: 3, error: 'busy', retryAfterMs: 30_000 });
    await expect(s.activities.sendPlanToNode({ assetId: 'a1', quarter: '2031-Q1', planId: 'plan1', nodeId: 'n1' })).rejects.toMatchObject({ type: 'WebhookRetry', nextRetryDelay: 30_000 });
    expect(s.orders.recordPlanSent).toHaveBeenLastCalledWith('plan1', false, 'retry (HTTP 503): busy');
    s.orders.findPlanById.mockResolvedValue(plan({ plan: null }));
    await expect(s.activities.sendPlanToNode({ assetId: 'a1', quarter: '2031-Q1', planId: 'plan1', nodeId: 'n1' })).rejects.toMatchObject({ type: 'PlanNotMade', nonRetryable: true });
  });

  it('tells the coordinator once per quarter and step, keeping the text storable', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.outbox.enqueue.mockResolvedValue('queued');
    await inActivity(() => s.activities.reportOrderProblem({ assetId: 'a1', quarter: '2031-Q1', step: 'plan', message: 'bad\u0000byte' }));
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'order:a1:2031-Q1:problem:plan', to: 'coordinator@dpn.test', subject: 'Order cycle problem: Greenhouse, 2031-Q1' });
    expect(s.outbox.enqueue.mock.calls[0][0].text).toContain('bad\\0byte');
  });
});

describe('OrderActivities (cycles that keep orders in the workflow)', () => {
  it('records the orders with their sequence and the plan; a plan without its row is retried', async () => {
    const s = setup();
    s.orders.recordWorkflowOrders.mockResolvedValue();
    await s.activities.recordOrders({ assetId: 'a1', quarter: '2031-Q1', seq: 3, orders: [] });
    expect(s.orders.recordWorkflowOrders).toHaveBeenCalledWith('a1', '2031-Q1', 3, []);
    s.orders.recordWorkflowPlan.mockResolvedValueOnce('plan1').mockResolvedValueOnce(null);
    await expect(s.activities.recordPlan({ assetId: 'a1', quarter: '2031-Q1', plan: quarterPlan(), orders: [] })).resolves.toBe('plan1');
    await expect(s.activities.recordPlan({ assetId: 'a1', quarter: '2031-Q1', plan: quarterPlan(), orders: [] })).rejects.toThrow('has no plan row');
  });

  it('one owner’s mail with their share of the active owners now; nothing for a member or quarter that is gone', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.members.findById.mockResolvedValueOnce(Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@x.test' }));
    s.orders.findPlan.mockResolvedValueOnce(plan({ ordersIn: 'workflow', catalogue: null }));
    s.ownership.activeOutputShares.mockResolvedValue([
      { memberId: 'm1', outputParts: 1n },
      { memberId: 'm2', outputParts: 3n },
    ]);
    s.outbox.enqueue.mockResolvedValue('queued');
    await s.activities.sendOrderMail({ assetId: 'a1', quarter: '2031-Q1', memberId: 'm1', kind: 'opened' });
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'order:a1:2031-Q1:opened:m1', to: 'ada@x.test' });
    expect(s.outbox.enqueue.mock.calls[0][0].text).toContain('25');
    s.members.findById.mockResolvedValueOnce(null);
    s.orders.findPlan.mockResolvedValueOnce(plan());
    await s.activities.sendOrderMail({ assetId: 'a1', quarter: '2031-Q1', memberId: 'm9', kind: 'opened' });
    expect(s.outbox.enqueue).toHaveBeenCalledTimes(1);
  });
});
