/**
 * Quarterly output orders over HTTP with the real worker and Temporal dev server: the catalogue,
 * the cycle's start, the member API's checks and the plans views. (Whole quarters run on the
 * time-skipping server in test/workflows/output-orders.spec.ts: windows here are weeks away.)
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { nextOpenQuarter, quarterWindow } from '@app/domain';
import { OrderActivities } from '../../apps/worker/src/activities/order.activities';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { maxPendingActivities, workflowStepEvents } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('quarterly output orders over HTTP', () => {
  const t = useTestSystem();
  let seq = 0;
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body;
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token;
    return { id: m.id as string, bearer: `Bearer ${token}` };
  };

  it('sets a catalogue, starts the cycle once, checks who may order what, and shows the plans', async () => {
    const [ann, ben, outsider] = [await member('Ann'), await member('Ben'), await member('Out')];
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${seq++}`, totalParts: '10', owners: [{ memberId: ann.id, parts: '6' }, { memberId: ben.id, parts: '4' }] })
        .expect(201)
    ).body;
    const gh = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: 'GH node', ownerMemberId: ann.id, automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const noCatalogue = await t.http.post(`/admin/assets/${asset.id}/order-cycle`).set(auth).send({}).expect(409);
    expect(noCatalogue.body.code).toBe('no_catalogue');

    const product = { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' };
    const badZone = await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berln', quarterlyCapacity: 100, capacityUnit: 'm2', products: [product] }).expect(400);
    expect(badZone.body.errors[0].field).toBe('timeZone');
    const badProduct = await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'UTC', quarterlyCapacity: 100, capacityUnit: 'm2', products: [{ ...product, capacityPerUnit: 0 }] }).expect(400);
    expect(badProduct.body.errors[0].field).toBe('products.0.capacityPerUnit');
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [product] }).expect(200);
    expect((await t.http.post(`/admin/assets/${asset.id}/order-cycle`).set(auth).send({}).expect(409)).body.code).toBe('no_node');
    await t.http.patch(`/admin/assets/${asset.id}`).set(auth).send({ nodeId: gh.body.id }).expect(200);

    const started = await t.http.post(`/admin/assets/${asset.id}/order-cycle`).set(auth).send({}).expect(200);
    const quarter = nextOpenQuarter(new Date(), 'Europe/Berlin');
    expect(started.body).toEqual({ workflowId: `asset-${asset.id}-orders`, quarter });
    await t.http.post(`/admin/assets/${asset.id}/order-cycle`).set(auth).send({}).expect(200); // once: the same cycle

    const view = await eventually(async () => {
      const r = await t.http.get(`/members/me/assets/${asset.id}/orders`).set('Authorization', ann.bearer);
      return r.status === 200 && r.body.window ? r.body : undefined;
    });
    const w = quarterWindow(quarter, 'Europe/Berlin');
    expect(view.window).toMatchObject({ quarter, opensAt: w.opensAt.toISOString(), closesAt: w.closesAt.toISOString(), timeZone: 'Europe/Berlin' });

    // Only co-owners; only catalogue products; only whole quantities.
    expect((await t.http.get(`/members/me/assets/${asset.id}/orders`).set('Authorization', outsider.bearer).expect(403)).body.code).toBe('not_an_owner');
    const negative = await t.http.post(`/members/me/assets/${asset.id}/orders`).set('Authorization', ann.bearer).send({ lines: [{ productId: 'tomatoes', quantity: -2 }] }).expect(400);
    expect(negative.body.errors[0].field).toBe('lines.0.quantity');
    const order = await t.http.post(`/members/me/assets/${asset.id}/orders`).set('Authorization', ann.bearer).send({ lines: [{ productId: 'tomatoes', quantity: 10 }], standing: true });
    if (view.status === 'open') {
      // Run while a window is open: the order is taken, an unknown product is not.
      expect(order.status).toBe(200);
      expect(order.body.myOrder).toMatchObject({ standing: true, lines: [{ productId: 'tomatoes', quantity: 10 }] });
      const unknown = await t.http.post(`/members/me/assets/${asset.id}/orders`).set('Authorization', ann.bearer).send({ lines: [{ productId: 'melons', quantity: 1 }] }).expect(400);
      expect(unknown.body.detail).toContain('unknown product melons');
    } else {
      // Run before the window opens (the usual case): a clear 409 saying when it opens.
      expect(order.status).toBe(409);
      expect(order.body).toMatchObject({ code: 'order_window_closed' });
      expect(order.body.detail).toContain('not open yet');
    }

    // Plans: public (product totals) and for owners (lines); nothing planned yet.
    const pub = await t.http.get(`/public/assets/${asset.id}/plans`).expect(200);
    expect(pub.body).toMatchObject({ assetId: asset.id, timeZone: 'Europe/Berlin', capacityUnit: 'm2' });
    expect(Array.isArray(pub.body.quarters)).toBe(true);
    await t.http.get(`/members/me/assets/${asset.id}/plans`).set('Authorization', ben.bearer).expect(200);
    await t.http.get(`/members/me/assets/${asset.id}/plans`).set('Authorization', outsider.bearer).expect(403);
    await t.sys.temporal.workflow.getHandle(`asset-${asset.id}-orders`).terminate('test over');
  });

  it('turns a quarter plan into production jobs for the asset’s own node, delivered to each owner', async () => {
    const [ann, op] = [await member('Anna'), await member('Olaf')];
    const node = (name: string, automationLevel: string) =>
      t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId: op.id, automationLevel, capabilities: [{ function: 'greenhouse-x', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
        .expect(201);
    const own = (await node('Own greenhouse node', 'conventional')).body;
    await node('Other, more automated', 'automated'); // capable too, but not this asset's node
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Greenhouse B', kind: 'greenhouse', identifier: `GH-${seq++}`, nodeId: own.id, totalParts: '1', owners: [{ memberId: ann.id, parts: '1' }] })
        .expect(201)
    ).body;
    await t.http
      .put(`/admin/assets/${asset.id}/catalogue`)
      .set(auth)
      .send({ timeZone: 'UTC', quarterlyCapacity: 10, capacityUnit: 'm2', products: [{ id: 'herbs', name: 'Herbs', unit: 'box', capacityPerUnit: 1, leadTimeDays: 20, capability: 'greenhouse-x' }] })
      .expect(200);
    const orders = t.sys.worker!.get(OrderActivities);
    const w = await orders.quarterWindowFor({ assetId: asset.id, quarter: '2031-Q1' });
    await orders.openQuarter({ assetId: asset.id, quarter: '2031-Q1', window: w });
    const lines = [{ memberId: ann.id, productId: 'herbs', requested: 8, granted: 8 }];
    const planId = await orders.recordPlan({ assetId: asset.id, quarter: '2031-Q1', plan: { quarter: '2031-Q1', capacity: 10, capacityByOwner: { [ann.id]: 8 }, lines, spare: 2 }, orders: [] });
    // Run as an activity would (the activity context, no workflow around it).
    const catalogue = [{ id: 'herbs', name: 'Herbs', unit: 'box', capacityPerUnit: 1, leadTimeDays: 20, capability: 'greenhouse-x' }];
    const dispatch = () => new MockActivityEnvironment().run(() => orders.dispatchOrderJobs({ assetId: asset.id, quarter: '2031-Q1', planId, nodeId: own.id, window: w, catalogue, lines }));
    expect(await dispatch()).toBe(1);
    expect(await dispatch()).toBe(0); // idempotent: a retried activity starts no second job

    const job = await eventually(async () => {
      const r = await t.http.get('/admin/jobs').set(auth).expect(200);
      const j = r.body.items.find((x: { demand: { id: string } }) => x.demand.id === planId);
      return j && j.offers.length > 0 ? j : undefined;
    }, 20_000);
    expect(job).toMatchObject({ capability: 'greenhouse-x', quantity: 8, unit: 'box', recipient: { type: 'member', id: ann.id }, demand: { type: 'order', id: planId } });
    expect(job.dueAt).toBe(new Date(Date.parse(w.startsAt) + 20 * 86_400_000).toISOString()); // UTC: no DST
    expect(job.offers[0].nodeId).toBe(own.id); // only the asset's own node
    const pub = await t.http.get(`/public/assets/${asset.id}/plans`).expect(200);
    expect(pub.body.quarters[0]).toMatchObject({ quarter: '2031-Q1', products: { herbs: 8 }, spare: 2 });
    expect(pub.body.quarters[0].inProgress).toEqual([expect.objectContaining({ product: 'herbs', quantity: 8 })]);
    expect(pub.body.quarters[0].lines).toBeUndefined(); // who gets what is for owners only
    await t.http.post(`/admin/jobs/${job.id}/cancel`).set(auth).send({ reason: 'test over' }).expect(200);
  });

  /** `n` active members owning equal parts of a new greenhouse with its node and catalogue, written straight into PostgreSQL where the API would be slow. */
  async function crowdAsset(n: number, orderWindow?: { openDaysBefore: number; closeDaysBefore: number; closeHour: number }) {
    const tag = `${Date.now().toString(36)}-${seq++}`;
    const members = await t.db.query<{ id: string }>(
      `INSERT INTO members (name, email) SELECT 'Owner ' || i, 'owner-${tag}-' || i || '@example.org' FROM generate_series(1, $1) i RETURNING id`,
      [n],
    );
    const memberIds = members.map((m) => m.id).sort();
    const node = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: `GH node ${tag}`, ownerMemberId: memberIds[0], automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: `Greenhouse ${tag}`, kind: 'greenhouse', identifier: `GH-${tag}`, nodeId: node.body.id, totalParts: String(n), owners: [{ memberId: memberIds[0], parts: String(n) }] })
        .expect(201)
    ).body;
    await t.db.query('DELETE FROM asset_shares WHERE asset_id = $1', [asset.id]);
    await t.db.query(`INSERT INTO asset_shares (asset_id, member_id, parts, output_parts) SELECT $1, unnest($2::uuid[]), 1, 1`, [asset.id, memberIds]);
    await t.http
      .put(`/admin/assets/${asset.id}/catalogue`)
      .set(auth)
      .send({ timeZone: 'UTC', quarterlyCapacity: 10 * n, capacityUnit: 'm2', products: [{ id: 'salad', name: 'Salad', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }], ...(orderWindow ? { orderWindow } : {}) })
      .expect(200);
    return { assetId: asset.id as string, memberIds, nodeId: node.body.id as string };
  }
  const bearerOf = async (memberId: string) => `Bearer ${(await t.http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token}`;

  it('a quarter among 2,500 owners opens, prompts everyone in one batch, takes 2,100 order changes and answers each with the member’s own order only', async () => {
    // A window open now: it opens 120 days before the quarter and closes on its first day.
    const rule = { openDaysBefore: 120, closeDaysBefore: 0, closeHour: 23 };
    const { assetId, memberIds } = await crowdAsset(2500, rule);
    const started = await t.http.post(`/admin/assets/${assetId}/order-cycle`).set(auth).send({}).expect(200);
    const quarter = nextOpenQuarter(new Date(), 'UTC', rule);
    expect(started.body.quarter).toBe(quarter);
    await eventually(async () => {
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM mail_outbox WHERE key LIKE $1`, [`order:${assetId}:${quarter}:opened:%`]);
      return Number(n) === 2500;
    }, 120_000);

    const [ann, ben] = [await bearerOf(memberIds[0]), await bearerOf(memberIds[1])];
    const order = (bearer: string, quantity: number, standing = false) =>
      t.http.post(`/members/me/assets/${assetId}/orders`).set('Authorization', bearer).send({ lines: [{ productId: 'salad', quantity }], standing });
    // More changes than Temporal takes Updates in one run; each answer is the member's own order.
    for (let i = 1; i <= 2100; i++) {
      const r = await order(i % 2 ? ann : ben, i);
      expect(r.status).toBe(200);
      if (i % 500 === 0) {
        expect(Object.keys(r.body).sort()).toEqual(['assetId', 'effectiveOrder', 'myOrder', 'quarter', 'standingOrder', 'status', 'window']);
        expect(r.body.myOrder).toMatchObject({ lines: [{ productId: 'salad', quantity: i }] });
        expect(JSON.stringify(r.body).length).toBeLessThan(1500);
      }
    }
    // The last order of each counts; others' orders are not shown.
    const mine = await t.http.get(`/members/me/assets/${assetId}/orders`).set('Authorization', ann).expect(200);
    expect(mine.body).toMatchObject({ quarter, status: 'open', myOrder: { lines: [{ productId: 'salad', quantity: 2099 }] } });
    expect(JSON.stringify(mine.body)).not.toContain(memberIds[1]);
    // Bad input: a product not in the catalogue, text PostgreSQL cannot store, an outsider.
    const unknown = await t.http.post(`/members/me/assets/${assetId}/orders`).set('Authorization', ann).send({ lines: [{ productId: 'melons', quantity: 1 }] }).expect(400);
    expect(unknown.body.detail).toContain('unknown product melons');
    await t.http.post(`/members/me/assets/${assetId}/orders`).set('Authorization', ann).send({ lines: [{ productId: 'sal\u0000ad', quantity: 1 }] }).expect(400);
    const outsider = await member('Outsider');
    await t.http.post(`/members/me/assets/${assetId}/orders`).set('Authorization', outsider.bearer).send({ lines: [] }).expect(403);

    // The cycle's history: no Updates, a few activities, never more than a few at a time.
    const h = t.sys.temporal.workflow.getHandle(`asset-${assetId}-orders`);
    const events = (await h.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect(maxPendingActivities(events)).toBeLessThanOrEqual(2);
    expect(workflowStepEvents(events).length).toBeLessThan(40);
    await h.terminate('test over');
  }, 600_000);

  it('keeps orders in PostgreSQL: the last order counts, a standing order carries to the next quarter, the close refuses late orders, the plan allocates', async () => {
    const { assetId, memberIds, nodeId } = await crowdAsset(3);
    const [a, b, c] = memberIds;
    const [ba, bb] = [await bearerOf(a), await bearerOf(b)];
    const orders = t.sys.worker!.get(OrderActivities);
    const act = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn);
    const now = Date.now();
    // Two synthetic quarters far ahead, each with a window open now (as the workflow opens them).
    const windowOf = (quarter: string) => ({ quarter, opensAt: new Date(now - 3_600_000).toISOString(), closesAt: new Date(now + 86_400_000).toISOString(), startsAt: new Date(now + 2 * 86_400_000).toISOString(), timeZone: 'UTC' });
    const order = (bearer: string, quantity: number, standing: boolean) =>
      t.http.post(`/members/me/assets/${assetId}/orders`).set('Authorization', bearer).send({ lines: [{ productId: 'salad', quantity }], standing });

    expect(await act(() => orders.openQuarterOrders({ assetId, quarter: '2031-Q1', window: windowOf('2031-Q1'), standingOrders: {} }))).toMatchObject({ owners: 3, nodeId });
    await order(ba, 4, true).expect(200); // standing: it stays for later quarters
    await order(bb, 9, false).expect(200);
    const last = await order(bb, 5, false).expect(200); // the last order counts
    expect(last.body).toMatchObject({ quarter: '2031-Q1', myOrder: { standing: false, lines: [{ productId: 'salad', quantity: 5 }] }, effectiveOrder: { lines: [{ quantity: 5 }] } });
    expect(await act(() => orders.queueOrderMail({ assetId, quarter: '2031-Q1', kind: 'reminder' }))).toMatchObject({ queued: 1 }); // only c has not ordered
    // The web app's pages read the rows: the order page shows a's own order, the agenda that she ordered.
    const page = await t.http.get(`/members/me/assets/${assetId}/order-window`).set('Authorization', ba).expect(200);
    expect(page.body).toMatchObject({ quarter: '2031-Q1', status: 'open', myOrder: { standing: true, lines: [{ productId: 'salad', quantity: 4 }] }, standingOrder: null });
    const agenda = await t.http.get('/members/me/agenda').set('Authorization', bb).expect(200);
    expect(agenda.body.orderWindows).toEqual([expect.objectContaining({ assetId, quarter: '2031-Q1', ordered: true })]);

    await act(() => orders.closeQuarterOrders({ assetId, quarter: '2031-Q1' }));
    const late = await order(ba, 1, true).expect(409);
    expect(late.body.code).toBe('order_window_closed');
    const q1 = await act(() => orders.planQuarter({ assetId, quarter: '2031-Q1' }));
    expect(q1).toMatchObject({ lines: 2, granted: 9 });
    expect(await act(() => orders.planQuarter({ assetId, quarter: '2031-Q1' }))).toEqual(q1); // idempotent
    // Every owner is told what they get, with a link to the order page (which signs them in).
    expect(await act(() => orders.queueOrderMail({ assetId, quarter: '2031-Q1', kind: 'allocated' }))).toMatchObject({ queued: 3 });
    const [allocated] = await t.db.query<{ text: string }>(`SELECT body_text AS text FROM mail_outbox WHERE key = $1`, [`order:${assetId}:2031-Q1:allocated:${b}`]);
    expect(allocated.text).toContain('Salad: 5 crate of the 5 you asked for');
    expect(allocated.text).toMatch(new RegExp(`/assets/${assetId}/orders#link=`));

    // Next quarter: a's standing order carries; b's did not stand; c never ordered.
    await act(() => orders.openQuarterOrders({ assetId, quarter: '2031-Q2', window: windowOf('2031-Q2'), standingOrders: {} }));
    const view = await t.http.get(`/members/me/assets/${assetId}/orders`).set('Authorization', ba).expect(200);
    expect(view.body).toMatchObject({ quarter: '2031-Q2', status: 'open', myOrder: null, standingOrder: { lines: [{ quantity: 4 }] }, effectiveOrder: { lines: [{ quantity: 4 }] } });
    const page2 = await t.http.get(`/members/me/assets/${assetId}/order-window`).set('Authorization', ba).expect(200);
    expect(page2.body).toMatchObject({ quarter: '2031-Q2', myOrder: null, standingOrder: { standing: true, lines: [{ quantity: 4 }] }, lastAllocation: { quarter: '2031-Q1', asked: 4, got: 4 } });
    expect(await act(() => orders.queueOrderMail({ assetId, quarter: '2031-Q2', kind: 'reminder' }))).toMatchObject({ queued: 2 }); // b and c
    await act(() => orders.closeQuarterOrders({ assetId, quarter: '2031-Q2' }));
    await act(() => orders.planQuarter({ assetId, quarter: '2031-Q2' }));
    const plans = await t.http.get(`/admin/assets/${assetId}/plans`).set(auth).expect(200);
    const byQuarter = Object.fromEntries(plans.body.quarters.map((p: { quarter: string; lines: unknown[] }) => [p.quarter, p.lines]));
    expect(byQuarter['2031-Q1']).toEqual(expect.arrayContaining([expect.objectContaining({ memberId: a, granted: 4 }), expect.objectContaining({ memberId: b, granted: 5 })]));
    expect(byQuarter['2031-Q2']).toEqual([expect.objectContaining({ memberId: a, productId: 'salad', requested: 4, granted: 4 })]);
    expect(c).toBeDefined();

    // A quarter opened before orders moved to PostgreSQL (its row says so) takes orders through the
    // cycle's workflow, never into rows: here no cycle runs, so the answer says that.
    await t.db.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at) VALUES ($1, '2031-Q3', 'open', now() - interval '1 hour', now() + interval '1 day', now() + interval '2 days')`,
      [assetId],
    );
    expect((await order(ba, 1, false).expect(409)).body.code).toBe('no_order_cycle');
    expect(await t.db.query(`SELECT 1 FROM output_orders WHERE asset_id = $1 AND quarter = '2031-Q3'`, [assetId])).toEqual([]);
  });
});
