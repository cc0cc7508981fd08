/**
 * OutputOrdersRepository (quarters of producing assets and their owners' orders) against a real
 * PostgreSQL: opening a quarter carries standing orders, an order is refused after the close and
 * for someone who was not an owner as the window opened, planning is idempotent, and the reads
 * the API and the mail use.
 */
import { randomUUID } from 'node:crypto';
import type { OwnerOrder, QuarterPlan, QuarterWindow } from '@app/contracts';
import { AssetEntity, AssetsRepository, FundingRepository, JobsRepository, LedgerService, MembersRepository, OutputOrdersRepository, OwnershipService } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const orders = () => new OutputOrdersRepository(t.ds);
const ownership = () => new OwnershipService(t.ds, new LedgerService(t.ds), new FundingRepository(t.ds, new LedgerService(t.ds)));
const windowOf = (quarter: string, closed = false): QuarterWindow => ({
  quarter,
  opensAt: new Date(Date.now() - 86_400_000).toISOString(),
  closesAt: new Date(Date.now() + (closed ? -60_000 : 86_400_000)).toISOString(),
  startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
  timeZone: 'Europe/Berlin',
});
const catalogue = [{ id: 'salad', name: 'Salad', unit: 'heads', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }];
const salad = (quantity: number) => [{ productId: 'salad', quantity }];

let ada: string;
let bo: string;
let cy: string;
let asset: AssetEntity;
beforeAll(async () => {
  const members = new MembersRepository(t.ds);
  ada = (await members.create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' })).id;
  bo = (await members.create({ name: 'Bo', email: `bo-${randomUUID()}@example.org`, status: 'active' })).id;
  cy = (await members.create({ name: 'Cy', email: `cy-${randomUUID()}@example.org`, status: 'suspended' })).id;
  const assets = new AssetsRepository(t.ds, ownership());
  const created = await assets.create({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 10n }, [
    { memberId: ada, parts: 6n, outputParts: 6n },
    { memberId: bo, parts: 3n, outputParts: 3n },
    { memberId: cy, parts: 1n, outputParts: 1n },
  ]);
  await assets.setOutputCatalogue(created.id, { timeZone: 'Europe/Berlin', quarterlyCapacity: 90, capacityUnit: 'm²', outputCatalogue: catalogue, orderWindow: null });
  asset = (await assets.findById(created.id))!;
});

describe('OutputOrdersRepository', () => {
  it('opens a quarter once with the asset as it is and one row per active owner; the catalogue is kept as it opened', async () => {
    expect(asset).toMatchObject({ quarterlyCapacity: 90, capacityUnit: 'm²', outputCatalogue: catalogue, timeZone: 'Europe/Berlin' });
    const first = await orders().openQuarter(asset, '2031-Q1', windowOf('2031-Q1'), {});
    expect(first).toEqual({ owners: 2, nodeId: null }); // the suspended owner takes no part
    // A retry (or a later catalogue edit) changes nothing in a quarter already open.
    const again = await orders().openQuarter({ ...asset, quarterlyCapacity: 5 } as AssetEntity, '2031-Q1', windowOf('2031-Q1'), {});
    expect(again).toEqual({ owners: 2, nodeId: null });
    const plan = (await orders().findOpenQuarter(asset.id))!;
    expect(plan).toMatchObject({ quarter: '2031-Q1', status: 'open', ordersIn: 'database', capacity: 90, catalogue });
    expect(await orders().quarterWeights(asset.id, '2031-Q1')).toEqual([
      { memberId: [ada, bo].sort()[0], weight: ada < bo ? 6n : 3n },
      { memberId: [ada, bo].sort()[1], weight: ada < bo ? 3n : 6n },
    ]);
  });

  it('takes an owner’s order (the last one counts), refuses a non-owner, and refuses every order once the window has closed', async () => {
    const plan = (await orders().findOpenQuarter(asset.id))!;
    expect(await orders().placeOrder(plan.id, ada, salad(10), false)).toMatchObject({ kind: 'placed', myOrder: { memberId: ada, lines: salad(10), standing: false }, carried: null });
    const last = await orders().placeOrder(plan.id, ada, salad(12), true);
    expect(last).toMatchObject({ kind: 'placed', myOrder: { lines: salad(12), standing: true } });
    expect(await orders().memberOrder(asset.id, '2031-Q1', ada)).toMatchObject({ myOrder: { lines: salad(12), standing: true }, carried: null });
    expect(await orders().placeOrder(plan.id, cy, salad(1), false)).toEqual({ kind: 'not-owner' });
    expect(await orders().memberOrder(asset.id, '2031-Q1', cy)).toBeNull();

    // The mail batches: everyone, or (the reminder) only those with neither an order nor a standing one.
    expect((await orders().mailBatch(asset.id, '2031-Q1', null, 10, false)).map((m) => m.memberId).sort()).toEqual([ada, bo].sort());
    expect((await orders().mailBatch(asset.id, '2031-Q1', null, 10, true)).map((m) => m.name)).toEqual(['Bo']);

    expect(await orders().closeQuarter(asset.id, '2031-Q1')).toEqual({ ordered: 1 });
    expect(await orders().placeOrder(plan.id, bo, salad(3), false)).toEqual({ kind: 'closed' });
    expect(await orders().findOpenQuarter(asset.id)).toBeNull();
    expect((await orders().findClosedQuarter(asset.id))?.quarter).toBe('2031-Q1');
  });

  it('plans a closed quarter from the effective orders once; a second call answers the same plan and calls no allocation', async () => {
    const seen: Array<{ memberId: string; weight: string; effective: OwnerOrder | null }> = [];
    const plan: QuarterPlan = { quarter: '2031-Q1', capacity: 90, lines: [{ memberId: ada, productId: 'salad', requested: 12, granted: 12 }], spare: 78, capacityByOwner: { [ada]: 12 } } as QuarterPlan;
    const first = await orders().planQuarter(asset.id, '2031-Q1', (q, owners) => {
      expect(q).toEqual({ capacity: 90, catalogue });
      seen.push(...owners);
      return plan;
    });
    expect(first?.plan).toEqual(plan);
    expect(seen.find((o) => o.memberId === ada)).toMatchObject({ weight: '6', effective: { lines: salad(12), standing: true } });
    expect(seen.find((o) => o.memberId === bo)).toMatchObject({ weight: '3', effective: null });
    const again = await orders().planQuarter(asset.id, '2031-Q1', () => {
      throw new Error('planned twice');
    });
    expect(again).toEqual(first);
    const row = (await orders().findPlanById(first!.planId))!;
    expect(row).toMatchObject({ status: 'planned', plan });
    expect(row.orders.map((o) => o.memberId)).toEqual([ada]); // only effective orders are kept
    expect((await orders().latestPlanned(asset.id))?.id).toBe(first!.planId);
    expect(await orders().planQuarter(asset.id, '2039-Q4', () => plan)).toBeNull(); // never opened

    await orders().recordPlanSent(first!.planId, false, 'retry (HTTP 503)');
    await orders().recordPlanSent(first!.planId, true, 'delivered (HTTP 200)');
    await orders().recordPlanSent(first!.planId, false, 'retry: later failure');
    const sent = (await orders().findPlanById(first!.planId))!;
    expect(sent.planSentAt).not.toBeNull(); // the delivery's time stays when a later attempt fails
    expect(sent.planSendResult).toBe('retry: later failure');
  });

  it('carries a standing order into the next quarter and reads it as the standing order before a quarter', async () => {
    expect(await orders().standingBefore(asset.id, ada, '2031-Q2')).toMatchObject({ memberId: ada, lines: salad(12), standing: true });
    expect(await orders().standingBefore(asset.id, bo, '2031-Q2')).toBeNull(); // a row, but no order
    expect(await orders().standingBefore(asset.id, ada, '2031-Q1')).toBeUndefined(); // no earlier row at all
    await orders().openQuarter(asset, '2031-Q2', windowOf('2031-Q2'), {});
    expect(await orders().memberOrder(asset.id, '2031-Q2', ada)).toMatchObject({ myOrder: null, carried: { lines: salad(12), standing: true } });
    // Not carried to the reminder: an owner with a standing order has nothing to do.
    expect((await orders().mailBatch(asset.id, '2031-Q2', null, 10, true)).map((m) => m.name)).toEqual(['Bo']);
    const recent = await orders().recentPlans(asset.id, 8);
    expect(recent.map((p) => p.quarter)).toEqual(['2031-Q2', '2031-Q1']);
  });

  it('(cycles that keep orders in the workflow) opens the row once, keeps the newer orders, records the plan', async () => {
    const other = await new AssetsRepository(t.ds, ownership()).create(
      { name: 'Old greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 1n },
      [{ memberId: ada, parts: 1n, outputParts: 1n }],
    );
    await orders().openQuarterInWorkflow(other.id, '2030-Q4', windowOf('2030-Q4'));
    await orders().openQuarterInWorkflow(other.id, '2030-Q4', windowOf('2030-Q4'));
    const order: OwnerOrder = { memberId: ada, lines: salad(2), standing: false, placedAt: new Date().toISOString() };
    await orders().recordWorkflowOrders(other.id, '2030-Q4', 2, [order]);
    await orders().recordWorkflowOrders(other.id, '2030-Q4', 1, []); // a slower, older write
    expect((await orders().findPlan(other.id, '2030-Q4'))).toMatchObject({ ordersIn: 'workflow', status: 'open', orders: [order], ordersSeq: 2 });
    const plan = { quarter: '2030-Q4', capacity: 1, lines: [], spare: 1, capacityByOwner: {} } as unknown as QuarterPlan;
    const id = await orders().recordWorkflowPlan(other.id, '2030-Q4', plan, [order]);
    expect(id).toBe((await orders().findPlan(other.id, '2030-Q4'))!.id);
    expect(await orders().recordWorkflowPlan(other.id, '2029-Q1', plan, [])).toBeNull();
  });
});

describe('the shares, members and jobs an order cycle reads', () => {
  it('OwnershipService: who owns, who takes part in the output (active members only), whether anyone owns it', async () => {
    expect(await ownership().isOwner(asset.id, bo)).toBe(true);
    expect(await ownership().isOwner(asset.id, randomUUID())).toBe(false);
    expect((await ownership().activeOutputShares(asset.id)).map((s) => s.memberId)).toEqual([ada, bo].sort());
    expect(await ownership().hasOwners(asset.id)).toBe(true);
    const unowned = await new AssetsRepository(t.ds, ownership()).create({ name: 'New', kind: 'cnc', identifier: `C-${randomUUID()}`, nodeId: null, portable: false, totalParts: 1n }, []);
    expect(await ownership().hasOwners(unowned.id)).toBe(false);
  });

  it('MembersRepository: every active id in order, and members by ids', async () => {
    const members = new MembersRepository(t.ds);
    const ids = await members.allActiveIds();
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining([ada, bo]));
    expect(ids).not.toContain(cy);
    expect((await members.findByIds([bo, randomUUID()])).map((m) => m.name)).toEqual(['Bo']);
    expect(await members.findByIds([])).toEqual([]);
  });

  it('JobsRepository: the jobs of plans still in progress', async () => {
    const jobs = new JobsRepository(t.ds);
    const planId = (await orders().findPlan(asset.id, '2031-Q1'))!.id;
    const row = (id: string) => ({
      id,
      capability: 'greenhouse',
      productId: 'salad',
      quantity: 3,
      unit: 'heads',
      specUrl: 'https://spec.example/plan',
      dueAt: new Date(Date.now() + 30 * 86_400_000),
      recipient: { type: 'member' as const, id: ada },
      demand: { type: 'order' as const, id: planId },
      createdBy: 'output-cycle:2031-Q1',
    });
    const [open, done] = [randomUUID(), randomUUID()];
    await jobs.create(row(open));
    await jobs.create(row(done));
    await t.db.query(`UPDATE jobs SET status = 'confirmed' WHERE id = $1`, [done]);
    expect((await jobs.inProgressForPlans([planId])).map((j) => j.id)).toEqual([open]);
    expect(await jobs.inProgressForPlans([])).toEqual([]);
  });
});
