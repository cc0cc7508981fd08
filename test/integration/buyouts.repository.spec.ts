/**
 * BuyoutsRepository against a real PostgreSQL: an agreement's terms are checked against the
 * asset as it is owned (nothing written on a refusal; one running agreement per asset), and a
 * quarter's step moves parts and money once however often it is retried, concurrently or after a
 * crash inside its transaction: one step row, one posting per seller, the emails queued with it,
 * fractions summing to the total, the trial balance 0.
 */
import { randomUUID } from 'node:crypto';
import type { CatalogueProduct, QuarterPlan } from '@app/contracts';
import { AssetIncomeRepository, AssetsRepository, BuyoutRefusal, BuyoutsRepository, FundingRepository, IdempotencyConflictError, LedgerService, MailOutboxRepository, MembersRepository, NewBuyout, OwnershipService } from '@app/db';
import { movement } from '@app/domain';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
let ledger: LedgerService;
let buyouts: BuyoutsRepository;
let outbox: MailOutboxRepository;
let members: MembersRepository;
let assets: AssetsRepository;
let op: string;
let ann: string;
let ben: string;
let cy: string;
let assetId: string;

const catalogue: CatalogueProduct[] = [{ id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse', sale: { unitPrice: '450', fixedUnits: 10, unordered: true } }];

const memberBalance = async (id: string) => ledger.balance((await ledger.account('member', id, 'EUR')).id);
const trialBalance = async () => (await ledger.trialBalance()).EUR ?? 0n;
const shares = async () =>
  Object.fromEntries(((await t.ds.query(`SELECT member_id, parts::text AS parts FROM asset_shares WHERE asset_id = $1`, [assetId])) as Array<{ member_id: string; parts: string }>).map((r) => [r.member_id, BigInt(r.parts)]));
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BuyoutRefusal);
  return (err as BuyoutRefusal).code;
};

const terms = (over: Partial<NewBuyout> = {}): NewBuyout => ({
  assetId,
  operatorMemberId: op,
  targetParts: 60n,
  pricePerPart: 100n,
  currency: 'EUR',
  funding: 'fixed',
  fixedAmount: 1_050n,
  source: 'pro-rata',
  offers: [],
  idempotencyKey: null,
  recordedBy: 'coordinator:test',
  note: null,
  ...over,
});

/** A greenhouse of 100 parts: the operator owns 20 and gets 10 more output parts as their bonus for running it. */
async function newAsset(): Promise<string> {
  const ownership = new OwnershipService(t.ds, ledger, new FundingRepository(t.ds, ledger));
  assets = new AssetsRepository(t.ds, ownership);
  const a = await assets.create({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 100n }, [
    { memberId: op, parts: 20n, outputParts: 30n },
    { memberId: ann, parts: 40n, outputParts: 35n },
    { memberId: ben, parts: 30n, outputParts: 25n },
    { memberId: cy, parts: 10n, outputParts: 10n },
  ]);
  await assets.setOutputCatalogue(a.id, { timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', outputCatalogue: catalogue, orderWindow: null, saleCurrency: 'EUR' });
  return a.id;
}

beforeAll(async () => {
  ledger = new LedgerService(t.ds);
  buyouts = new BuyoutsRepository(t.ds, ledger);
  outbox = new MailOutboxRepository(t.ds);
  members = new MembersRepository(t.ds);
  const make = async (name: string) => (await members.create({ name, email: `${name.toLowerCase()}-${randomUUID()}@example.org`, status: 'active' })).id;
  [op, ann, ben, cy] = [await make('Op'), await make('Ann'), await make('Ben'), await make('Cy')];
  assetId = await newAsset();
  const external = await ledger.account('external', null, 'EUR');
  const opAccount = await ledger.account('member', op, 'EUR');
  await ledger.post({ idempotencyKey: `deposit-${randomUUID()}`, kind: 'deposit', currency: 'EUR', entries: movement(external.id, opAccount.id, 10_000n) });
});

describe('BuyoutsRepository', () => {
  it('refuses terms that do not fit the asset, and writes nothing', async () => {
    const stranger = (await members.create({ name: 'Stranger', email: `s-${randomUUID()}@example.org`, status: 'active' })).id;
    const suspended = (await members.create({ name: 'Gone', email: `g-${randomUUID()}@example.org`, status: 'suspended' })).id;
    expect(await refusal(buyouts.create(terms({ targetParts: 101n })))).toBe('target_above_total');
    expect(await refusal(buyouts.create(terms({ targetParts: 20n })))).toBe('target_not_above_owned');
    expect(await refusal(buyouts.create(terms({ currency: 'USD' })))).toBe('currency_mismatch');
    expect(await refusal(buyouts.create(terms({ operatorMemberId: stranger })))).toBe('operator_not_owner');
    expect(await refusal(buyouts.create(terms({ operatorMemberId: suspended })))).toBe('operator_not_member');
    expect(await refusal(buyouts.create(terms({ source: 'offered', offers: [{ memberId: ann, parts: 41n }] })))).toBe('invalid_offer');
    expect(await t.ds.query(`SELECT id FROM buyout_agreements WHERE asset_id = $1`, [assetId])).toEqual([]);
  });

  it('steps a quarter once under concurrent retries and a crash inside the transaction: parts and money move once, trial balance 0', async () => {
    const key = `agree-${randomUUID()}`;
    const { agreement, replayed } = await buyouts.create(terms({ idempotencyKey: key }));
    expect(replayed).toBe(false);
    expect(agreement).toMatchObject({ status: 'active', operatorParts: 20n, targetParts: 60n, claimParts: 40n, claimAmount: 4_000n });
    // The same request with the key is the same agreement; another body with it is refused.
    expect((await buyouts.create(terms({ idempotencyKey: key }))).agreement.id).toBe(agreement.id);
    await expect(buyouts.create(terms({ idempotencyKey: key, pricePerPart: 99n }))).rejects.toBeInstanceOf(IdempotencyConflictError);
    // A second running agreement on the asset.
    expect(await refusal(buyouts.create(terms()))).toBe('buyout_exists');
    // The remaining claim, pro rata (40 parts from 40/30/10): 20, 15, 5.
    expect((await buyouts.claims(agreement.id, { limit: 10, offset: 0 })).items.map((c) => [c.memberId, c.parts, c.amount])).toEqual([
      [ann, 20n, 2_000n],
      [ben, 15n, 1_500n],
      [cy, 5n, 500n],
    ]);

    const before = { op: await memberBalance(op), ann: await memberBalance(ann), ben: await memberBalance(ben), cy: await memberBalance(cy) };
    // The first attempt crashes after everything was written inside its transaction (the mail hook throws).
    let crashed = false;
    const mailHook = async (mail: Parameters<NonNullable<Parameters<BuyoutsRepository['step']>[3]>>[0], m: Parameters<NonNullable<Parameters<BuyoutsRepository['step']>[3]>>[1]) => {
      await outbox.queue(
        [mail.operator, ...mail.sellers].map((p) => ({ key: `buyout:${mail.agreement.id}:${mail.step.quarter}:${p.memberId}`, recipient: p.email, subject: 's', messageId: `<${randomUUID()}@x>`, text: 't', html: 'h' })),
        m,
      );
      if (!crashed) {
        crashed = true;
        throw new Error('the worker died mid-step');
      }
    };
    await expect(buyouts.step(agreement.id, '2026-Q1', { final: false }, mailHook)).rejects.toThrow('the worker died mid-step');
    expect(await memberBalance(op)).toBe(before.op);
    expect(await t.ds.query(`SELECT 1 FROM buyout_steps WHERE agreement_id = $1`, [agreement.id])).toEqual([]);
    // Then the retries, five at once.
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => buyouts.step(agreement.id, '2026-Q1', { final: false }, mailHook)));
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.step!.id)).size).toBe(1);
    const step = outcomes[0].step!;
    // 1,050 buys 10 parts at 100 (50 stays with the operator): pro rata 40/30/10 → 5, 4 (3.75), 1 (1.25).
    expect(step).toMatchObject({ quarter: '2026-Q1', money: 1_050n, parts: 10n, amount: 1_000n, unspent: 50n, operatorPartsAfter: 30n, completed: false });
    expect(step.lines.map((l) => [l.memberId, l.parts, l.amount])).toEqual(
      [
        [ann, 5n, 500n],
        [ben, 4n, 400n],
        [cy, 1n, 100n],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(await memberBalance(op)).toBe(before.op - 1_000n);
    expect(await memberBalance(ann)).toBe(before.ann + 500n);
    expect(await memberBalance(ben)).toBe(before.ben + 400n);
    expect(await memberBalance(cy)).toBe(before.cy + 100n);
    expect(await trialBalance()).toBe(0n);
    expect(await shares()).toEqual({ [op]: 30n, [ann]: 35n, [ben]: 26n, [cy]: 9n });
    expect(((await t.ds.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE idempotency_key LIKE $1`, [`buyout:${agreement.id}:%`])) as Array<{ n: number }>)[0].n).toBe(3);
    expect(((await t.ds.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE key LIKE $1`, [`buyout:${agreement.id}:2026-Q1:%`])) as Array<{ n: number }>)[0].n).toBe(4);
    // The claim left: 30 parts, pro rata to 35/26/9 now.
    const claims = (await buyouts.claims(agreement.id, { limit: 10, offset: 0 })).items;
    expect(claims.reduce((a, c) => a + c.parts, 0n)).toBe(30n);
    expect((await buyouts.find(agreement.id))!).toMatchObject({ partsBought: 10n, amountPaid: 1_000n, stepCount: 1, lastQuarter: '2026-Q1', claimParts: 30n, claimAmount: 3_000n });

    // A seller sees their claim; the operator sees what they bought.
    const annView = (await buyouts.forMember(ann, { limit: 10, offset: 0 })).items.find((i) => i.agreement.id === agreement.id)!;
    expect(annView).toMatchObject({ role: 'seller', partsMoved: 5n, amountMoved: 500n, claimParts: claims.find((c) => c.memberId === ann)!.parts });
    expect((await buyouts.forMember(op, { limit: 10, offset: 0 })).items[0]).toMatchObject({ role: 'operator', partsMoved: 10n, amountMoved: 1_000n });

    // Paused: the next quarter moves nothing; resumed, it steps; ended by agreement, the claim ends.
    expect(await buyouts.recordChange(agreement.id, { changeId: 'c1', action: 'pause', by: 'coordinator:test', reason: 'repairs' })).toEqual({ applied: true, status: 'paused' });
    expect(await buyouts.step(agreement.id, '2026-Q2', { final: false })).toMatchObject({ outcome: 'not-running', status: 'paused', step: null });
    expect(await buyouts.recordChange(agreement.id, { changeId: 'c1', action: 'pause', by: 'coordinator:test', reason: 'repairs' })).toEqual({ applied: true, status: 'paused' });
    expect(await buyouts.recordChange(agreement.id, { changeId: 'c2', action: 'end', by: 'coordinator:test', reason: 'sold' })).toEqual({ applied: true, status: 'ended' });
    expect(await buyouts.recordChange(agreement.id, { changeId: 'c3', action: 'resume', by: 'coordinator:test', reason: 'no' })).toEqual({ applied: false, status: 'ended' });
    expect((await buyouts.claims(agreement.id, { limit: 10, offset: 0 })).total).toBe(0);
    expect((await buyouts.changes(agreement.id)).map((c) => c.action)).toEqual(['end', 'pause']);
    expect(await trialBalance()).toBe(0n);
  });

  it('an output-bonus agreement waits for the quarter’s income, then buys with the operator’s bonus part of it, from those who offered', async () => {
    const income = new AssetIncomeRepository(t.ds, ledger);
    assetId = await newAsset();
    const { agreement } = await buyouts.create(terms({ funding: 'output-bonus', fixedAmount: null, targetParts: 30n, source: 'offered', offers: [{ memberId: cy, parts: 3n }, { memberId: ben, parts: 20n }] }));
    // Offered: 3 from Cy, then 7 of Ben's 20 (10 to the target).
    expect((await buyouts.claims(agreement.id, { limit: 10, offset: 0 })).items.map((c) => [c.memberId, c.parts])).toEqual([
      [ben, 7n],
      [cy, 3n],
    ]);
    // No income shared for 2025-Q1 yet: not ready, nothing written; a final attempt steps with no money.
    expect(await buyouts.step(agreement.id, '2025-Q1', { final: false })).toMatchObject({ outcome: 'not-ready', step: null });
    expect((await buyouts.step(agreement.id, '2024-Q4', { final: true })).step).toMatchObject({ money: 0n, parts: 0n });

    const plan: QuarterPlan = { quarter: '2025-Q1', capacity: 80, capacityByOwner: {}, lines: [], spare: 20 };
    await t.ds.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in, catalogue, capacity, time_zone, plan)
       VALUES ($1, '2025-Q1', 'planned', now() - interval '400 days', now() - interval '380 days', now() - interval '370 days', 'database', $2, 80, 'Europe/Berlin', $3)`,
      [assetId, JSON.stringify(catalogue), JSON.stringify(plan)],
    );
    await income.recordSale({ assetId, key: `sale-${randomUUID()}`, quarter: '2025-Q1', productId: 'tomatoes', quantity: 10, unitPrice: 1_000n, currency: 'EUR', buyerMemberId: null, buyerName: 'Stall', recordedBy: 'test' });
    await income.distribute(assetId, '2025-Q1', 'test');
    // The operator's 30 output parts (10 of them the bonus) earn 3,000 of the 10,000; the bonus part is 10/30 of it,
    // 1,000: 10 parts at 100.
    const r = await buyouts.step(agreement.id, '2025-Q1', { final: false });
    expect(r.step).toMatchObject({ money: 1_000n, parts: 10n, amount: 1_000n, completed: true });
    expect(r.step!.lines.map((l) => [l.memberId, l.parts])).toEqual([
      [ben, 7n],
      [cy, 3n],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    expect(r.status).toBe('completed');
    expect((await buyouts.find(agreement.id))!).toMatchObject({ status: 'completed', operatorParts: 30n, claimParts: 0n });
    expect(Object.values(await shares()).reduce((a, b) => a + b, 0n)).toBe(100n);
    expect(await trialBalance()).toBe(0n);
    // Completed: a later quarter moves nothing.
    expect(await buyouts.step(agreement.id, '2025-Q2', { final: true })).toMatchObject({ outcome: 'not-running', status: 'completed' });
  });
});
