/**
 * The fraction market over HTTP with the real stack (API, worker, Temporal dev server, PostgreSQL,
 * SMTP catcher): bad input as problem documents that change nothing, many concurrent bids (each
 * sent twice at once) for one listing with exactly the listed parts sold and the trial balance 0,
 * the trade emails, the book without names, my market, a bid cancelled (its timer ends, its hold
 * comes back) and a bid expired by its timer.
 */
import { randomUUID } from 'node:crypto';
import { marketOrderWorkflowId } from '@app/contracts';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const DAY = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();

describe('the fraction market over HTTP', () => {
  const t = useTestSystem({ mail: true });
  let seq = 0;
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name: `${name}`, email: `${name.toLowerCase()}-${seq++}-${randomUUID().slice(0, 6)}@example.org` }).expect(201)).body as { id: string; email: string };
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { ...m, name, bearer: { Authorization: `Bearer ${token}` } };
  };
  const deposit = (memberId: string, amount: string) =>
    t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `mk-dep-${memberId}`).send({ memberId, amount, currency: 'EUR' }).expect(201);
  const owners = async (assetId: string) => (await t.http.get(`/admin/assets/${assetId}`).set(auth).expect(200)).body.owners as Array<{ memberId: string; parts: string; outputParts: string }>;

  it('refuses bad input, sells exactly the listed parts to racing bids, emails both sides, and shows the book without names', async () => {
    const [op, ann, bob] = [await member('Opal'), await member('Ann'), await member('Bob')];
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Market greenhouse', kind: 'greenhouse', identifier: `GH-M-${randomUUID()}`, totalParts: '100', owners: [{ memberId: op.id, parts: '60', outputParts: '60' }, { memberId: ann.id, parts: '25', outputParts: '25' }, { memberId: bob.id, parts: '15', outputParts: '15' }] })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'kg', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' };
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [tomatoes] }).expect(200);

    // No market yet; an unknown asset is a 404.
    expect((await t.http.get(`/public/assets/${asset.id}/market`).expect(409)).body.code).toBe('market_not_open');
    expect((await t.http.get(`/public/assets/${randomUUID()}/market`).expect(404)).body.code).toBe('not_found');
    const listing = { assetId: asset.id, parts: '10', pricePerPart: '500', currency: 'EUR', expiresAt: inDays(30) };
    expect((await t.http.post('/members/me/market/listings').set(ann.bearer).set('Idempotency-Key', 'early').send(listing).expect(409)).body.code).toBe('market_not_open');
    expect((await t.http.put(`/admin/assets/${asset.id}/market`).set(auth).send({ currency: 'EUR', rofrDays: 0, operatorMemberId: op.id, operatorFloorParts: '101' }).expect(409)).body.code).toBe('operator_floor');
    expect((await t.http.put(`/admin/assets/${asset.id}/market`).set(auth).send({ currency: 'EUR', rofrDays: 0, operatorMemberId: op.id, operatorFloorParts: '20' }).expect(200)).body).toEqual({
      assetId: asset.id,
      currency: 'EUR',
      rofrDays: 0,
      operatorMemberId: op.id,
      operatorFloorParts: '20',
    });

    // Bad input: problem documents with a code, nothing written.
    const list = (who: { bearer: Record<string, string> }, body: object, key: string = randomUUID()) => t.http.post('/members/me/market/listings').set(who.bearer).set('Idempotency-Key', key).send(body);
    for (const [bad, field] of [
      [{ parts: '1.5' }, 'parts'],
      [{ parts: 2.5 }, 'parts'],
      [{ parts: '0' }, 'parts'],
      [{ parts: '-3' }, 'parts'],
      [{ pricePerPart: '0' }, 'pricePerPart'],
      [{ pricePerPart: '-1' }, 'pricePerPart'],
      [{ pricePerPart: '12.5' }, 'pricePerPart'],
      [{ currency: 'XXX' }, 'currency'],
      [{ assetId: 'nope' }, 'assetId'],
      [{ expiresAt: 'tomorrow' }, 'expiresAt'],
    ] as Array<[object, string]>) {
      const r = await list(ann, { ...listing, ...bad }).expect(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await list(ann, { ...listing, expiresAt: new Date(Date.now() - 1000).toISOString() }).expect(400)).body.code).toBe('expiry_in_past');
    expect((await t.http.post('/members/me/market/listings').set(ann.bearer).send(listing).expect(400)).body.errors[0].field).toBe('Idempotency-Key');
    expect((await list(ann, { ...listing, currency: 'USD' }).expect(409)).body).toMatchObject({ code: 'currency_mismatch', marketCurrency: 'EUR' });
    expect((await list(ann, { ...listing, assetId: randomUUID() }).expect(404)).body.code).toBe('not_found');
    expect((await list(ann, { ...listing, parts: '26' }).expect(409)).body).toMatchObject({ code: 'insufficient_parts', owned: '25', listed: '0', requested: '26' });
    expect((await list(op, { ...listing, parts: '41' }).expect(409)).body).toMatchObject({ code: 'operator_floor', floor: '20', maxListable: '40' });
    expect((await list(ann, { assetId: asset.id, buyout: true, currency: 'EUR', expiresAt: inDays(30) }).expect(409)).body.code).toBe('no_settled_price');
    const poor = await member('Poor');
    await deposit(poor.id, '100');
    const bid = { assetId: asset.id, parts: '3', pricePerPart: '600', currency: 'EUR', expiresAt: inDays(30) };
    expect((await t.http.post('/members/me/market/bids').set(poor.bearer).set('Idempotency-Key', 'p1').send(bid).expect(409)).body).toMatchObject({ code: 'insufficient_funds', needed: '1800', available: '100' });
    expect((await t.http.get('/members/me/market').set(poor.bearer).expect(200)).body.bids.total).toBe(0);
    expect((await t.http.get(`/public/assets/${asset.id}/market`).expect(200)).body).toMatchObject({ asks: [], bids: [], lastPrice: null });

    // Ann lists 10 parts at 5.00; eight buyers bid 3 parts at 6.00 at once, each request sent twice.
    const sale = (await list(ann, listing, 'ann-sale').expect(201)).body;
    expect(sale.listing).toMatchObject({ status: 'open', remaining: '10', pricePerPart: '500' });
    const buyers = await Promise.all(Array.from({ length: 8 }, (_, i) => member(`Buyer${i}`)));
    for (const b of buyers) await deposit(b.id, '5000');
    const answers = await Promise.all(
      buyers.flatMap((b) => [0, 1].map(() => t.http.post('/members/me/market/bids').set(b.bearer).set('Idempotency-Key', `race-${b.id}`).send(bid))),
    );
    expect(answers.map((r) => r.status).every((s) => s === 201)).toBe(true);
    expect(new Set(answers.map((r) => r.body.bid.id)).size).toBe(8);
    const sold = answers.flatMap((r) => r.body.trades as Array<{ parts: string; pricePerPart: string; sellerMemberId: string }>);
    expect(sold.reduce((s, x) => s + BigInt(x.parts), 0n)).toBe(10n);
    expect(sold.every((x) => x.pricePerPart === '500' && x.sellerMemberId === ann.id)).toBe(true);
    const table = await owners(asset.id);
    expect(table.reduce((s, o) => s + BigInt(o.parts), 0n)).toBe(100n);
    expect(table.reduce((s, o) => s + BigInt(o.outputParts), 0n)).toBe(100n);
    expect(table.find((o) => o.memberId === ann.id)?.parts).toBe('15');
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });

    // Both sides hear of each trade.
    const annMail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(ann.email) && m.subject.startsWith('Sold:')), 20_000);
    expect(annMail.text).toContain('at 5.00 EUR a part');
    const buyer = buyers.find((b) => answers.some((r) => r.body.trades.some((x: { buyerMemberId: string }) => x.buyerMemberId === b.id)))!;
    const buyerMail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(buyer.email) && m.subject.startsWith('Bought:')), 20_000);
    expect(buyerMail.text).toContain('from Ann at 5.00 EUR a part');

    // The book: open bids as price levels, the last price, today's history, what it makes; no names or ids of members.
    const book = (await t.http.get(`/public/assets/${asset.id}/market`).expect(200)).body;
    const open = answers.filter((r, i) => i % 2 === 0).map((r) => r.body.bid).filter((b) => b.status === 'open');
    expect(book).toMatchObject({ currency: 'EUR', operatorFloorParts: '20', asks: [], lastPrice: '500', makes: [{ id: 'tomatoes', name: 'Tomatoes', unit: 'kg' }] });
    expect(book.bids[0].pricePerPart).toBe('600');
    expect(book.history).toEqual([expect.objectContaining({ close: '500', parts: '10' })]);
    const text = JSON.stringify(book);
    for (const m of [op, ann, bob, ...buyers]) {
      expect(text).not.toContain(m.id);
      expect(text).not.toContain(m.name);
    }

    // My market: Ann's listing sold out and her trades.
    const mine = (await t.http.get('/members/me/market').set(ann.bearer).expect(200)).body;
    expect(mine.listings.items[0]).toMatchObject({ id: sale.listing.id, status: 'filled', remaining: '0' });
    expect(mine.trades.total).toBe(sold.length);

    // Cancel the bids still open: each hold comes back, each timer ends without expiring anything.
    expect(open.length).toBeGreaterThan(0);
    const cancelledIds: string[] = [];
    for (const b of buyers) {
      const mineB = (await t.http.get('/members/me/market').set(b.bearer).expect(200)).body;
      const openBid = mineB.bids.items.find((x: { status: string }) => x.status === 'open');
      if (!openBid) continue;
      const cancelled = (await t.http.post(`/members/me/market/bids/${openBid.id}/cancel`).set(b.bearer).expect(200)).body;
      expect(cancelled.status).toBe('cancelled');
      expect((await t.http.post(`/members/me/market/bids/${openBid.id}/cancel`).set(buyers.find((x) => x !== b)!.bearer).expect(404)).body.code).toBe('not_found');
      const account = (await t.http.get('/members/me/account').set(b.bearer).expect(200)).body;
      // what was bought is paid at the listing's price; the rest of the hold is back
      expect(account.balances.find((x: { currency: string }) => x.currency === 'EUR').available).toBe(String(5000 - (3 - Number(openBid.remaining)) * 500));
      const handle = t.sys.temporal.workflow.getHandle(marketOrderWorkflowId('bid', openBid.id));
      expect(await handle.result()).toEqual({ rofr: null, expiry: 'cancelled' });
      cancelledIds.push(openBid.id);
    }
    expect(cancelledIds.length).toBe(open.length);
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: marketOrderWorkflowId('bid', cancelledIds[0]), scenario: 'bid-cancelled_v0.5.0' }]);
    expect((await t.http.get(`/public/assets/${asset.id}/market`).expect(200)).body.bids).toEqual([]);
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
  });

  it('expires a bid by its timer and gives its money back', async () => {
    const [seller, buyer] = [await member('Sol'), await member('Bea')];
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Market lathe', kind: 'lathe', identifier: `L-M-${randomUUID()}`, totalParts: '10', owners: [{ memberId: seller.id, parts: '10', outputParts: '10' }] })
        .expect(201)
    ).body as { id: string };
    await t.http.put(`/admin/assets/${asset.id}/market`).set(auth).send({ currency: 'EUR', rofrDays: 0 }).expect(200);
    await deposit(buyer.id, '1000');
    const placed = (await t.http.post('/members/me/market/bids').set(buyer.bearer).set('Idempotency-Key', 'soon').send({ assetId: asset.id, parts: '2', pricePerPart: '300', currency: 'EUR', expiresAt: new Date(Date.now() + 3_000).toISOString() }).expect(201)).body;
    expect(placed.bid.status).toBe('open');
    expect((await t.http.get(`/public/assets/${asset.id}/market`).expect(200)).body.bids).toEqual([{ pricePerPart: '300', parts: '2', orders: 1 }]);
    const result = await t.sys.temporal.workflow.getHandle(marketOrderWorkflowId('bid', placed.bid.id)).result();
    expect(result).toEqual({ rofr: null, expiry: 'expired' });
    const mine = (await t.http.get('/members/me/market').set(buyer.bearer).expect(200)).body;
    expect(mine.bids.items[0]).toMatchObject({ id: placed.bid.id, status: 'expired' });
    expect((await t.http.post(`/members/me/market/bids/${placed.bid.id}/cancel`).set(buyer.bearer).expect(409)).body).toMatchObject({ code: 'order_closed', orderStatus: 'expired' });
    const statement = (await t.http.get('/members/me/statement').set(buyer.bearer).expect(200)).body;
    expect(JSON.stringify(statement)).toContain('Market bid: held money given back');
    expect(JSON.stringify(statement)).toContain('Held for a market order');
    expect(JSON.stringify(statement)).not.toContain('funding round');
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
  });
});
