/**
 * Leases of output rights against a real PostgreSQL: refusals with their figures (to oneself, a
 * quarter begun, more parts than are left once overlapping leases count), acceptance paid up front
 * once under concurrent retries (not enough money refuses it and nothing changes), two conflicting
 * acceptances of which exactly one wins, a quarter opening that charges each lease quarter once
 * however often it runs and gives the lessee the leased output (unpaid: the owner keeps it), a
 * renewal, an early end that gives back exactly the quarters not begun, and a trial balance of 0.
 */
import { randomUUID } from 'node:crypto';
import type { QuarterWindow } from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  FundingRepository,
  LeaseEvent,
  LeaseProposal,
  LeasesRepository,
  LedgerService,
  MembersRepository,
  OutputOrdersRepository,
  OwnershipService,
} from '@app/db';
import { effectiveOutputTable, LeaseError, movement } from '@app/domain';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const ledger = () => new LedgerService(t.ds);
const ownership = () => new OwnershipService(t.ds, ledger(), new FundingRepository(t.ds, ledger()));
const leases = () => new LeasesRepository(t.ds, ledger());
const events: LeaseEvent[] = [];
const notify = async (_m: unknown, e: LeaseEvent) => {
  events.push(e);
};
const window: QuarterWindow = { quarter: 'x', opensAt: '2030-01-01T00:00:00Z', closesAt: '2030-01-02T00:00:00Z', startsAt: '2030-01-03T00:00:00Z', timeZone: 'UTC' };

const refusal = async (p: Promise<unknown>): Promise<LeaseError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof LeaseError) return err;
    throw err;
  }
  throw new Error('not refused');
};

let ann: string;
let ben: string;
let leo: string;
let asset: AssetEntity;
const balance = async (memberId: string) => ledger().balance((await ledger().account('member', memberId, 'EUR')).id);
const deposit = async (memberId: string, amount: bigint) => {
  const [ext, acc] = [await ledger().account('external', null, 'EUR'), await ledger().account('member', memberId, 'EUR')];
  await ledger().post({ idempotencyKey: `dep-${randomUUID()}`, kind: 'deposit', currency: 'EUR', entries: movement(ext.id, acc.id, amount) });
};
const proposal = (over: Partial<LeaseProposal> = {}): LeaseProposal => ({
  assetId: asset.id,
  lessorMemberId: ann,
  lesseeMemberId: leo,
  parts: 3n,
  firstQuarter: '2031-Q1',
  quarters: 4,
  price: 1000n,
  currency: 'EUR',
  payment: 'upfront',
  ...over,
});
/** Opens a quarter's orders as the order cycle's activity does: leases charged and applied in its transaction. */
const openQuarter = (quarter: string) =>
  new OutputOrdersRepository(t.ds).openQuarter(asset, quarter, { ...window, quarter }, {}, async (m) => {
    await leases().lockForQuarter(m, asset.id);
    const grants = await leases().startQuarter(m, asset.id, quarter, notify);
    const shares = (await ownership().table(asset.id, m)).map((s) => ({ memberId: s.memberId, parts: s.parts, outputParts: s.outputParts }));
    return effectiveOutputTable(shares, grants).table;
  });
const weights = async (quarter: string) =>
  Object.fromEntries((await new OutputOrdersRepository(t.ds).quarterWeights(asset.id, quarter)).map((w) => [w.memberId, w.weight]));

beforeAll(async () => {
  const members = new MembersRepository(t.ds);
  const make = async (name: string) => (await members.create({ name, email: `${name}-${randomUUID()}@example.org`, status: 'active' })).id;
  [ann, ben, leo] = [await make('ann'), await make('ben'), await make('leo')];
  const assets = new AssetsRepository(t.ds, ownership());
  const made = await assets.create({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts: 10n }, [
    { memberId: ann, parts: 6n, outputParts: 7n },
    { memberId: ben, parts: 4n, outputParts: 3n },
  ]);
  await assets.setOutputCatalogue(made.id, {
    timeZone: 'UTC',
    quarterlyCapacity: 100,
    capacityUnit: 'm2',
    outputCatalogue: [{ id: 'salad', name: 'Salad', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }],
    orderWindow: null,
  });
  asset = (await assets.findById(made.id))!;
});

describe('LeasesRepository', () => {
  it('refuses a lease to oneself, one starting in a quarter begun, and more parts than owned, with the figures; writes nothing', async () => {
    expect((await refusal(leases().propose(proposal({ lesseeMemberId: ann }), notify))).code).toBe('lease_to_self');
    const begun = await refusal(leases().propose(proposal({ firstQuarter: '2020-Q1' }), notify));
    expect(begun).toMatchObject({ code: 'quarter_started', figures: { quarter: '2020-Q1' } });
    const tooMany = await refusal(leases().propose(proposal({ parts: 7n }), notify));
    expect(tooMany).toMatchObject({ code: 'lease_parts_unavailable', figures: { owned: '6', leasedOut: '0', available: '6', requested: '7' } });
    expect(await t.db.query(`SELECT 1 FROM leases WHERE asset_id = $1`, [asset.id])).toEqual([]);
  });

  it('accepts once under concurrent retries, paying up front once; without the money it refuses and nothing changes', async () => {
    const { lease } = await leases().propose(proposal(), notify, 'k-1');
    // The same key again is the same proposal.
    expect((await leases().propose(proposal(), notify, 'k-1')).lease.id).toBe(lease.id);
    const poor = await refusal(leases().decide(lease.id, leo, true, notify));
    expect(poor).toMatchObject({ code: 'insufficient_funds', figures: { balance: '0', needed: '1000', currency: 'EUR' } });
    expect((await leases().find(lease.id))!.status).toBe('proposed');
    expect(await leases().quartersOf(lease.id)).toEqual([]);
    // Only the lessee answers.
    expect((await refusal(leases().decide(lease.id, ann, true, notify))).code).toBe('not_a_party');

    await deposit(leo, 1500n);
    const answers = await Promise.all(Array.from({ length: 5 }, () => leases().decide(lease.id, leo, true, notify)));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    for (const a of answers) expect(a.lease.status).toBe('active');
    expect(await balance(leo)).toBe(500n);
    expect(await balance(ann)).toBe(1000n);
    expect((await leases().quartersOf(lease.id)).map((q) => [q.quarter, q.amount, q.status])).toEqual([
      ['2031-Q1', 250n, 'prepaid'],
      ['2031-Q2', 250n, 'prepaid'],
      ['2031-Q3', 250n, 'prepaid'],
      ['2031-Q4', 250n, 'prepaid'],
    ]);
    expect(events.filter((e) => e.lease.id === lease.id).map((e) => e.kind)).toEqual(['proposed', 'accepted']);
    // Declining after accepting is refused.
    expect((await refusal(leases().decide(lease.id, leo, false, notify))).code).toBe('lease_not_open');
  });

  it('refuses an overlapping lease beyond what is left; of two conflicting proposals accepted at once exactly one wins', async () => {
    // Ann has 6 parts, 3 leased for 2031: 3 left in 2031-Q4.
    const over = await refusal(leases().propose(proposal({ lesseeMemberId: ben, parts: 4n, firstQuarter: '2031-Q4', quarters: 2, payment: 'quarterly' }), notify));
    expect(over).toMatchObject({ code: 'lease_parts_unavailable', figures: { owned: '6', leasedOut: '3', available: '3', requested: '4' } });
    // After the first lease, all 6 are free again.
    await leases().propose(proposal({ lesseeMemberId: ben, parts: 6n, firstQuarter: '2032-Q1', quarters: 1, payment: 'quarterly' }), notify);

    const a = (await leases().propose(proposal({ lesseeMemberId: ben, parts: 3n, firstQuarter: '2031-Q3', quarters: 1, price: 0n }), notify)).lease;
    const b = (await leases().propose(proposal({ lesseeMemberId: leo, parts: 2n, firstQuarter: '2031-Q3', quarters: 1, price: 0n }), notify)).lease;
    const results = await Promise.allSettled([leases().decide(a.id, ben, true, notify), leases().decide(b.id, leo, true, notify)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'lease_parts_unavailable' });
  });

  it('opening a quarter charges each quarterly lease once however often it runs, and gives the lessee the leased output', async () => {
    // Ben leases 2 of his 4 parts (3 output parts → 3 × 2 / 4 = 1) to Leo for 2033-Q1..Q2 at 301 (151 + 150), per quarter.
    const { lease } = await leases().propose(proposal({ lessorMemberId: ben, parts: 2n, firstQuarter: '2033-Q1', quarters: 2, price: 301n, payment: 'quarterly' }), notify);
    await leases().decide(lease.id, leo, true, notify);
    const [leoBefore, benBefore] = [await balance(leo), await balance(ben)];
    await Promise.all([openQuarter('2033-Q1'), openQuarter('2033-Q1'), openQuarter('2033-Q1')]);
    await openQuarter('2033-Q1');
    expect(await balance(leo)).toBe(leoBefore - 151n);
    expect(await balance(ben)).toBe(benBefore + 151n);
    expect((await leases().quartersOf(lease.id))[0]).toMatchObject({ quarter: '2033-Q1', status: 'paid', amount: 151n });
    const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE idempotency_key = $1`, [`lease:${lease.id}:2033-Q1`]);
    expect(n).toBe(1);
    // The order rows: Ben 3 − 1 = 2, Leo 1, Ann untouched; the asset's 10 output parts in all. Ownership unchanged.
    expect(await weights('2033-Q1')).toEqual({ [ann]: 7n, [ben]: 2n, [leo]: 1n });
    expect((await ownership().table(asset.id)).map((s) => [s.memberId, s.parts, s.outputParts]).sort()).toEqual(
      [
        [ann, 6n, 7n],
        [ben, 4n, 3n],
      ].sort(),
    );
  });

  it('a quarter the lessee cannot pay leaves the output with the owner and tells both', async () => {
    const lease = (await t.db.query<{ id: string }>(`SELECT id FROM leases WHERE lessor_member_id = $1 AND first_quarter = '2033-Q1'`, [ben]))[0];
    // Leo's money goes elsewhere: 150 is due for 2033-Q2.
    const left = await balance(leo);
    await ledger().post({ idempotencyKey: `out-${randomUUID()}`, kind: 'withdrawal', currency: 'EUR', entries: movement((await ledger().account('member', leo, 'EUR')).id, (await ledger().account('external', null, 'EUR')).id, left) });
    await openQuarter('2033-Q2');
    await openQuarter('2033-Q2');
    expect((await leases().quartersOf(lease.id))[1]).toMatchObject({ quarter: '2033-Q2', status: 'unpaid' });
    expect(await weights('2033-Q2')).toEqual({ [ann]: 7n, [ben]: 3n });
    expect(events.filter((e) => e.kind === 'quarter-unpaid' && e.lease.id === lease.id)).toHaveLength(1);
  });

  it('says how many parts a member has leased out at most from a quarter on (what a sale must leave them)', async () => {
    // Ann: 3 parts in 2031-Q1..Q4, and in 2031-Q3 those of whichever of the two conflicting leases won (3 or 2).
    const [won] = await t.db.query<{ parts: string }>(`SELECT parts::text AS parts FROM leases WHERE lessor_member_id = $1 AND first_quarter = '2031-Q3' AND status = 'active'`, [ann]);
    expect(await leases().leasedOutFrom(t.ds.manager, asset.id, ann, '2031-Q1')).toBe(3n + BigInt(won.parts));
    expect(await leases().leasedOutFrom(t.ds.manager, asset.id, ann, '2031-Q4')).toBe(3n);
    expect(await leases().leasedOutFrom(t.ds.manager, asset.id, ann, '2032-Q1')).toBe(0n);
  });

  it('renews by agreement, then ends early: quarters not begun stop and exactly what was paid for them goes back', async () => {
    await deposit(leo, 10_000n);
    const { lease } = await leases().propose(proposal({ parts: 1n, firstQuarter: '2034-Q1', quarters: 3, price: 1000n }), notify);
    await leases().decide(lease.id, leo, true, notify); // 334 + 333 + 333
    const renewal = await leases().request(lease.id, leo, { kind: 'renew', quarters: 2, price: 201n }, notify);
    // Asked again (a retry) it is the same request; another request meanwhile is refused.
    expect((await leases().request(lease.id, leo, { kind: 'renew', quarters: 2, price: 201n }, notify)).request.id).toBe(renewal.request.id);
    expect((await refusal(leases().request(lease.id, ann, { kind: 'end' }, notify))).code).toBe('request_open');
    expect((await refusal(leases().answer(lease.id, renewal.request.id, leo, true, notify))).code).toBe('not_a_party');
    const renewed = await leases().answer(lease.id, renewal.request.id, ann, true, notify);
    expect(renewed.lease).toMatchObject({ quarters: 5, lastQuarter: '2035-Q1', price: 1201n });
    expect((await leases().answer(lease.id, renewal.request.id, ann, true, notify)).replayed).toBe(true);

    await openQuarter('2034-Q1'); // begun: it stays
    const leoBefore = await balance(leo);
    const end = await leases().request(lease.id, ann, { kind: 'end' }, notify);
    const ended = await leases().answer(lease.id, end.request.id, leo, true, notify);
    // 333 + 333 + 101 + 100 back: 2034-Q2..Q4 and the renewal's 2035-Q1.
    expect(await balance(leo)).toBe(leoBefore + 867n);
    expect(await t.db.query(`SELECT kind FROM ledger_transactions WHERE idempotency_key = $1`, [`lease:${lease.id}:refund:${end.request.id}`])).toEqual([{ kind: 'lease-refund' }]);
    expect(ended.lease).toMatchObject({ status: 'ended', endedEarlyFrom: '2034-Q2', quarters: 1, lastQuarter: '2034-Q1', price: 334n });
    expect((await leases().quartersOf(lease.id)).map((q) => q.status)).toEqual(['prepaid', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(events.filter((e) => e.lease.id === lease.id).map((e) => e.kind)).toEqual(['proposed', 'accepted', 'renewal-proposed', 'renewed', 'end-proposed', 'ended']);
    // Ended: no more requests; the parts are free for 2034-Q2 on.
    expect((await refusal(leases().request(lease.id, leo, { kind: 'end' }, notify))).code).toBe('lease_ended');
    await leases().propose(proposal({ parts: 3n, firstQuarter: '2034-Q2', quarters: 1 }), notify);
  });

  it('keeps the ledger balanced', async () => {
    expect((await ledger().trialBalance()).EUR ?? 0n).toBe(0n);
  });
});
