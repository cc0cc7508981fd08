/**
 * Leases of output rights over HTTP with the real worker, Temporal dev server and SMTP server: the
 * refusals (bad input, more parts than owned, to oneself, without the money), both sides emailed,
 * and a quarter of the real order cycle that treats the lessee as the owner of the leased output:
 * the cycle's workflow opens the window and prompts the lessee, the lessee orders, the plan
 * allocates the lessee the leased share and the production job is theirs. Ownership is unchanged;
 * the trial balance stays 0.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { nextOpenQuarter } from '@app/domain';
import { OrderActivities } from '../../apps/worker/src/activities/order.activities';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('leases of output rights over HTTP', () => {
  const t = useTestSystem({ mail: true });
  let seq = 0;
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body;
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: m.id as string, email: m.email as string, bearer: `Bearer ${token}` };
  };

  it('an accepted lease makes the lessee the owner of the leased output in the quarter’s orders: prompt, order, allocation, job', async () => {
    const [ann, ben, leo] = [await member('Ann'), await member('Ben'), await member('Leo')];
    const node = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'GH node', ownerMemberId: ben.id, automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
        .expect(201)
    ).body;
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Leased greenhouse', kind: 'greenhouse', identifier: `GH-L-${seq++}`, nodeId: node.id, totalParts: '10', owners: [{ memberId: ann.id, parts: '6' }, { memberId: ben.id, parts: '4' }] })
        .expect(201)
    ).body as { id: string };
    // A window open now: it opens 120 days before its quarter and closes on the quarter's first day.
    const rule = { openDaysBefore: 120, closeDaysBefore: 0, closeHour: 23 };
    await t.http
      .put(`/admin/assets/${asset.id}/catalogue`)
      .set(auth)
      .send({ timeZone: 'UTC', quarterlyCapacity: 100, capacityUnit: 'm2', orderWindow: rule, products: [{ id: 'salad', name: 'Salad', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }] })
      .expect(200);
    const quarter = nextOpenQuarter(new Date(), 'UTC', rule);
    const lease = { assetId: asset.id, lesseeMemberId: leo.id, parts: '3', firstQuarter: quarter, quarters: 1, price: '900', currency: 'EUR', payment: 'upfront' };
    const propose = (body: object, bearer = ann.bearer) => t.http.post('/members/me/leases').set('Authorization', bearer).send(body);

    // Leo owns nothing: no order page for him yet.
    expect((await t.http.get(`/members/me/assets/${asset.id}/orders`).set('Authorization', leo.bearer).expect(403)).body.code).toBe('not_an_owner');
    // Bad input: a clear 400 naming the field; more parts than Ann owns, a 409 with the figures; nothing written.
    for (const [body, field] of [
      [{ ...lease, parts: '1.5' }, 'parts'],
      [{ ...lease, parts: '0' }, 'parts'],
      [{ ...lease, currency: 'XXX' }, 'currency'],
      [{ ...lease, quarters: 0 }, 'quarters'],
      [{ ...lease, payment: 'monthly' }, 'payment'],
      [{ ...lease, firstQuarter: '2027-Q5' }, 'firstQuarter'],
      [{ ...lease, lesseeMemberId: ann.id }, 'lesseeMemberId'],
    ] as const) {
      const r = await propose(body).expect(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const tooMany = await propose({ ...lease, parts: '7' }).expect(409);
    expect(tooMany.body).toMatchObject({ code: 'lease_parts_unavailable', owned: '6', leasedOut: '0', available: '6', requested: '7' });
    // Leo owns nothing to lease.
    expect((await propose({ ...lease, lesseeMemberId: ann.id }, leo.bearer).expect(409)).body).toMatchObject({ code: 'lease_parts_unavailable', owned: '0' });
    expect((await t.http.get('/admin/leases').query({ assetId: asset.id }).set(auth).expect(200)).body.total).toBe(0);

    // Proposed (once under its key); both sides are emailed.
    const proposed = await propose(lease).set('Idempotency-Key', 'lease-1').expect(201);
    expect((await propose(lease).set('Idempotency-Key', 'lease-1').expect(201)).body.id).toBe(proposed.body.id);
    expect(proposed.body).toMatchObject({ status: 'proposed', parts: '3', totalParts: '10', firstQuarter: quarter, lastQuarter: quarter, price: '900', payment: 'upfront' });
    const id = proposed.body.id as string;
    for (const who of [ann, leo]) await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(who.email) && m.subject.startsWith('Lease proposed')), 20_000);
    // Only the lessee answers; another member does not even see it.
    expect((await t.http.post(`/members/me/leases/${id}/answer`).set('Authorization', ann.bearer).send({ accept: true }).expect(403)).body.code).toBe('not_a_party');
    await t.http.get(`/members/me/leases/${id}`).set('Authorization', ben.bearer).expect(404);

    // Without the money the acceptance is refused and nothing changes.
    const poor = await t.http.post(`/members/me/leases/${id}/answer`).set('Authorization', leo.bearer).send({ accept: true }).expect(409);
    expect(poor.body).toMatchObject({ code: 'insufficient_funds', balance: '0', needed: '900', currency: 'EUR' });
    expect((await t.http.get(`/members/me/leases/${id}`).set('Authorization', leo.bearer).expect(200)).body).toMatchObject({ status: 'proposed', quarterRows: [] });
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `dep-leo-${seq++}`).send({ memberId: leo.id, amount: '1000', currency: 'EUR' }).expect(201);
    const accepts = await Promise.all([1, 2, 3].map(() => t.http.post(`/members/me/leases/${id}/answer`).set('Authorization', leo.bearer).send({ accept: true })));
    for (const r of accepts) expect(r.body).toMatchObject({ status: 'active', quarterRows: [{ quarter, amount: '900', status: 'prepaid' }] });
    const balances = async (m: string) => (await t.http.get('/admin/ledger/accounts').query({ ownerId: m }).set(auth).expect(200)).body;
    expect(JSON.stringify(await balances(leo.id))).toContain('"balance":"100"');
    for (const who of [ann, leo]) await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(who.email) && m.subject.startsWith('Lease accepted')), 20_000);
    expect((await t.http.get('/members/me/leases').set('Authorization', ann.bearer).expect(200)).body.items).toEqual([expect.objectContaining({ id, status: 'active' })]);
    expect((await t.http.get(`/admin/leases/${id}`).set(auth).expect(200)).body).toMatchObject({ id, lessorMemberId: ann.id, lesseeMemberId: leo.id });

    // The real order cycle opens the quarter: Leo is prompted as an owner of 3 output parts.
    await t.http.post(`/admin/assets/${asset.id}/order-cycle`).set(auth).send({}).expect(200);
    const prompt = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(leo.email) && m.subject.includes(quarter) && /order/i.test(m.subject)), 30_000);
    expect(prompt).toBeDefined();
    const weights = await t.db.query<{ member_id: string; weight: string }>(`SELECT member_id, weight::text AS weight FROM output_orders WHERE asset_id = $1 AND quarter = $2`, [asset.id, quarter]);
    expect(Object.fromEntries(weights.map((w) => [w.member_id, w.weight]))).toEqual({ [ann.id]: '3', [ben.id]: '4', [leo.id]: '3' });
    // Ownership itself is unchanged.
    const owners = await t.db.query<{ member_id: string; parts: string }>(`SELECT member_id, parts::text AS parts FROM asset_shares WHERE asset_id = $1`, [asset.id]);
    expect(Object.fromEntries(owners.map((o) => [o.member_id, o.parts]))).toEqual({ [ann.id]: '6', [ben.id]: '4' });

    // His agenda lists the window; the order page (the prompt's link) shows his share of the output.
    const agenda = await t.http.get('/members/me/agenda').set('Authorization', leo.bearer).expect(200);
    expect(agenda.body.orderWindows).toEqual([expect.objectContaining({ assetId: asset.id, quarter, ordered: false })]);
    const page = await t.http.get(`/members/me/assets/${asset.id}/order-window`).set('Authorization', leo.bearer).expect(200);
    expect(page.body).toMatchObject({ quarter, status: 'open', myPercent: '30 %', entitlement: 30 });
    expect((await t.http.get(`/members/me/assets/${asset.id}/order-window`).set('Authorization', ann.bearer).expect(200)).body).toMatchObject({ myPercent: '30 %', entitlement: 30 });

    // Leo orders like an owner; everyone asks for more than their share would give if Leo had none.
    const order = (bearer: string, quantity: number) => t.http.post(`/members/me/assets/${asset.id}/orders`).set('Authorization', bearer).send({ lines: [{ productId: 'salad', quantity }] });
    const view = await t.http.get(`/members/me/assets/${asset.id}/orders`).set('Authorization', leo.bearer).expect(200);
    expect(view.body).toMatchObject({ quarter, status: 'open' });
    await order(leo.bearer, 50).expect(200);
    await order(ann.bearer, 50).expect(200);
    await order(ben.bearer, 50).expect(200);

    // The window closes on the quarter's first day, weeks away: stop the cycle and take the rest
    // of its steps as its activities (the worker's own instances), as the workflow would.
    await t.sys.temporal.workflow.getHandle(`asset-${asset.id}-orders`).terminate('test: the rest of the quarter as activities');
    const orders = t.sys.worker!.get(OrderActivities);
    const act = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn) as Promise<T>;
    await act(() => orders.closeQuarterOrders({ assetId: asset.id, quarter }));
    const planned = await act(() => orders.planQuarter({ assetId: asset.id, quarter }));
    const plans = await t.http.get(`/members/me/assets/${asset.id}/plans`).set('Authorization', leo.bearer).expect(200);
    const lines = plans.body.quarters.find((p: { quarter: string }) => p.quarter === quarter).lines as Array<{ memberId: string; granted: number }>;
    // 100 m² by output share: Ann 3/10, Ben 4/10, Leo 3/10 (without the lease Ann would get 60).
    expect(Object.fromEntries(lines.map((l) => [l.memberId, l.granted]))).toEqual({ [ann.id]: 30, [ben.id]: 40, [leo.id]: 30 });
    expect(await act(() => orders.dispatchPlanJobs({ assetId: asset.id, quarter, planId: planned.planId }))).toBe(3);
    const job = await eventually(async () => {
      const r = await t.http.get('/admin/jobs').set(auth).expect(200);
      return r.body.items.find((j: { demand: { id: string }; recipient: { id: string } }) => j.demand.id === planned.planId && j.recipient.id === leo.id);
    }, 20_000);
    expect(job).toMatchObject({ quantity: 30, recipient: { type: 'member', id: leo.id } });

    // The quarter has begun: an early end has nothing left to stop.
    const end = await t.http.post(`/members/me/leases/${id}/requests`).set('Authorization', ann.bearer).send({ kind: 'end' }).expect(409);
    expect(end.body).toMatchObject({ code: 'lease_ended', lastQuarter: quarter });
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
    const jobs = (await t.http.get('/admin/jobs').set(auth).expect(200)).body.items.filter((j: { demand: { id: string } }) => j.demand.id === planned.planId);
    for (const j of jobs) await t.http.post(`/admin/jobs/${j.id}/cancel`).set(auth).send({ reason: 'test over' }).expect(200);
  }, 180_000);
});
