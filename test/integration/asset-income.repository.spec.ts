/**
 * AssetIncomeRepository against a real PostgreSQL: a sale moves money from the external world
 * into the asset's account once per key (a retry is the same sale, another body with the key is
 * refused), more than the quarter's saleable output is refused with the figures and writes
 * nothing, and the quarter's income is shared among the owners by output parts once (a second
 * run is the same distribution); the trial balance stays 0.
 */
import { randomUUID } from 'node:crypto';
import type { CatalogueProduct, QuarterPlan } from '@app/contracts';
import { AssetIncomeRepository, AssetsRepository, FundingRepository, IdempotencyConflictError, IncomeRefusal, LedgerService, MembersRepository, OwnershipService } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
let ledger: LedgerService;
let income: AssetIncomeRepository;
let ada: string;
let bo: string;
let op: string;
let assetId: string;

const catalogue: CatalogueProduct[] = [
  { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse', sale: { unitPrice: '450', fixedUnits: 10, unordered: true } },
  { id: 'basil', name: 'Basil', unit: 'pot', capacityPerUnit: 1, leadTimeDays: 40, capability: 'greenhouse' },
];

/** A planned quarter as the order cycle leaves it: the catalogue as it opened and the plan with its spare capacity. */
async function plannedQuarter(quarter: string, spare: number) {
  const plan: QuarterPlan = { quarter: quarter as QuarterPlan['quarter'], capacity: 80, capacityByOwner: {}, lines: [], spare };
  await t.ds.query(
    `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in, catalogue, capacity, time_zone, plan)
     VALUES ($1, $2, 'planned', now() - interval '400 days', now() - interval '380 days', now() - interval '370 days', 'database', $3, 80, 'Europe/Berlin', $4)`,
    [assetId, quarter, JSON.stringify(catalogue), JSON.stringify(plan)],
  );
}

const sale = (over: Partial<Parameters<AssetIncomeRepository['recordSale']>[0]> = {}) => ({
  assetId,
  key: `sale-${randomUUID()}`,
  quarter: '2025-Q1',
  productId: 'tomatoes',
  quantity: 4,
  unitPrice: 450n,
  currency: 'EUR',
  buyerMemberId: null,
  buyerName: 'Market stall 4',
  recordedBy: 'coordinator',
  ...over,
});
const assetBalance = async () => ledger.balance((await ledger.account('asset', assetId, 'EUR')).id);
const memberBalance = async (id: string) => ledger.balance((await ledger.account('member', id, 'EUR')).id);
const trialBalance = async () => (await ledger.trialBalance()).EUR ?? 0n;

beforeAll(async () => {
  ledger = new LedgerService(t.ds);
  income = new AssetIncomeRepository(t.ds, ledger);
  const members = new MembersRepository(t.ds);
  ada = (await members.create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' })).id;
  bo = (await members.create({ name: 'Bo', email: `bo-${randomUUID()}@example.org`, status: 'active' })).id;
  op = (await members.create({ name: 'Op', email: `op-${randomUUID()}@example.org`, status: 'active' })).id;
  const ownership = new OwnershipService(t.ds, ledger, new FundingRepository(t.ds, ledger));
  const assets = new AssetsRepository(t.ds, ownership);
  // 100 parts; the operator owns 20 and gets 10 more output parts as their bonus for running it.
  const a = await assets.create({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 100n }, [
    { memberId: ada, parts: 12n, outputParts: 12n },
    { memberId: bo, parts: 68n, outputParts: 58n },
    { memberId: op, parts: 20n, outputParts: 30n },
  ]);
  assetId = a.id;
  await assets.setOutputCatalogue(assetId, { timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', outputCatalogue: catalogue, orderWindow: null, saleCurrency: 'EUR' });
  await plannedQuarter('2025-Q1', 6);
});

describe('AssetIncomeRepository', () => {
  it('records a sale once per key: the money enters the asset account from outside; a retry is the same sale, another body with the key is refused', async () => {
    const first = sale({ quantity: 4 });
    const a = await income.recordSale(first);
    expect(a.replayed).toBe(false);
    expect(a.sale).toMatchObject({ quantity: 4, unitPrice: 450n, amount: 1_800n, currency: 'EUR', quarter: '2025-Q1' });
    const again = await income.recordSale(first);
    expect(again).toMatchObject({ replayed: true, sale: { id: a.sale.id, ledgerTransactionId: a.sale.ledgerTransactionId } });
    await expect(income.recordSale({ ...first, quantity: 5 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await assetBalance()).toBe(1_800n);
    expect(await trialBalance()).toBe(0n);
  });

  it('refuses more than the quarter’s saleable output with the figures, and writes nothing', async () => {
    // 10 fixed crates + 6 m² spare / 2 = 3 more: 13 for sale, 4 sold above.
    const before = await assetBalance();
    const refused = await income.recordSale(sale({ quantity: 10 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IncomeRefusal);
    expect(refused).toMatchObject({ code: 'oversold', figures: { saleable: '13', sold: '4', available: '9', asked: '10' } });
    await expect(income.recordSale(sale({ productId: 'basil' }))).rejects.toMatchObject({ code: 'not_for_sale' });
    await expect(income.recordSale(sale({ currency: 'USD' }))).rejects.toMatchObject({ code: 'currency_mismatch' });
    await expect(income.recordSale(sale({ quarter: '2031-Q1' }))).rejects.toMatchObject({ code: 'quarter_not_planned' });
    expect(await assetBalance()).toBe(before);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM asset_sales WHERE asset_id = $1`, [assetId]);
    expect(n).toBe(1);
    // The rest sells: 9 more crates.
    await income.recordSale(sale({ quantity: 9, unitPrice: 400n }));
    await expect(income.recordSale(sale({ quantity: 1 }))).rejects.toMatchObject({ code: 'oversold', figures: { available: '0' } });
  });

  it('shares the quarter’s income by output parts once (the operator’s bonus included), and a second run is the same distribution', async () => {
    const income_ = 1_800n + 3_600n;
    expect(await assetBalance()).toBe(income_);
    const before = await Promise.all([ada, bo, op].map(memberBalance));
    const d = await income.distribute(assetId, '2025-Q1', 'coordinator');
    expect(d.replayed).toBe(false);
    expect(d.distribution).toMatchObject({ income: income_, currency: 'EUR', saleCount: 2, rule: 'largest-remainder-by-output-parts', totalParts: 100n, totalOutputParts: 100n, bonusParts: 10n });
    expect(d.lineCount).toBe(3);
    // 12 %, 58 %, 30 % of 54.00 EUR: 6.48, 31.32, 16.20.
    const after = await Promise.all([ada, bo, op].map(memberBalance));
    expect(after.map((v, i) => v - before[i])).toEqual([648n, 3_132n, 1_620n]);
    expect(await assetBalance()).toBe(0n);
    const { items } = await income.lines(d.distribution.id, { limit: 10, offset: 0 });
    const adaLine = items.find((l) => l.memberId === ada)!;
    expect(adaLine.explanation).toBe('You hold 12 of the 100 output parts of Greenhouse (12 %), so you get 6.48 EUR of the 54.00 EUR it earned from sales in 2025-Q1.');
    expect(items.find((l) => l.memberId === op)).toMatchObject({ bonusParts: 10n, amount: 1_620n });

    const twice = await income.distribute(assetId, '2025-Q1', 'coordinator');
    expect(twice).toMatchObject({ replayed: true, lineCount: 3, distribution: { id: d.distribution.id, ledgerTransactionId: d.distribution.ledgerTransactionId } });
    expect(await Promise.all([ada, bo, op].map(memberBalance))).toEqual(after);
    // A distributed quarter takes no more sales.
    await expect(income.recordSale(sale({ quantity: 1 }))).rejects.toMatchObject({ code: 'quarter_distributed' });
    const mine = await income.memberLines(ada, { limit: 10, offset: 0 });
    expect(mine.items).toEqual([expect.objectContaining({ assetId, quarter: '2025-Q1', amount: 648n, income: income_ })]);
    expect(await trialBalance()).toBe(0n);
  });

  it('concurrent distributions of one quarter make one; a quarter that has not ended is refused with its end', async () => {
    await plannedQuarter('2025-Q2', 0);
    await income.recordSale(sale({ quarter: '2025-Q2', quantity: 3, unitPrice: 333n }));
    const runs = await Promise.all([1, 2, 3].map(() => income.distribute(assetId, '2025-Q2', 'coordinator')));
    expect(new Set(runs.map((r) => r.distribution.id)).size).toBe(1);
    expect(runs.filter((r) => !r.replayed)).toHaveLength(1);
    const { items } = await income.lines(runs[0].distribution.id, { limit: 10, offset: 0 });
    expect(items.reduce((a, l) => a + l.amount, 0n)).toBe(999n);
    await plannedQuarter('2099-Q4', 0);
    await expect(income.distribute(assetId, '2099-Q4', 'coordinator')).rejects.toMatchObject({ code: 'quarter_not_over', figures: { endsAt: '2099-12-31T23:00:00.000Z' } });
    expect(await trialBalance()).toBe(0n);
  });
});
