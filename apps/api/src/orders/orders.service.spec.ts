import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '@app/config';
import { OrderCycleView, orderCycleWorkflowId, OrderRejection, OwnerOrder } from '@app/contracts';
import { LeasesRepository, AssetEntity, AssetsRepository, JobEntity, JobsRepository, MemberEntity, OutputOrdersRepository, OutputPlanEntity, OwnershipService } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { CatalogueDto, PlaceOrderDto } from './orders.dto';
import { OrdersService } from './orders.service';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue' });
const catalogue = [{ id: 'salad', name: 'Salad', unit: 'heads', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }];
const asset = (over: Partial<AssetEntity> = {}) =>
  Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', timeZone: 'Europe/Berlin', outputCatalogue: catalogue, quarterlyCapacity: 90, capacityUnit: 'm2', nodeId: 'n1', orderWindow: null, ...over });
const plan = (over: Partial<OutputPlanEntity> = {}) =>
  Object.assign(new OutputPlanEntity(), {
    id: 'plan1',
    assetId: 'a1',
    quarter: '2031-Q1',
    status: 'open',
    ordersIn: 'database',
    catalogue,
    windowOpensAt: new Date('2030-12-01T00:00:00Z'),
    windowClosesAt: new Date('2030-12-20T17:00:00Z'),
    startsAt: new Date('2031-01-01T00:00:00Z'),
    timeZone: 'Europe/Berlin',
    orders: [],
    plan: null,
    planSentAt: null,
    ...over,
  });
const member = Object.assign(new MemberEntity(), { id: 'm1', status: 'active' });
const order = (lines: Array<{ productId: string; quantity: number }>, standing = false) => Object.assign(new PlaceOrderDto(), { lines, standing });
const mine = (quantity: number, standing = false): OwnerOrder => ({ memberId: 'm1', lines: [{ productId: 'salad', quantity }], standing, placedAt: '2030-12-02T00:00:00.000Z' });
const cycleView = (over: Partial<OrderCycleView> = {}) =>
  ({ assetId: 'a1', quarter: '2031-Q1', status: 'open', ordersIn: 'workflow', window: null, orders: [], standingOrders: [], ...over }) as OrderCycleView;

function setup() {
  const assets = strictMock<AssetsRepository>();
  const orders = strictMock<OutputOrdersRepository>();
  const ownership = strictMock<OwnershipService>();
  const jobs = strictMock<JobsRepository>();
  const leases = strictMock<LeasesRepository>();
  const t = temporalClientMock();
  const service = new OrdersService(assets, orders, ownership, jobs, t.client as never, config, leases);
  return { service, assets, orders, ownership, jobs, leases, ...t };
}

describe('OrdersService.setCatalogue', () => {
  const dto = (over: Partial<CatalogueDto> = {}) => Object.assign(new CatalogueDto(), { timeZone: 'Europe/Berlin', quarterlyCapacity: 90, capacityUnit: 'm2', products: catalogue, ...over });

  it('writes the catalogue, capacity, unit, time zone and window in one call and answers the asset as stored', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.assets.setOutputCatalogue.mockResolvedValue();
    await s.service.setCatalogue('a1', dto({ orderWindow: { openDaysBefore: 28, closeDaysBefore: 7, closeHour: 18 } }));
    expect(s.assets.setOutputCatalogue).toHaveBeenCalledWith('a1', {
      timeZone: 'Europe/Berlin',
      quarterlyCapacity: 90,
      capacityUnit: 'm2',
      outputCatalogue: catalogue,
      orderWindow: { openDaysBefore: 28, closeDaysBefore: 7, closeHour: 18 },
      saleCurrency: null,
    });
  });

  it('stores output for sale with its currency (the price as a digit string); refuses a sale without a currency or fixed parts beyond the capacity', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.assets.setOutputCatalogue.mockResolvedValue();
    const forSale = (fixedUnits: number) => [{ ...catalogue[0], sale: { unitPrice: 450n, fixedUnits, unordered: true } }];
    await expect(s.service.setCatalogue('a1', dto({ products: forSale(10) }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'saleCurrency' }] });
    await expect(s.service.setCatalogue('a1', dto({ products: forSale(91), saleCurrency: 'EUR' }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'products' }] });
    expect(s.assets.setOutputCatalogue).not.toHaveBeenCalled();
    await s.service.setCatalogue('a1', dto({ products: forSale(10), saleCurrency: 'EUR' }));
    expect(s.assets.setOutputCatalogue).toHaveBeenCalledWith('a1', expect.objectContaining({ saleCurrency: 'EUR', outputCatalogue: [{ ...catalogue[0], sale: { unitPrice: '450', fixedUnits: 10, unordered: true } }] }));
  });

  it('refuses an unknown time zone, repeated product ids and a window closing before it opens, writing nothing', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    await expect(s.service.setCatalogue('a1', dto({ timeZone: 'Mars/Olympus' }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'timeZone' }] });
    await expect(s.service.setCatalogue('a1', dto({ products: [...catalogue, ...catalogue] }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'products' }] });
    await expect(s.service.setCatalogue('a1', dto({ orderWindow: { openDaysBefore: 7, closeDaysBefore: 7, closeHour: 18 } }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'orderWindow' }] });
    s.assets.findById.mockResolvedValue(null);
    await expect(s.service.setCatalogue('a9', dto())).rejects.toMatchObject({ status: 404 });
    expect(s.assets.setOutputCatalogue).not.toHaveBeenCalled();
  });
});

describe('OrdersService.startCycle', () => {
  it('needs a catalogue and a node; hands over the standing orders of a last plan made in the workflow', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValueOnce(asset({ outputCatalogue: [] }));
    await expect(s.service.startCycle('a1')).rejects.toMatchObject({ status: 409, code: 'no_catalogue' });
    s.assets.findById.mockResolvedValueOnce(asset({ nodeId: null }));
    await expect(s.service.startCycle('a1')).rejects.toMatchObject({ status: 409, code: 'no_node' });

    s.assets.findById.mockResolvedValue(asset());
    s.orders.latestPlanned.mockResolvedValue(plan({ status: 'planned', ordersIn: 'workflow', orders: [mine(3, true), { ...mine(1), memberId: 'm2' }] }));
    s.workflow.start.mockResolvedValue(s.handle);
    s.handle.query.mockResolvedValue({ quarter: '2030-Q4' });
    await expect(s.service.startCycle('a1')).resolves.toEqual({ workflowId: orderCycleWorkflowId('a1'), quarter: '2030-Q4' });
    const [type, opts] = s.workflow.start.mock.calls[0];
    expect(type).toBe('outputOrderCycleWorkflow');
    expect(opts).toMatchObject({ taskQueue: 'unit-queue', workflowId: orderCycleWorkflowId('a1'), workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(opts.args[0].standingOrders).toEqual({ m1: mine(3, true) }); // only standing ones carry over
  });

  it('a last plan made in the database hands over nothing (the new run reads the rows); an unanswered query keeps the quarter asked for', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.latestPlanned.mockResolvedValue(plan({ status: 'planned', ordersIn: 'database', orders: [mine(3, true)] }));
    s.workflow.start.mockResolvedValue(s.handle);
    s.handle.query.mockRejectedValue(new Error('deadline'));
    const r = await s.service.startCycle('a1');
    expect(s.workflow.start.mock.calls[0][1].args[0]).toMatchObject({ assetId: 'a1', standingOrders: {}, quartersDone: 0, quarter: r.quarter });
  });
});

describe('OrdersService.order', () => {
  it('orders in the database when a quarter is open there: checked against the catalogue as it opened, zero lines dropped', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset({ outputCatalogue: [] })); // a later edit does not matter
    s.orders.findOpenQuarter.mockResolvedValue(plan());
    s.orders.placeOrder.mockResolvedValue({ kind: 'placed', myOrder: mine(4, true), carried: null });
    const view = await s.service.order('a1', member, order([{ productId: 'salad', quantity: 4 }, ], true));
    expect(s.orders.placeOrder).toHaveBeenCalledWith('plan1', 'm1', [{ productId: 'salad', quantity: 4 }], true);
    expect(view).toMatchObject({ quarter: '2031-Q1', status: 'open', myOrder: mine(4, true), standingOrder: null, effectiveOrder: mine(4, true) });
    expect(view.window).toMatchObject({ closesAt: '2030-12-20T17:00:00.000Z', timeZone: 'Europe/Berlin' });

    s.orders.placeOrder.mockResolvedValue({ kind: 'placed', myOrder: { ...mine(0), lines: [] }, carried: mine(2, true) });
    await s.service.order('a1', member, order([{ productId: 'salad', quantity: 0 }]));
    expect(s.orders.placeOrder.mock.calls[1][2]).toEqual([]);
    expect(s.workflow.getHandle).not.toHaveBeenCalled();
  });

  it('refuses unknown and repeated products before writing; a closed window is 409, a non-owner 403', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findOpenQuarter.mockResolvedValue(plan());
    await expect(s.service.order('a1', member, order([{ productId: 'kale', quantity: 1 }]))).rejects.toMatchObject({ status: 400, errors: [{ field: 'lines' }] });
    await expect(
      s.service.order(
        'a1',
        member,
        order([
          { productId: 'salad', quantity: 1 },
          { productId: 'salad', quantity: 2 },
        ]),
      ),
    ).rejects.toMatchObject({ status: 400, detail: expect.stringContaining('twice') });
    expect(s.orders.placeOrder).not.toHaveBeenCalled();
    s.orders.placeOrder.mockResolvedValueOnce({ kind: 'closed' });
    await expect(s.service.order('a1', member, order([{ productId: 'salad', quantity: 1 }]))).rejects.toMatchObject({ status: 409, code: 'order_window_closed' });
    s.orders.placeOrder.mockResolvedValueOnce({ kind: 'not-owner' });
    await expect(s.service.order('a1', member, order([{ productId: 'salad', quantity: 1 }]))).rejects.toMatchObject({ status: 403, code: 'not_an_owner' });
  });

  it('a quarter closed in the database, or a database cycle waiting for its window, is too late without asking the workflow to take it', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findOpenQuarter.mockResolvedValue(null);
    s.orders.findClosedQuarter.mockResolvedValueOnce(plan({ status: 'closed' }));
    await expect(s.service.order('a1', member, order([{ productId: 'salad', quantity: 1 }]))).rejects.toMatchObject({ status: 409, code: 'order_window_closed' });
    s.orders.findClosedQuarter.mockResolvedValue(null);
    s.handle.query.mockResolvedValue(cycleView({ ordersIn: 'database', status: 'waiting', window: { quarter: '2031-Q2', opensAt: '2031-03-01T00:00:00Z', closesAt: 'x', startsAt: 'y', timeZone: 'UTC' } }));
    await expect(s.service.order('a1', member, order([{ productId: 'salad', quantity: 1 }]))).rejects.toMatchObject({ status: 409, detail: expect.stringContaining('not open yet') });
    expect(s.handle.executeUpdate).not.toHaveBeenCalled();
  });

  it('a cycle that keeps orders in its workflow takes the order as an update; refusals by the order table, a timeout 504 (not 503), no cycle 409', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findOpenQuarter.mockResolvedValue(null);
    s.orders.findClosedQuarter.mockResolvedValue(null);
    s.handle.query.mockResolvedValue(cycleView());
    s.handle.executeUpdate.mockResolvedValueOnce(cycleView({ orders: [mine(5), { ...mine(9), memberId: 'm2' }] }));
    const view = await s.service.order('a1', member, order([{ productId: 'salad', quantity: 5 }]));
    expect(view).toMatchObject({ myOrder: mine(5), effectiveOrder: mine(5) });
    expect(JSON.stringify(view)).not.toContain('m2'); // only the member's own order
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({ args: [{ memberId: 'm1', lines: [{ productId: 'salad', quantity: 5 }], standing: false }] });

    const refuse = (type: string) => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('refused', type));
    s.handle.executeUpdate.mockRejectedValueOnce(refuse(OrderRejection.NotOwner));
    await expect(s.service.order('a1', member, order([]))).rejects.toMatchObject({ status: 403, code: 'not_an_owner' });
    s.handle.executeUpdate.mockRejectedValueOnce(refuse(OrderRejection.WindowClosed));
    await expect(s.service.order('a1', member, order([]))).rejects.toMatchObject({ status: 409, code: 'order_window_closed' });
    s.handle.executeUpdate.mockRejectedValueOnce(refuse(OrderRejection.UnknownProduct));
    await expect(s.service.order('a1', member, order([]))).rejects.toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'lines' }] });
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: new Error('deadline') }));
    await expect(s.service.order('a1', member, order([]))).rejects.toMatchObject({ status: 504, code: 'workflow_timeout' });
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowNotFoundError('not found', orderCycleWorkflowId('a1'), undefined));
    await expect(s.service.order('a1', member, order([]))).rejects.toMatchObject({ status: 409, code: 'no_order_cycle' });
  });
});

describe('OrdersService reads', () => {
  it('my view of an open database quarter: my row’s order, else the standing order carried to it', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findOpenQuarter.mockResolvedValue(plan());
    s.orders.memberOrder.mockResolvedValueOnce({ myOrder: null, carried: mine(2, true) });
    await expect(s.service.myView('a1', 'm1')).resolves.toMatchObject({ status: 'open', myOrder: null, standingOrder: mine(2, true), effectiveOrder: mine(2, true) });
    expect(s.orders.memberOrder).toHaveBeenCalledWith('a1', '2031-Q1', 'm1');
    s.orders.memberOrder.mockResolvedValueOnce(null); // not an owner of this quarter
    await expect(s.service.myView('a1', 'm1')).resolves.toMatchObject({ myOrder: null, standingOrder: null, effectiveOrder: null });
  });

  it('between quarters (database cycle): the standing order from my latest earlier quarter; none is null', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.orders.findOpenQuarter.mockResolvedValue(null);
    s.handle.query.mockResolvedValue(cycleView({ ordersIn: 'database', quarter: '2031-Q2', status: 'waiting' }));
    s.orders.standingBefore.mockResolvedValueOnce(mine(3, true));
    await expect(s.service.myView('a1', 'm1')).resolves.toMatchObject({ quarter: '2031-Q2', standingOrder: mine(3, true), effectiveOrder: mine(3, true) });
    expect(s.orders.standingBefore).toHaveBeenCalledWith('a1', 'm1', '2031-Q2');
    s.orders.standingBefore.mockResolvedValueOnce(undefined);
    await expect(s.service.myView('a1', 'm1')).resolves.toMatchObject({ standingOrder: null, effectiveOrder: null });
  });

  it('the live view: no cycle is 409, Temporal not answering in time 504', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    s.handle.query.mockRejectedValueOnce(new WorkflowNotFoundError('not found', orderCycleWorkflowId('a1'), undefined));
    await expect(s.service.view('a1')).rejects.toMatchObject({ status: 409, code: 'no_order_cycle' });
    const deadline = Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4, details: 'deadline', metadata: {} });
    s.handle.query.mockRejectedValueOnce(deadline);
    await expect(s.service.view('a1')).rejects.toMatchObject({ status: 504, code: 'workflow_timeout' });
  });

  it('plans: product totals for everyone, owners’ lines and recipients only with owners; jobs in progress under their quarter', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(asset());
    const planned = plan({
      status: 'planned',
      plan: { quarter: '2031-Q1', capacity: 90, spare: 80, capacityByOwner: {}, lines: [{ memberId: 'm1', productId: 'salad', requested: 6, granted: 4 }, { memberId: 'm2', productId: 'salad', requested: 6, granted: 6 }] },
    });
    s.orders.recentPlans.mockResolvedValue([planned]);
    s.jobs.inProgressForPlans.mockResolvedValue([
      Object.assign(new JobEntity(), { id: 'j1', demandId: 'plan1', productId: 'salad', capability: 'greenhouse', quantity: 4, unit: 'heads', status: 'accepted', dueAt: new Date('2031-02-01T00:00:00Z'), recipientId: 'm1' }),
    ]);
    const pub = await s.service.plans('a1', false);
    expect(s.orders.recentPlans).toHaveBeenCalledWith('a1', 8);
    expect(s.jobs.inProgressForPlans).toHaveBeenCalledWith(['plan1']);
    expect(pub.quarters[0]).toMatchObject({ quarter: '2031-Q1', products: { salad: 10 }, capacity: 90, spare: 80 });
    expect(pub.quarters[0]).not.toHaveProperty('lines');
    expect(pub.quarters[0].inProgress[0]).not.toHaveProperty('for');
    const owners = await s.service.plans('a1', true);
    expect(owners.quarters[0]).toMatchObject({ lines: planned.plan!.lines, inProgress: [{ jobId: 'j1', product: 'salad', for: 'm1' }] });
  });

  it('isOwner asks the ownership table', async () => {
    const s = setup();
    s.ownership.isOwner.mockResolvedValue(true);
    await expect(s.service.isOwner('a1', 'm1')).resolves.toBe(true);
    expect(s.ownership.isOwner).toHaveBeenCalledWith('a1', 'm1');
  });

  it('isOwner admits a lessee of output rights who owns nothing, and no one else', async () => {
    const s = setup();
    s.ownership.isOwner.mockResolvedValue(false);
    s.leases.isLessee.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    await expect(s.service.isOwner('a1', 'm9')).resolves.toBe(true);
    await expect(s.service.isOwner('a1', 'm8')).resolves.toBe(false);
    expect(s.leases.isLessee).toHaveBeenCalledWith('a1', 'm9');
  });
});
