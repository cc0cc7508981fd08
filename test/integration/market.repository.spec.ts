/**
 * The fraction market against a real PostgreSQL: the listing and bid rules with their figures,
 * price-time matching at the resting price (the better price back to the bidder), racing bids and
 * retried requests for one listing (exactly the listed parts sold, the table whole, nobody below
 * zero, each hold captured or released once, the trial balance 0), the co-owners' first refusal
 * allocated pro rata, expiry, and the trades' emails queued in the trades' own transactions.
 */
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AssetsRepository, RecordNotFoundError, FundingRepository, LedgerService, MailOutboxRepository, MarketRepository, MembersRepository, OwnershipService, TradeNotice } from '@app/db';
import { MarketError, movement } from '@app/domain';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const ledger = () => new LedgerService(t.ds);
const market = () => new MarketRepository(t.ds, ledger());
const ownership = () => new OwnershipService(t.ds, ledger(), new FundingRepository(t.ds, ledger()));

/** The real outbox rows, written in the trade's transaction (what MarketMail does, without rendering). */
const notify = async (notices: TradeNotice[], m: EntityManager) => {
  await new MailOutboxRepository(t.ds).queue(
    notices.flatMap((n) =>
      (['seller', 'buyer'] as const).map((side) => ({ key: `market:trade:${n.trade.id}:${side}`, recipient: n[side].email, subject: `${side} ${n.trade.parts}`, messageId: `<${n.trade.id}-${side}@x>`, text: 't', html: 'h' })),
    ),
    m,
  );
};

const refusal = async (p: Promise<unknown>): Promise<MarketError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof MarketError) return err;
    throw err;
  }
  throw new Error('not refused');
};

const DAY = 86_400_000;
const later = (days = 30) => new Date(Date.now() + days * DAY);

let member: (name: string) => Promise<string>;
const deposit = async (memberId: string, amount: bigint) => {
  const ext = await ledger().account('external', null, 'EUR');
  const wallet = await ledger().account('member', memberId, 'EUR');
  await ledger().post({ idempotencyKey: `dep-${randomUUID()}`, kind: 'deposit', currency: 'EUR', entries: movement(ext.id, wallet.id, amount) });
};
const balance = async (memberId: string) => ledger().balance((await ledger().account('member', memberId, 'EUR')).id);
const table = async (assetId: string) => new Map((await ownership().table(assetId)).map((s) => [s.memberId, s.parts]));

/** The books of an asset are sound: the table is whole, nobody below zero, the ledger balances, no bid holds more than it should. */
async function assertSound(assetId: string) {
  const shares = await ownership().table(assetId);
  const [{ total_parts }] = await t.db.query<{ total_parts: string }>('SELECT total_parts::text FROM assets WHERE id = $1', [assetId]);
  expect(shares.reduce((s, l) => s + l.parts, 0n)).toBe(BigInt(total_parts));
  expect(shares.reduce((s, l) => s + l.outputParts, 0n)).toBe(BigInt(total_parts));
  expect(shares.every((l) => l.parts >= 0n && l.outputParts >= 0n)).toBe(true);
  const negative = await t.db.query(`SELECT a.id FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind <> 'external' GROUP BY a.id HAVING SUM(e.amount) < 0`);
  expect(negative).toEqual([]);
  expect(Object.values(await ledger().trialBalance()).every((v) => v === 0n)).toBe(true);
  // every open bid holds exactly remaining × price; every closed one holds nothing
  const holds = await t.db.query<{ status: string; remaining: string; price_per_part: string; held: string }>(
    `SELECT b.status, b.remaining::text, b.price_per_part::text, COALESCE((SELECT SUM(amount) FROM ledger_entries WHERE account_id = b.hold_account_id), 0)::text AS held FROM market_bids b WHERE b.asset_id = $1`,
    [assetId],
  );
  for (const h of holds) expect(BigInt(h.held)).toBe(h.status === 'open' ? BigInt(h.remaining) * BigInt(h.price_per_part) : 0n);
}

let seq = 0;
async function newAsset(owners: Array<[string, bigint]>, totalParts = 100n): Promise<string> {
  const assets = new AssetsRepository(t.ds, ownership());
  const a = await assets.create({ name: `Greenhouse ${++seq}`, kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: false, totalParts }, owners.map(([memberId, parts]) => ({ memberId, parts, outputParts: parts })));
  return a.id;
}

beforeAll(() => {
  member = async (name) => (await new MembersRepository(t.ds).create({ name, email: `${name.toLowerCase()}-${randomUUID()}@example.org`, status: 'active' })).id;
});

describe('MarketRepository', () => {
  it('refuses with the figures: no market, other currency, more than owned (counting listed parts), below the operator floor, no settled price, no money', async () => {
    const [op, ann, xia] = [await member('Op'), await member('Ann'), await member('Xia')];
    const asset = await newAsset([[op, 60n], [ann, 40n]]);
    const listing = { idempotencyKey: 'k1', memberId: ann, assetId: asset, parts: 5n, pricePerPart: 100n, buyout: false, currency: 'EUR', expiresAt: later() };
    expect((await refusal(market().placeListing(listing, notify))).code).toBe('market_not_open');
    await expect(market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 0, operatorMemberId: op, operatorFloorParts: 101n })).rejects.toMatchObject({ code: 'operator_floor' });
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 0, operatorMemberId: op, operatorFloorParts: 20n });
    expect((await refusal(market().placeListing({ ...listing, currency: 'USD' }, notify))).figures).toEqual({ marketCurrency: 'EUR', currency: 'USD' });
    await market().placeListing({ ...listing, parts: 30n }, notify);
    const over = await refusal(market().placeListing({ ...listing, idempotencyKey: 'k2', parts: 11n }, notify));
    expect([over.code, over.figures]).toEqual(['insufficient_parts', { owned: '40', listed: '30', requested: '11' }]);
    const floor = await refusal(market().placeListing({ ...listing, idempotencyKey: 'k3', memberId: op, parts: 41n }, notify));
    expect([floor.code, floor.figures.maxListable, floor.figures.floor]).toEqual(['operator_floor', '40', '20']);
    expect((await refusal(market().placeListing({ ...listing, idempotencyKey: 'k4', buyout: true, parts: undefined, pricePerPart: undefined }, notify))).code).toBe('no_settled_price');
    await deposit(xia, 999n);
    const poor = await refusal(market().placeBid({ idempotencyKey: 'b1', memberId: xia, assetId: asset, parts: 10n, pricePerPart: 100n, currency: 'EUR', expiresAt: later() }, notify));
    expect([poor.code, poor.figures]).toEqual(['insufficient_funds', { needed: '1000', available: '999', currency: 'EUR' }]);
    expect(await t.db.query('SELECT 1 FROM market_bids WHERE member_id = $1', [xia])).toEqual([]);
    expect(await balance(xia)).toBe(999n);
    await assertSound(asset);
  });

  it('never sells or moves parts whose output is leased out for this quarter or later: listing refused with the figures, matching capped, a transfer by hand refused', async () => {
    const [ann, lea, xia] = [await member('Ann'), await member('Lea'), await member('Xia')];
    const asset = await newAsset([[ann, 40n], [xia, 60n]]);
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 0, operatorMemberId: null, operatorFloorParts: 0n });
    // An accepted lease of 15 of Ann's parts to Lea for a quarter far ahead (its quarter row is what counts).
    const lease = async (parts: bigint) => {
      const [{ id }] = await t.db.query<{ id: string }>(
        `INSERT INTO leases (asset_id, lessor_member_id, lessee_member_id, parts, first_quarter, quarters, price, currency, payment, status, proposed_by)
         VALUES ($1, $2, $3, $4, '2099-Q1', 1, 100, 'EUR', 'quarterly', 'active', $2) RETURNING id`,
        [asset, ann, lea, String(parts)],
      );
      await t.db.query(`INSERT INTO lease_quarters (lease_id, quarter, asset_id, amount, status) VALUES ($1, '2099-Q1', $2, 100, 'due')`, [id, asset]);
    };
    await lease(15n);
    const list = (parts: bigint) => market().placeListing({ idempotencyKey: randomUUID(), memberId: ann, assetId: asset, parts, pricePerPart: 100n, buyout: false, currency: 'EUR', expiresAt: later() }, notify);
    const over = await refusal(list(26n));
    expect([over.code, over.figures]).toEqual(['insufficient_parts', { owned: '40', leased: '15', listed: '0', floor: '0', maxListable: '25' }]);
    const listed = (await list(25n)).listing;
    // Ann leases out 10 more after listing: a bid for all 25 gets the 15 she can still sell.
    await lease(10n);
    await deposit(xia, 10_000n);
    const r = await market().placeBid({ idempotencyKey: randomUUID(), memberId: xia, assetId: asset, parts: 25n, pricePerPart: 100n, currency: 'EUR', expiresAt: later() }, notify);
    expect(r.trades.map((x) => x.parts)).toEqual([15n]);
    expect((await table(asset)).get(ann)).toBe(25n);
    expect(await market().listing(listed.id)).toMatchObject({ status: 'cancelled', closedReason: 'parts_gone', remaining: 10n });
    // Nor can the coordinator move them by hand: Ann owns 25, 25 leased out.
    const transfer = { idempotencyKey: randomUUID(), assetId: asset, fromMemberId: ann, toMemberId: xia, parts: 1n, price: 0n, currency: 'EUR' as const };
    await expect(ownership().transfer(transfer)).rejects.toMatchObject({ code: 'insufficient_parts' });
    expect((await table(asset)).get(ann)).toBe(25n);
    await assertSound(asset);
  });

  it('matches a bid by price, then time, at the listings’ prices, never with the bidder’s own, and gives the better price back', async () => {
    const [ann, bob, xia] = [await member('Ann'), await member('Bob'), await member('Xia')];
    const asset = await newAsset([[ann, 50n], [bob, 30n], [xia, 20n]]);
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 0, operatorMemberId: null, operatorFloorParts: 0n });
    const list = (memberId: string, parts: bigint, price: bigint) => market().placeListing({ idempotencyKey: randomUUID(), memberId, assetId: asset, parts, pricePerPart: price, buyout: false, currency: 'EUR', expiresAt: later() }, notify);
    const a = (await list(ann, 10n, 100n)).listing;
    const b = (await list(bob, 5n, 90n)).listing;
    const own = (await list(xia, 5n, 80n)).listing; // the cheapest, but Xia's own
    await deposit(xia, 2_000n);
    const r = await market().placeBid({ idempotencyKey: 'x1', memberId: xia, assetId: asset, parts: 12n, pricePerPart: 110n, currency: 'EUR', expiresAt: later() }, notify);
    expect(r.trades.map((x) => [x.listingId, x.parts, x.pricePerPart])).toEqual([
      [b.id, 5n, 90n],
      [a.id, 7n, 100n],
    ]);
    expect(r.bid).toMatchObject({ status: 'filled', remaining: 0n });
    // 12 × 110 held; 5 × 90 + 7 × 100 paid; 170 back
    expect(await balance(xia)).toBe(2_000n - 450n - 700n);
    expect(await balance(bob)).toBe(450n);
    expect(await balance(ann)).toBe(700n);
    expect(await table(asset)).toEqual(new Map([[ann, 43n], [bob, 25n], [xia, 32n]]));
    expect((await market().listing(own.id))!.status).toBe('open');
    // both sides of both trades are emailed, in the trades' transactions
    expect(await t.db.query(`SELECT key FROM mail_outbox WHERE key LIKE 'market:trade:%' AND key = ANY($1)`, [r.trades.flatMap((x) => [`market:trade:${x.id}:seller`, `market:trade:${x.id}:buyer`])])).toHaveLength(4);
    // a listing that crosses a standing bid trades at the bid's price
    await market().cancelListing(xia, own.id);
    await market().cancelListing(ann, a.id);
    await deposit(bob, 1_000n);
    const bid = (await market().placeBid({ idempotencyKey: 'bob1', memberId: bob, assetId: asset, parts: 2n, pricePerPart: 120n, currency: 'EUR', expiresAt: later() }, notify)).bid;
    const sold = await list(ann, 3n, 95n);
    expect(sold.trades.map((x) => [x.bidId, x.parts, x.pricePerPart])).toEqual([[bid.id, 2n, 120n]]);
    expect(sold.listing).toMatchObject({ status: 'open', remaining: 1n });
    // a buy-out is at the last settled price
    const out = await market().placeListing({ idempotencyKey: 'bo', memberId: bob, assetId: asset, buyout: true, currency: 'EUR', expiresAt: later() }, notify);
    expect(out.listing).toMatchObject({ kind: 'buyout', pricePerPart: 120n, parts: 27n });
    await assertSound(asset);
  });

  it('sells exactly the listed parts to racing bids and retried requests: the table whole, each hold captured or released once, trial balance 0', async () => {
    const seller = await member('Seller');
    const asset = await newAsset([[seller, 100n]]);
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 0, operatorMemberId: null, operatorFloorParts: 0n });
    const listing = (await market().placeListing({ idempotencyKey: 'l', memberId: seller, assetId: asset, parts: 10n, pricePerPart: 50n, buyout: false, currency: 'EUR', expiresAt: later() }, notify)).listing;
    const buyers = await Promise.all(Array.from({ length: 8 }, (_, i) => member(`Buyer${i}`)));
    for (const b of buyers) await deposit(b, 1_000n);
    // each buyer bids 3 parts at 60 (some at 55), and sends the same request three times at once
    const expiresAt = later();
    const requests = buyers.flatMap((b, i) =>
      Array.from({ length: 3 }, () => market().placeBid({ idempotencyKey: `bid-${i}`, memberId: b, assetId: asset, parts: 3n, pricePerPart: i % 2 ? 55n : 60n, currency: 'EUR', expiresAt }, notify)),
    );
    const results = await Promise.all(requests);
    // one bid per key, whatever the retries
    expect(new Set(results.map((r) => r.bid.id)).size).toBe(8);
    expect(results.filter((r) => !r.replayed)).toHaveLength(8);
    const trades = await t.db.query<{ parts: string; bid_id: string }>('SELECT parts::text, bid_id FROM market_trades WHERE listing_id = $1', [listing.id]);
    expect(trades.reduce((s, x) => s + BigInt(x.parts), 0n)).toBe(10n);
    expect((await market().listing(listing.id))!).toMatchObject({ status: 'filled', remaining: 0n });
    expect((await table(asset)).get(seller)).toBe(90n);
    expect(await balance(seller)).toBe(500n);
    await assertSound(asset);
    // cancel whatever is still open, twice: each hold is released once
    const open = await t.db.query<{ id: string; member_id: string }>(`SELECT id, member_id FROM market_bids WHERE asset_id = $1 AND status = 'open'`, [asset]);
    expect(open.length).toBeGreaterThan(0);
    for (const b of open) {
      await Promise.all([market().cancelBid(b.member_id, b.id), market().cancelBid(b.member_id, b.id)]);
      await expect(market().expire('bid', b.id)).resolves.toBe('noop');
    }
    const postings = await t.db.query<{ kind: string; n: number }>(
      `SELECT t.kind, count(*)::int AS n FROM ledger_transactions t WHERE t.idempotency_key LIKE 'market:bid:%' AND t.status = 'posted'
        AND t.idempotency_key LIKE ANY (SELECT 'market:bid:' || id || ':%' FROM market_bids WHERE asset_id = $1) GROUP BY t.kind ORDER BY t.kind`,
      [asset],
    );
    expect(postings).toEqual([
      { kind: 'market-hold', n: 8 },
      { kind: 'market-release', n: open.length },
    ]);
    // buyers' money: what they paid plus what they still have makes the 1,000 they had
    const paid = await t.db.query<{ buyer_member_id: string; amount: string }>('SELECT buyer_member_id, SUM(amount)::text AS amount FROM market_trades WHERE asset_id = $1 GROUP BY 1', [asset]);
    for (const b of buyers) expect((await balance(b)) + BigInt(paid.find((p) => p.buyer_member_id === b)?.amount ?? '0')).toBe(1_000n);
    await assertSound(asset);
  });

  it('offers a listing to the co-owners first and allocates their claims pro rata to their shares; the rest opens to the book', async () => {
    const [op, ann, bob, zed, xia] = [await member('Op'), await member('Ann'), await member('Bob'), await member('Zed'), await member('Xia')];
    const asset = await newAsset([[op, 60n], [ann, 25n], [bob, 15n]]);
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 7, operatorMemberId: op, operatorFloorParts: 20n });
    const base = { memberId: op, assetId: asset, buyout: false, currency: 'EUR' };
    expect((await refusal(market().placeListing({ ...base, idempotencyKey: 'early', parts: 30n, pricePerPart: 100n, expiresAt: later(3) }, notify))).code).toBe('invalid_expiry');
    const { listing } = await market().placeListing({ ...base, idempotencyKey: 'rofr', parts: 30n, pricePerPart: 100n, expiresAt: later() }, notify);
    expect(listing.status).toBe('rofr');
    expect(listing.rofrEndsAt!.getTime() - listing.createdAt.getTime()).toBeGreaterThanOrEqual(7 * DAY - 1000);
    for (const m of [ann, bob, zed, xia]) await deposit(m, 5_000n);
    // a standing bid from a non-owner must wait for the window
    const standing = (await market().placeBid({ idempotencyKey: 'xia', memberId: xia, assetId: asset, parts: 10n, pricePerPart: 150n, currency: 'EUR', expiresAt: later() }, notify)).bid;
    expect(standing.remaining).toBe(10n);
    expect((await refusal(market().claim(zed, listing.id, 5n))).code).toBe('not_co_owner');
    expect((await refusal(market().claim(op, listing.id, 5n))).code).toBe('own_listing');
    // what each may claim now: the co-owners see it, the seller and non-owners do not
    const page = { limit: 10, offset: 0 };
    expect((await market().firstRefusalFor(ann, page)).items.map((i) => [i.listing.id, i.assetName.length > 0, i.myClaim])).toEqual([[listing.id, true, null]]);
    expect((await market().firstRefusalFor(op, page)).total).toBe(0);
    expect((await market().firstRefusalFor(zed, page)).total).toBe(0);
    await market().claim(ann, listing.id, 20n);
    expect((await market().firstRefusalFor(ann, page)).items[0].myClaim).toBe(20n);
    expect((await market().ofMember(ann, page)).claims.items.map((c) => [c.assetId, c.currency, c.requested])).toEqual([[asset, 'EUR', 20n]]);
    await market().claim(bob, listing.id, 20n);
    expect((await market().claim(bob, listing.id, 20n)).replayed).toBe(true);
    expect((await refusal(market().claim(bob, listing.id, 3n))).code).toBe('already_claimed');
    expect(await balance(ann)).toBe(5_000n - 2_000n);
    // the window ends: 30 parts between shares of 25 and 15 = 18.75 and 11.25 → 19 and 11 (largest remainder)
    const closed = await market().closeRofr(listing.id, notify);
    expect(closed).toEqual({ outcome: 'filled', trades: 2 });
    expect((await market().firstRefusalFor(ann, page)).total).toBe(0);
    expect(await market().closeRofr(listing.id, notify)).toEqual({ outcome: 'noop', trades: 0 });
    expect(await table(asset)).toEqual(new Map([[op, 30n], [ann, 44n], [bob, 26n]]));
    expect(await balance(ann)).toBe(5_000n - 1_900n);
    expect(await balance(bob)).toBe(5_000n - 1_100n);
    expect(await balance(op)).toBe(3_000n);
    // the operator may now list down to the floor only; the next listing is claimed in part, the rest matches Xia's bid
    expect((await refusal(market().placeListing({ ...base, idempotencyKey: 'r2x', parts: 11n, pricePerPart: 100n, expiresAt: later() }, notify))).code).toBe('operator_floor');
    const second = (await market().placeListing({ ...base, idempotencyKey: 'r2', parts: 10n, pricePerPart: 100n, expiresAt: later() }, notify)).listing;
    await market().claim(ann, second.id, 4n);
    expect(await market().closeRofr(second.id, notify)).toEqual({ outcome: 'filled', trades: 2 });
    expect(await table(asset)).toEqual(new Map([[op, 20n], [ann, 48n], [bob, 26n], [xia, 6n]]));
    // Xia's bid was resting when the rest of the listing opened: the trade is at the bid's price
    const xiaTrade = await t.db.query<{ price_per_part: string; parts: string }>('SELECT price_per_part::text, parts::text FROM market_trades WHERE bid_id = $1', [standing.id]);
    expect(xiaTrade).toEqual([{ price_per_part: '150', parts: '6' }]);
    await assertSound(asset);
  });

  it('expires and cancels once: claims of a cancelled listing are void and their money comes back', async () => {
    const [op, ann, xia] = [await member('Op'), await member('Ann'), await member('Xia')];
    const asset = await newAsset([[op, 50n], [ann, 50n]]);
    await market().putSettings({ assetId: asset, currency: 'EUR', rofrDays: 2, operatorMemberId: null, operatorFloorParts: 0n });
    await deposit(ann, 1_000n);
    await deposit(xia, 1_000n);
    const l = (await market().placeListing({ idempotencyKey: 'c', memberId: op, assetId: asset, parts: 5n, pricePerPart: 100n, buyout: false, currency: 'EUR', expiresAt: later() }, notify)).listing;
    await market().claim(ann, l.id, 5n);
    expect(await balance(ann)).toBe(500n);
    await expect(market().cancelListing(ann, l.id)).rejects.toBeInstanceOf(RecordNotFoundError);
    await market().cancelListing(op, l.id);
    expect(await balance(ann)).toBe(1_000n);
    expect(await market().closeRofr(l.id, notify)).toEqual({ outcome: 'noop', trades: 0 });
    expect(await market().expire('listing', l.id)).toBe('noop');
    const b = (await market().placeBid({ idempotencyKey: 'e', memberId: xia, assetId: asset, parts: 2n, pricePerPart: 100n, currency: 'EUR', expiresAt: later() }, notify)).bid;
    expect(await balance(xia)).toBe(800n);
    expect(await market().expire('bid', b.id)).toBe('expired');
    expect(await market().expire('bid', b.id)).toBe('noop');
    expect(await balance(xia)).toBe(1_000n);
    expect((await refusal(market().cancelBid(xia, b.id))).code).toBe('order_closed');
    await assertSound(asset);
  });
});
