/**
 * Output that earns, over HTTP (real API, PostgreSQL, SMTP): a catalogue puts part of a quarter's
 * output up for sale; sales are recorded by the coordinator and by the asset's node (another
 * node's asset is a 404); bad input is a problem document and writes nothing; a retried sale
 * is the same sale; the ended quarter's income is shared among the owners by output share (the
 * operator's bonus included) once, each owner is emailed their part and sees it at
 * /members/me/distributions; the trial balance is 0.
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('output sales and income by share', () => {
  // The worker relays the mail outbox to the real SMTP server; the quarter's plan is written as the order cycle leaves it.
  const t = useTestSystem({ mail: true });
  let seq = 0;

  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body;
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: m.id as string, email: m.email as string, bearer: `Bearer ${token}` };
  };
  const node = async (ownerId: string, name: string) => {
    const n = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId: ownerId, automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
        .expect(201)
    ).body;
    const token = (await t.http.post(`/admin/nodes/${n.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: n.id as string, bearer: `Bearer ${token}` };
  };

  it('sells part of a quarter’s output, refuses bad sales, and shares the ended quarter’s income by output share once', async () => {
    const [ada, bo, olga] = [await member('Ada'), await member('Bo'), await member('Olga')];
    const gh = await node(olga.id, 'GH node');
    const other = await node(bo.id, 'Other node');
    // 100 parts: Olga operates it, owns 20 and gets 10 output parts more as her bonus.
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({
          name: 'Greenhouse',
          kind: 'greenhouse',
          identifier: `GH-${seq++}`,
          totalParts: '100',
          nodeId: gh.id,
          owners: [
            { memberId: ada.id, parts: '12', outputParts: '12' },
            { memberId: bo.id, parts: '68', outputParts: '58' },
            { memberId: olga.id, parts: '20', outputParts: '30' },
          ],
        })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' };
    const catalogue = { timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [{ ...tomatoes, sale: { unitPrice: '450', fixedUnits: 10, unordered: true } }] };
    // A sale needs a currency; a fractional list price is refused.
    expect((await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send(catalogue).expect(400)).body.errors[0].field).toBe('saleCurrency');
    const fractional = await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ ...catalogue, saleCurrency: 'EUR', products: [{ ...tomatoes, sale: { unitPrice: '4.5' } }] }).expect(400);
    expect(fractional.body.errors[0].field).toBe('products.0.sale.unitPrice');
    const set = await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ ...catalogue, saleCurrency: 'EUR' }).expect(200);
    expect(set.body).toMatchObject({ saleCurrency: 'EUR', products: [{ id: 'tomatoes', sale: { unitPrice: '450', fixedUnits: 10, unordered: true } }] });

    // 2025-Q1 as the order cycle leaves it: planned, 6 m² no owner asked for (3 more crates).
    const quarter = '2025-Q1';
    await t.db.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in, catalogue, capacity, time_zone, plan)
       SELECT $1, $2, 'planned', now() - interval '700 days', now() - interval '680 days', now() - interval '670 days', 'database', output_catalogue, 80, 'Europe/Berlin', $3 FROM assets WHERE id = $1`,
      [asset.id, quarter, JSON.stringify({ quarter, capacity: 80, capacityByOwner: {}, lines: [], spare: 6 })],
    );

    const good = { quarter, productId: 'tomatoes', quantity: 4, unitPrice: '450', currency: 'EUR', buyer: { name: 'Market stall 4' } };
    const sell = (body: object, key: string, bearer = auth.Authorization, path = `/admin/assets/${asset.id}/sales`) => t.http.post(path).set('Authorization', bearer).set('Idempotency-Key', key).send(body);
    // Bad input: clear problems, nothing written.
    for (const [body, field] of [
      [{ ...good, unitPrice: '-450' }, 'unitPrice'],
      [{ ...good, unitPrice: '4.50' }, 'unitPrice'],
      [{ ...good, unitPrice: 4.5 }, 'unitPrice'],
      [{ ...good, quantity: -1 }, 'quantity'],
      [{ ...good, quantity: 1.5 }, 'quantity'],
      [{ ...good, quantity: '4' }, 'quantity'],
      [{ ...good, quarter: '2025-Q5' }, 'quarter'],
      [{ ...good, buyer: {} }, 'buyer'],
    ] as Array<[object, string]>) {
      const r = await sell(body, `bad-${seq++}`).expect(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'validation_failed' });
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await t.http.post(`/admin/assets/${asset.id}/sales`).set(auth).send(good).expect(400)).body.errors[0].field).toBe('Idempotency-Key');
    expect((await sell({ ...good, currency: 'USD' }, 'usd').expect(422)).body).toMatchObject({ code: 'currency_mismatch', currency: 'EUR', asked: 'USD' });
    expect((await sell({ ...good, productId: 'basil' }, 'basil').expect(422)).body.code).toBe('not_for_sale');
    expect((await sell({ ...good, quarter: '2031-Q1' }, 'later').expect(409)).body.code).toBe('quarter_not_planned');
    // 10 fixed + 3 from the spare: 14 is one too many, with the figures.
    expect((await sell({ ...good, quantity: 14 }, 'too-many').expect(409)).body).toMatchObject({ code: 'oversold', saleable: '13', sold: '0', available: '13', asked: '14' });
    expect((await t.http.get(`/admin/assets/${asset.id}/sales`).set(auth).expect(200)).body.total).toBe(0);

    // The coordinator records a sale; a retry with the same key is the same sale; another body is a 409.
    const first = await sell(good, 'sale-1').expect(201);
    expect(first.body).toMatchObject({ quarter, productId: 'tomatoes', quantity: 4, unitPrice: '450', amount: '1800', currency: 'EUR', buyerName: 'Market stall 4', recordedBy: 'coordinator' });
    const again = await sell(good, 'sale-1').expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect((await sell({ ...good, quantity: 5 }, 'sale-1').expect(409)).body.code).toBe('idempotency_key_reused');
    // The asset's node records one too (to a member); another node may not.
    expect((await sell(good, 'n-1', other.bearer, `/nodes/me/assets/${asset.id}/sales`).expect(404)).body.code).toBe('not_found');
    const byNode = await sell({ ...good, quantity: 9, unitPrice: '400', buyer: { memberId: ada.id } }, 'n-1', gh.bearer, `/nodes/me/assets/${asset.id}/sales`).expect(201);
    expect(byNode.body).toMatchObject({ amount: '3600', buyerMemberId: ada.id, recordedBy: `node:${gh.id}` });
    expect((await sell({ ...good, quantity: 1 }, 'one-more').expect(409)).body).toMatchObject({ code: 'oversold', available: '0', sold: '13' });
    const sales = (await t.http.get(`/admin/assets/${asset.id}/sales`).query({ quarter }).set(auth).expect(200)).body;
    expect(sales).toMatchObject({ total: 2, limit: 20, offset: 0 });
    const assetAccount = (await t.http.get('/admin/ledger/accounts').query({ ownerId: asset.id, kind: 'asset' }).set(auth).expect(200)).body;
    expect(assetAccount).toEqual([expect.objectContaining({ currency: 'EUR', balance: '5400' })]);

    // A quarter that has not ended is not shared yet; an ended one is, once.
    await t.db.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in, catalogue, capacity, time_zone, plan)
       VALUES ($1, '2099-Q4', 'planned', now(), now(), now(), 'database', '[]', 80, 'Europe/Berlin', '{"spare":0}')`,
      [asset.id],
    );
    expect((await t.http.post(`/admin/assets/${asset.id}/distributions`).set(auth).send({ quarter: '2099-Q4' }).expect(409)).body).toMatchObject({ code: 'quarter_not_over', endsAt: '2099-12-31T23:00:00.000Z' });
    expect((await t.http.post(`/admin/assets/${asset.id}/distributions`).set(auth).send({ quarter: 'Q1' }).expect(400)).body.code).toBe('validation_failed');
    const d = await t.http.post(`/admin/assets/${asset.id}/distributions`).set(auth).send({ quarter }).expect(201);
    expect(d.body).toMatchObject({ quarter, currency: 'EUR', income: '5400', saleCount: 2, rule: 'largest-remainder-by-output-parts', totalOutputParts: '100', bonusParts: '10', lineCount: 3 });
    const twice = await t.http.post(`/admin/assets/${asset.id}/distributions`).set(auth).send({ quarter }).expect(201);
    expect(twice.headers['idempotent-replayed']).toBe('true');
    expect(twice.body).toEqual(d.body);
    expect((await sell({ ...good, quantity: 1, quarter }, 'after').expect(409)).body.code).toBe('quarter_distributed');

    const detail = (await t.http.get(`/admin/assets/${asset.id}/distributions/${quarter}`).set(auth).expect(200)).body;
    const amounts = Object.fromEntries(detail.lines.map((l: { memberId: string; amount: string }) => [l.memberId, l.amount]));
    // 12 %, 58 %, 30 % of 54.00 EUR.
    expect(amounts).toEqual({ [ada.id]: '648', [bo.id]: '3132', [olga.id]: '1620' });
    expect(detail.lines.find((l: { memberId: string }) => l.memberId === olga.id).explanation).toBe(
      "You hold 30 of the 100 output parts of Greenhouse (30 %, 10 of them your operator's bonus for running it), so you get 16.20 EUR of the 54.00 EUR it earned from sales in 2025-Q1.",
    );
    expect((await t.http.get(`/admin/assets/${asset.id}/distributions`).set(auth).expect(200)).body).toMatchObject({ total: 1, items: [{ id: d.body.id, lineCount: 3 }] });

    // Each owner: the money, the line at /members/me/distributions, and one email.
    const mine = (await t.http.get('/members/me/distributions').set('Authorization', ada.bearer).expect(200)).body;
    expect(mine).toMatchObject({ total: 1, items: [{ assetId: asset.id, assetName: 'Greenhouse', quarter, amount: '648', income: '5400', currency: 'EUR' }] });
    expect(mine.items[0].explanation).toContain('so you get 6.48 EUR of the 54.00 EUR');
    expect((await t.http.get('/members/me/distributions').set(auth).expect(401)).body.code).toBeDefined();
    const ledger = async (ownerId: string) => ((await t.http.get('/admin/ledger/accounts').query({ ownerId, kind: 'member' }).set(auth).expect(200)).body as Array<{ balance: string }>)[0]?.balance;
    expect([await ledger(ada.id), await ledger(bo.id), await ledger(olga.id)]).toEqual(['648', '3132', '1620']);
    for (const owner of [ada, bo, olga]) {
      const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(owner.email) && m.subject.includes('income for 2025-Q1')), 20_000);
      expect(mail.text).toContain(`so you get ${{ [ada.id]: '6.48', [bo.id]: '31.32', [olga.id]: '16.20' }[owner.id]} EUR of the 54.00 EUR`);
    }
    // Once each: the repeated distribution queued nothing new.
    expect((await t.db.query(`SELECT key FROM mail_outbox WHERE key LIKE $1`, [`income:${d.body.id}:%`])).length).toBe(3);
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
  });
});
