/**
 * Output credits (a job's price paid in output) against a real PostgreSQL: promised with the job in
 * one transaction or not at all, refused with the figures over capacity and in a closed quarter,
 * granted to the node's owner by the job's confirmed projection, cancelled by its cancelled one
 * (only a promised credit moves: repeats change nothing), and handed to the quarter's plan.
 */
import { randomUUID } from 'node:crypto';
import type { PlanCredit, QuarterPlan, QuarterWindow } from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  CreditRefusal,
  FundingRepository,
  JobsRepository,
  LedgerService,
  MembersRepository,
  NewJobRow,
  OutputCreditsRepository,
  OutputOrdersRepository,
  OwnershipService,
} from '@app/db';
import { seedNodeWithOwner, useTestDataSource } from '../support/database';
import { jobProjection as projection } from '../support/job-input';

const t = useTestDataSource();
const credits = () => new OutputCreditsRepository(t.ds);
const jobs = () => new JobsRepository(t.ds);
const ownership = () => new OwnershipService(t.ds, new LedgerService(t.ds), new FundingRepository(t.ds, new LedgerService(t.ds)));
const catalogue = [
  { id: 'tomatoes', name: 'Tomatoes', unit: 'kg', capacityPerUnit: 2, leadTimeDays: 60, capability: 'greenhouse' },
  { id: 'basil', name: 'Basil', unit: 'pots', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse', sale: { fixedUnits: 10, unordered: false, unitPrice: '300' } },
];
const newJob = (): NewJobRow => ({
  id: randomUUID(),
  capability: 'cnc-milling',
  quantity: 4,
  unit: 'parts',
  specUrl: 'https://spec.example/1',
  dueAt: '2030-01-10T00:00:00Z',
  recipient: { type: 'member', id: randomUUID() },
  demand: { type: 'project', id: randomUUID() },
  createdBy: 'coordinator',
});
const refusal = async (p: Promise<unknown>): Promise<CreditRefusal> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof CreditRefusal) return err;
    throw err;
  }
  throw new Error('the credit was not refused');
};

let asset: AssetEntity;
let bare: AssetEntity;
let nodeId: string;
let nodeOwner: string;
beforeAll(async () => {
  ({ nodeId, ownerId: nodeOwner } = await seedNodeWithOwner(t.ds));
  const ada = (await new MembersRepository(t.ds).create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' })).id;
  const assets = new AssetsRepository(t.ds, ownership());
  const made = await assets.create({ name: 'Community greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 10n }, [{ memberId: ada, parts: 10n, outputParts: 10n }]);
  // 100 m² a quarter, 10 of them for the basil kept for sale: 90 left, 45 kg of tomatoes.
  await assets.setOutputCatalogue(made.id, { timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm²', outputCatalogue: catalogue, orderWindow: null });
  asset = (await assets.findById(made.id))!;
  bare = await assets.create({ name: 'Drill', kind: 'tool', identifier: `D-${randomUUID()}`, nodeId: null, portable: true, totalParts: 1n }, [{ memberId: ada, parts: 1n, outputParts: 1n }]);
});

const creditOf = (jobId: string) => credits().findByJob(jobId);

describe('OutputCreditsRepository', () => {
  it('promises a credit with its job in one transaction; over capacity it refuses with the figures and writes neither', async () => {
    const first = newJob();
    await credits().createJobWithCredit(first, { assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q2', units: 30 });
    expect(await jobs().findById(first.id)).toMatchObject({ status: 'searching' });
    expect(await creditOf(first.id)).toMatchObject({ assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q2', units: 30, status: 'promised', holderMemberId: null });

    const over = newJob();
    const r = await refusal(credits().createJobWithCredit(over, { assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q2', units: 16 }));
    expect(r.code).toBe('credit_over_capacity');
    expect(r.figures).toMatchObject({ capacity: '45', promised: '30', available: '15', asked: '16' });
    expect(await jobs().findById(over.id)).toBeNull();
    expect(await creditOf(over.id)).toBeNull();
    // Credits of another product take the same capacity: 30 m² of basil are left.
    const basil = await refusal(credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'basil', quarter: '2031-Q2', units: 31 }));
    expect(basil.figures).toMatchObject({ capacity: '90', promised: '0', available: '30', asked: '31' });
    // Another quarter has its own capacity.
    await credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q3', units: 45 });
  });

  it('refuses a quarter under way, past or planned (quarter_closed), an unknown asset or product, an asset that produces nothing', async () => {
    expect((await refusal(credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'tomatoes', quarter: '2020-Q1', units: 1 }))).code).toBe('quarter_closed');
    expect((await refusal(credits().createJobWithCredit(newJob(), { assetId: randomUUID(), productId: 'tomatoes', quarter: '2031-Q2', units: 1 }))).code).toBe('unknown_asset');
    expect((await refusal(credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'cucumbers', quarter: '2031-Q2', units: 1 }))).code).toBe('unknown_product');
    expect((await refusal(credits().createJobWithCredit(newJob(), { assetId: bare.id, productId: 'tomatoes', quarter: '2031-Q2', units: 1 }))).code).toBe('asset_not_producing');

    const orders = new OutputOrdersRepository(t.ds);
    const window: QuarterWindow = { quarter: '2032-Q1', opensAt: new Date(Date.now() - 86_400_000).toISOString(), closesAt: new Date(Date.now() - 60_000).toISOString(), startsAt: '2032-01-01T00:00:00.000Z', timeZone: 'Europe/Berlin' };
    await orders.openQuarter(asset, '2032-Q1', window, {});
    await orders.closeQuarter(asset.id, '2032-Q1');
    // Open or closed for orders but not planned: a credit still fits.
    await credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'tomatoes', quarter: '2032-Q1', units: 5 });
    await orders.planQuarter(asset.id, '2032-Q1', (q) => ({ quarter: '2032-Q1', capacity: q.capacity, capacityByOwner: {}, lines: [], spare: q.capacity }));
    const planned = newJob();
    const r = await refusal(credits().createJobWithCredit(planned, { assetId: asset.id, productId: 'tomatoes', quarter: '2032-Q1', units: 1 }));
    expect(r).toMatchObject({ code: 'quarter_closed', figures: { planStatus: 'planned' } });
    expect(await jobs().findById(planned.id)).toBeNull();
  });

  it('grants the credit to the owner of the node that did the job when it is projected confirmed; repeats and later writes change nothing', async () => {
    const row = newJob();
    await credits().createJobWithCredit(row, { assetId: asset.id, productId: 'tomatoes', quarter: '2033-Q1', units: 20 });
    await jobs().record(projection(row.id, 1, { status: 'accepted', nodeId }));
    expect(await creditOf(row.id)).toMatchObject({ status: 'promised', holderMemberId: null });
    expect(await jobs().record(projection(row.id, 2, { status: 'confirmed', nodeId }))).toEqual({ applied: true });
    expect(await creditOf(row.id)).toMatchObject({ status: 'granted', holderMemberId: nodeOwner });
    // A retry of the same write is not applied; a later write (even a cancelled one) does not take a granted credit back.
    expect(await jobs().record(projection(row.id, 2, { status: 'confirmed', nodeId }))).toEqual({ applied: false });
    await jobs().record(projection(row.id, 3, { status: 'cancelled', nodeId }));
    expect(await creditOf(row.id)).toMatchObject({ status: 'granted', holderMemberId: nodeOwner });
    expect((await credits().ofHolder(nodeOwner, { limit: 10, offset: 0 })).items.map((c) => c.jobId)).toEqual([row.id]);
  });

  it('cancels a promised credit with its job (once), which frees its capacity; a removed job takes its credit with it', async () => {
    const row = newJob();
    await credits().createJobWithCredit(row, { assetId: asset.id, productId: 'tomatoes', quarter: '2033-Q2', units: 45 });
    expect((await refusal(credits().createJobWithCredit(newJob(), { assetId: asset.id, productId: 'tomatoes', quarter: '2033-Q2', units: 1 }))).code).toBe('credit_over_capacity');
    await jobs().record(projection(row.id, 1, { status: 'cancelled' }));
    expect(await creditOf(row.id)).toMatchObject({ status: 'cancelled', holderMemberId: null });
    // A confirmed write after it (it cannot happen, but a repeat must not revive it) changes nothing.
    await jobs().record(projection(row.id, 2, { status: 'confirmed', nodeId }));
    expect(await creditOf(row.id)).toMatchObject({ status: 'cancelled' });
    const next = newJob();
    await credits().createJobWithCredit(next, { assetId: asset.id, productId: 'tomatoes', quarter: '2033-Q2', units: 45 });
    await jobs().delete(next.id);
    expect(await creditOf(next.id)).toBeNull();
    const page = await credits().ofAsset(asset.id, { limit: 100, offset: 0 });
    expect(page.items.filter((c) => c.quarter === '2033-Q2').map((c) => c.status)).toEqual(['cancelled']);
  });

  it('hands the quarter’s plan its granted and promised credits (not the cancelled ones), with the reason each is there', async () => {
    const orders = new OutputOrdersRepository(t.ds);
    const quarter = '2034-Q1';
    const granted = newJob();
    const promised = newJob();
    const cancelled = newJob();
    await credits().createJobWithCredit(granted, { assetId: asset.id, productId: 'tomatoes', quarter, units: 10 });
    await credits().createJobWithCredit(promised, { assetId: asset.id, productId: 'basil', quarter, units: 5 });
    await credits().createJobWithCredit(cancelled, { assetId: asset.id, productId: 'basil', quarter, units: 7 });
    await jobs().record(projection(granted.id, 1, { status: 'confirmed', nodeId }));
    await jobs().record(projection(cancelled.id, 1, { status: 'cancelled' }));
    const window: QuarterWindow = { quarter, opensAt: new Date(Date.now() - 86_400_000).toISOString(), closesAt: new Date(Date.now() - 60_000).toISOString(), startsAt: '2034-01-01T00:00:00.000Z', timeZone: 'Europe/Berlin' };
    await orders.openQuarter(asset, quarter, window, {});
    await orders.closeQuarter(asset.id, quarter);
    let seen: PlanCredit[] = [];
    const planned = await orders.planQuarter(asset.id, quarter, (q, _owners, cs) => {
      seen = cs;
      return { quarter, capacity: q.capacity, capacityByOwner: {}, lines: [], spare: q.capacity, credits: cs } as QuarterPlan;
    });
    expect(seen.map((c) => [c.jobId, c.productId, c.units, c.status, c.holderMemberId])).toEqual([
      [granted.id, 'tomatoes', 10, 'granted', nodeOwner],
      [promised.id, 'basil', 5, 'promised', null],
    ]);
    expect(seen[0].reason).toBe(`credit for job ${granted.id} (4 parts of cnc-milling)`);
    expect(seen[1].reason).toContain('promised, not granted yet');
    expect(planned!.plan.credits).toHaveLength(2);
  });
});
