/**
 * Jobs paid in output, over HTTP (real API, Temporal, PostgreSQL, SMTP, node receiver): a job's
 * price may be a credit of a co-owned asset's output in a future quarter. Bad credits are 4xx
 * problems and create nothing; the credit is promised with the job, granted to the owner of the
 * node that did it when the recipient confirms, listed for the coordinator and for its holder,
 * and cancelled with a cancelled job (freeing its capacity).
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('jobs paid in output: a credit of an asset’s output share', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let seq = 0;

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };

  it('refuses bad credits with clear problems, promises a good one with its job, grants it to the node’s owner on confirmation, and cancels it with a cancelled job', async () => {
    const [ada, olga] = [await member('Ada'), await member('Olga')];
    // Olga's node accepts every offer through the node API (the reference receiver).
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: `Credit Shop ${seq++}`, ownerMemberId: olga.id, automationLevel: 'automated', capabilities: [{ function: 'welding-credit', capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
      .expect(201);
    const nodeId = created.body.id as string;
    const nodeToken = (await t.http.post(`/admin/nodes/${nodeId}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const receiver = createReceiver({ secrets: [created.body.webhookSecret], onEvent: () => undefined, answerOffers: { apiUrl: receivers.api, token: nodeToken, decide: () => 'accept' }, log: () => undefined });
    await t.http.patch(`/admin/nodes/${nodeId}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);

    // Ada owns the greenhouse (Olga does not): 100 m² a quarter, 2 m² a kg of tomatoes, 10 m² of basil kept for sale.
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Community greenhouse', kind: 'greenhouse', identifier: `GH-C-${seq++}`, totalParts: '10', owners: [{ memberId: ada.id, parts: '10', outputParts: '10' }] })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'kg', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' };
    const basil = { id: 'basil', name: 'Basil', unit: 'pots', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse', sale: { unitPrice: '300', fixedUnits: 10, unordered: false } };
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', saleCurrency: 'EUR', products: [tomatoes, basil] }).expect(200);

    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: `Paid in output ${seq++}` }).expect(201)).body.id as string;
    const recipient = await member('Rita');
    const body = {
      capability: 'welding-credit',
      quantity: 4,
      unit: 'frames',
      specUrl: 'https://designs.example.org/frame.step',
      dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
      recipient: { type: 'member', id: recipient.id },
      demand: { type: 'project', id: projectId },
    };
    const credit = { assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q2', units: 20 };
    const post = (over: object) => t.http.post('/admin/jobs').set(auth).send({ ...body, ...over });
    const jobsBefore = (await t.http.get('/admin/jobs').set(auth).expect(200)).body.total as number;

    // Bad input: problem documents with a code, and nothing written.
    for (const [bad, field] of [
      [{ ...credit, units: 0 }, 'creditPrice.units'],
      [{ ...credit, units: 1.5 }, 'creditPrice.units'],
      [{ ...credit, units: '20' }, 'creditPrice.units'],
      [{ ...credit, quarter: '2031-Q5' }, 'creditPrice.quarter'],
      [{ ...credit, assetId: 'not-a-uuid' }, 'creditPrice.assetId'],
    ] as Array<[object, string]>) {
      const r = await post({ creditPrice: bad }).expect(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await post({ creditPrice: credit, price: { amount: '100', currency: 'EUR' } }).expect(422)).body.code).toBe('price_and_credit');
    expect((await post({ creditPrice: { ...credit, productId: 'cucumbers' } }).expect(422)).body).toMatchObject({ code: 'unknown_product', errors: [{ field: 'creditPrice.productId' }] });
    expect((await post({ creditPrice: { ...credit, assetId: projectId } }).expect(422)).body.code).toBe('unknown_asset');
    expect((await post({ creditPrice: { ...credit, quarter: '2020-Q1' } }).expect(409)).body.code).toBe('quarter_closed');
    // 90 m² after the basil for sale: 45 kg of tomatoes at most.
    expect((await post({ creditPrice: { ...credit, units: 46 } }).expect(409)).body).toMatchObject({ code: 'credit_over_capacity', capacity: '45', promised: '0', available: '45', asked: '46' });
    expect((await t.http.get('/admin/jobs').set(auth).expect(200)).body.total).toBe(jobsBefore);
    expect((await t.http.get(`/admin/assets/${asset.id}/credits`).set(auth).expect(200)).body.total).toBe(0);

    // A good credit: promised with the job; the next one finds 25 kg left.
    const made = (await post({ creditPrice: credit }).expect(201)).body;
    expect(made).toMatchObject({ price: null, creditPrice: { ...credit, status: 'promised', holderMemberId: null } });
    const id = made.id as string;
    expect((await post({ creditPrice: { ...credit, units: 26 } }).expect(409)).body).toMatchObject({ code: 'credit_over_capacity', capacity: '45', promised: '20', available: '25', asked: '26' });

    // The node accepts, makes and delivers; the recipient confirms from the email.
    const job = async () => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
    await eventually(async () => ((await t.http.post(`/nodes/me/jobs/${id}/progress`).set('Authorization', `Bearer ${nodeToken}`).send({ percent: 50 })).status === 200 ? true : undefined), 30_000);
    await t.http.post(`/nodes/me/jobs/${id}/complete`).set('Authorization', `Bearer ${nodeToken}`).send({ made: 4, scrapped: 0 }).expect(200);
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(recipient.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    const session = await t.http.post('/session').send({ link: new URL(linkIn(mail)).pathname.split('/').pop() }).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${session.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ option: 'confirm' }).expect(200);
    const confirmed = await eventually(async () => {
      const j = await job();
      return j.status === 'confirmed' && j.creditPrice?.status === 'granted' ? j : undefined;
    }, 30_000);
    // The node's owner holds it, though she owns no part of the greenhouse; no money moved.
    expect(confirmed.creditPrice).toEqual({ ...credit, status: 'granted', holderMemberId: olga.id });
    expect(confirmed.payment).toBeNull();

    const olgaToken = (await t.http.post(`/admin/members/${olga.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    const mine = (await t.http.get('/members/me/credits').set('Authorization', `Bearer ${olgaToken}`).expect(200)).body;
    expect(mine).toMatchObject({ total: 1, limit: 20, offset: 0, items: [{ jobId: id, assetId: asset.id, productId: 'tomatoes', quarter: '2031-Q2', units: 20, status: 'granted', holderMemberId: olga.id }] });
    const adaToken = (await t.http.post(`/admin/members/${ada.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    expect((await t.http.get('/members/me/credits').set('Authorization', `Bearer ${adaToken}`).expect(200)).body.total).toBe(0);
    await t.http.get('/members/me/credits').expect(401);

    // A cancelled job's credit is cancelled, and its capacity is free again.
    const other = (await post({ creditPrice: { ...credit, units: 25 } }).expect(201)).body.id as string;
    await t.http.post(`/admin/jobs/${other}/cancel`).set(auth).send({ reason: 'not needed after all' }).expect(200);
    await eventually(async () => ((await t.http.get(`/admin/jobs/${other}`).set(auth).expect(200)).body.creditPrice?.status === 'cancelled' ? true : undefined), 30_000);
    const listed = (await t.http.get(`/admin/assets/${asset.id}/credits`).set(auth).expect(200)).body;
    expect(listed.items.map((c: { jobId: string; status: string }) => [c.jobId, c.status])).toEqual([
      [id, 'granted'],
      [other, 'cancelled'],
    ]);
    expect((await post({ creditPrice: { ...credit, units: 26 } }).expect(409)).body).toMatchObject({ promised: '20', available: '25' });
    expect((await t.http.get(`/admin/assets/${projectId}/credits`).set(auth).expect(404)).body.code).toBe('not_found');
    await t.http.get(`/admin/assets/${asset.id}/credits`).expect(401);
  });
});
