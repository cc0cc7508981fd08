/**
 * Recipes, production flows and hand-offs over HTTP (the API side: rows, views and refusals; the
 * flow's workflow runs them elsewhere): a recipe with a cycle, an unknown input or a unit mismatch
 * is a 422 `invalid_recipe` naming the steps, with nothing saved; a flow is refused with a clear
 * 4xx for a bad due date, unknown references or no carrier, and otherwise written with its
 * backward plan and started once per Idempotency-Key; a hand-off (its lot and row written here as
 * the workflow would) is answered only by its receiver, never with more than was sent, the same
 * answer twice is 200 and a different one 409; lots are traced for the coordinator and the members
 * who touched them; late steps show as the project's blockers.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FLOW_WORKFLOW_TYPE } from '@app/contracts';
import { ADMIN_TOKEN, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const DAY = 86_400_000;

const shelf = (name: string) => ({
  name,
  steps: [
    { key: 'cut', capability: 'cnc-milling', produces: { item: 'board', unit: 'pcs' }, inputs: [], scrapRate: 0.1, leadTimeHours: 24 },
    { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'cut', perUnit: 4, unit: 'pcs' }], leadTimeHours: 8 },
  ],
});

describe('recipes, flows and hand-offs over HTTP', () => {
  const t = useTestSystem({ worker: false });
  let seq = 0;
  const db = () => t.sys.api.get(DataSource);
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body;
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: m.id as string, bearer: `Bearer ${token}` };
  };
  const node = async (name: string, ownerMemberId: string, fn: string, extra: object = {}) => {
    const n = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId, automationLevel: 'manual', capabilities: [{ function: fn, capacity: 10, unit: 'parts/week' }], webhookUrl: 'http://127.0.0.1:9/hook', ...extra })
        .expect(201)
    ).body;
    const token = (await t.http.post(`/admin/nodes/${n.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: n.id as string, bearer: `Bearer ${token}`, body: n };
  };

  it('refuses a recipe with a cycle, an unknown input or a unit mismatch, naming the steps; saves a valid one as the next version of its name', async () => {
    const cyclic = {
      name: 'Loop',
      steps: [
        { key: 'a', capability: 'cnc-milling', produces: { item: 'x', unit: 'pcs' }, inputs: [{ step: 'c', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
        { key: 'b', capability: 'cnc-milling', produces: { item: 'y', unit: 'pcs' }, inputs: [{ step: 'a', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
        { key: 'c', capability: 'cnc-milling', produces: { item: 'z', unit: 'pcs' }, inputs: [{ step: 'b', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
        { key: 'out', capability: 'assembly', produces: { item: 'w', unit: 'pcs' }, inputs: [{ step: 'c', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
      ],
    };
    const validated = await t.http.post('/admin/recipes/validate').set(auth).send(cyclic).expect(200);
    expect(validated.body.problems.map((p: { code: string }) => p.code)).toContain('cycle');
    const r = await t.http.post('/admin/recipes').set(auth).send(cyclic).expect(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body.code).toBe('invalid_recipe');
    const cycle = r.body.problems.find((p: { code: string }) => p.code === 'cycle');
    expect(cycle.step).toMatch(/^[abc]$/);
    expect(cycle.detail).toMatch(/a.*b.*c|b.*c.*a|c.*a.*b/);
    expect(r.body.errors.find((e: { code: string }) => e.code === 'cycle').field).toMatch(/^steps\.[012]$/);

    const base = shelf('Broken shelf');
    const unknown = { ...base, steps: [base.steps[0], { ...base.steps[1], inputs: [{ step: 'sand', perUnit: 4, unit: 'pcs' }] }] };
    const u = await t.http.post('/admin/recipes').set(auth).send(unknown).expect(422);
    expect(u.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'unknown_input', step: 'assemble' })]));
    const mismatch = { ...base, steps: [base.steps[0], { ...base.steps[1], inputs: [{ step: 'cut', perUnit: 4, unit: 'kg' }] }] };
    const m = await t.http.post('/admin/recipes').set(auth).send(mismatch).expect(422);
    expect(m.body.problems).toEqual([expect.objectContaining({ code: 'unit_mismatch', step: 'assemble' })]);
    expect(m.body.errors).toEqual([expect.objectContaining({ field: 'steps.1', code: 'unit_mismatch' })]);
    // A malformed step is a 400 naming the field.
    const bad = await t.http.post('/admin/recipes').set(auth).send({ ...base, steps: [{ ...base.steps[0], key: 'Cut It' }, base.steps[1]] }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('steps.0.key');
    expect((await t.http.get('/admin/recipes').query({ name: 'Broken shelf' }).set(auth).expect(200)).body.total).toBe(0);

    const v1 = await t.http.post('/admin/recipes').set(auth).set('Idempotency-Key', 'recipe-e2e-1').send(shelf('Oak shelf')).expect(201);
    expect(v1.body).toMatchObject({ name: 'Oak shelf', version: 1, definition: shelf('Oak shelf') });
    const replay = await t.http.post('/admin/recipes').set(auth).set('Idempotency-Key', 'recipe-e2e-1').send(shelf('Oak shelf')).expect(201);
    expect(replay.body.id).toBe(v1.body.id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await t.http.post('/admin/recipes').set(auth).set('Idempotency-Key', 'recipe-e2e-1').send(shelf('Pine shelf')).expect(409)).body.code).toBe('idempotency_key_reused');
    const v2 = await t.http.post('/admin/recipes').set(auth).send(shelf('Oak shelf')).expect(201);
    expect(v2.body.version).toBe(2);
    expect((await t.http.get(`/admin/recipes/${v1.body.id}`).set(auth).expect(200)).body.version).toBe(1);
    expect((await t.http.get(`/admin/recipes/${randomUUID()}`).set(auth).expect(404)).body.code).toBe('not_found');
  });

  it('transport nodes declare flow types and served locations that exist', async () => {
    const co = await member('Co');
    const loc = (await t.http.post('/admin/locations').set(auth).send({ name: 'Depot', kind: 'warehouse', address: 'Dock 1' }).expect(201)).body;
    const body = { name: 'Van', ownerMemberId: co.id, automationLevel: 'manual', capabilities: [{ function: 'transport', capacity: 5, unit: 'trips/week' }], webhookUrl: 'http://127.0.0.1:9/hook' };
    const ghost = randomUUID();
    const unknown = await t.http.post('/admin/nodes').set(auth).send({ ...body, flowTypes: ['crate'], servedLocationIds: [loc.id, ghost] }).expect(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_location', errors: [{ field: 'servedLocationIds.1' }] });
    expect((await t.http.post('/admin/nodes').set(auth).send({ ...body, flowTypes: ['Cold Chain'] }).expect(400)).body.errors[0].field).toBe('flowTypes');
    const van = (await t.http.post('/admin/nodes').set(auth).send({ ...body, flowTypes: ['crate'], servedLocationIds: [loc.id] }).expect(201)).body;
    expect(van).toMatchObject({ flowTypes: ['crate'], servedLocationIds: [loc.id] });
    const changed = (await t.http.patch(`/admin/nodes/${van.id}`).set(auth).send({ flowTypes: ['crate', 'cold-chain'] }).expect(200)).body;
    expect(changed).toMatchObject({ flowTypes: ['crate', 'cold-chain'], servedLocationIds: [loc.id] });
    expect((await t.http.patch(`/admin/nodes/${van.id}`).set(auth).send({ servedLocationIds: [ghost] }).expect(422)).body.code).toBe('unknown_location');
  });

  it('a flow: refused with clear 4xx (nothing written), else written with its backward plan and started once; hand-offs answered by their receiver only; lots traced', async () => {
    const [rita, mo, co, eve, kay] = [await member('Rita'), await member('Mo'), await member('Co'), await member('Eve'), await member('Kay')];
    const maker = await node('Maker', mo.id, 'cnc-milling');
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Shelving', description: 'Shelves for the fab lab.' }).expect(201)).body;
    const recipe = (await t.http.post('/admin/recipes').set(auth).send(shelf(`Shelf ${randomUUID()}`)).expect(201)).body;
    const dueAt = new Date(Date.now() + 14 * DAY).toISOString();
    const flow = { recipeId: recipe.id, quantity: 10, dueAt, recipient: { type: 'member', id: rita.id }, demand: { type: 'project', id: project.id } };
    const post = (body: object, key?: string) => {
      const req = t.http.post('/admin/flows').set(auth);
      return (key ? req.set('Idempotency-Key', key) : req).send(body);
    };

    // Malformed: 400 naming the field.
    for (const [body, field] of [
      [{ ...flow, dueAt: 'next tuesday' }, 'dueAt'],
      [{ ...flow, dueAt: new Date(Date.now() + 60_000).toISOString() }, 'dueAt'],
      [{ ...flow, quantity: 0 }, 'quantity'],
      [{ ...flow, recipe: shelf('Inline') }, 'recipeId'],
      [{ ...flow, recipient: { type: 'pickup', memberId: rita.id } }, 'recipient.pickupPointId'],
    ] as const) {
      const r = await post(body).expect(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Unknown references: 404 naming the field.
    for (const [body, code, field] of [
      [{ ...flow, recipeId: randomUUID() }, 'unknown_recipe', 'recipeId'],
      [{ ...flow, demand: { type: 'project', id: randomUUID() } }, 'unknown_demand', 'demand.id'],
      [{ ...flow, demand: { type: 'order', id: randomUUID() } }, 'unknown_demand', 'demand.id'],
      [{ ...flow, recipient: { type: 'member', id: randomUUID() } }, 'unknown_recipient', 'recipient.id'],
      [{ ...flow, recipient: { type: 'node', id: randomUUID() } }, 'unknown_recipient', 'recipient.id'],
      [{ ...flow, recipient: { type: 'pickup', pickupPointId: randomUUID(), memberId: rita.id } }, 'unknown_pickup_point', 'recipient.pickupPointId'],
    ] as const) {
      const r = await post(body).expect(404);
      expect(r.body).toMatchObject({ code, errors: [{ field }] });
    }
    // A recipe written for the flow is validated like a saved one.
    const loop = { ...shelf('Loop'), steps: [{ ...shelf('Loop').steps[0], inputs: [{ step: 'assemble', perUnit: 1, unit: 'shelves' }] }, shelf('Loop').steps[1]] };
    const invalid = await post({ ...flow, recipeId: undefined, recipe: loop }).expect(422);
    expect(invalid.body.code).toBe('invalid_recipe');
    expect(invalid.body.problems.map((p: { code: string }) => p.code)).toContain('cycle');
    expect(invalid.body.errors[0].field).toMatch(/^recipe\.steps\.[01]$/);
    // No active transport node carries a flow type the recipe needs (a van carries crates; nobody pallets).
    const palleted = { ...shelf('Pallet shelf'), steps: [{ ...shelf('x').steps[0], flowType: 'pallet' }, shelf('x').steps[1]] };
    expect((await post({ ...flow, recipeId: undefined, recipe: palleted }).expect(422)).body).toMatchObject({ code: 'no_carrier', flowTypes: ['pallet'] });
    const carrier = await node('Carrier', co.id, 'transport', { flowTypes: ['crate'] });
    expect((await t.http.get('/admin/flows').query({ demandType: 'project', demandId: project.id }).set(auth).expect(200)).body.total).toBe(0);

    // Written with its plan and started once per key.
    const created = await post(flow, 'flow-e2e-1').expect(201);
    const f = created.body;
    expect(f).toMatchObject({ recipeId: recipe.id, quantity: 10, unit: 'shelves', status: 'running', recipient: { type: 'member', id: rita.id }, demand: { type: 'project', id: project.id }, legs: [], handoffs: [] });
    expect(f.steps.map((s: { key: string; goodQuantity: number; startQuantity: number }) => [s.key, s.goodQuantity, s.startQuantity])).toEqual([
      ['cut', 40, 45],
      ['assemble', 10, 10],
    ]);
    expect(Date.parse(f.steps[0].plannedDoneAt)).toBeLessThanOrEqual(Date.parse(f.steps[1].plannedStartAt));
    expect(Date.parse(f.steps[1].plannedDoneAt)).toBeLessThan(Date.parse(dueAt));
    const again = await post(flow, 'flow-e2e-1').expect(201);
    expect(again.body.id).toBe(f.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await post({ ...flow, quantity: 11 }, 'flow-e2e-1').expect(409)).body.code).toBe('idempotency_key_reused');
    const described = await t.sys.temporal.workflow.getHandle(`flow-${f.id}`).describe();
    expect(described.type).toBe(FLOW_WORKFLOW_TYPE);
    expect((await t.http.get(`/admin/flows/${f.id}`).set(auth).expect(200)).body.steps).toHaveLength(2);
    expect((await t.http.get('/admin/flows').query({ demandType: 'project', demandId: project.id }).set(auth).expect(200)).body).toMatchObject({ total: 1, items: [{ id: f.id, steps: 2, stepsDone: 0 }] });
    expect((await t.http.get(`/admin/flows/${randomUUID()}`).set(auth).expect(404)).body.code).toBe('not_found');
    expect((await t.http.get('/admin/flows/not-a-uuid').set(auth).expect(400)).body.errors[0].field).toBe('id');

    // The flow's workflow would make a lot and hand it over: here, its rows by hand.
    const [{ id: lotId }] = (await db().query(
      `INSERT INTO lots (flow_id, step_key, item, unit, quantity, made_by_node_id, job_id, run, holder_type, holder_id) VALUES ($1, 'cut', 'board', 'pcs', 45, $2, $3, 1, 'node', $2) RETURNING id`,
      [f.id, maker.id, randomUUID()],
    )) as Array<{ id: string }>;
    const [{ id: handoffId }] = (await db().query(
      `INSERT INTO handoffs (flow_id, lot_id, from_type, from_id, to_type, to_id, confirmer_member_id, quantity_sent) VALUES ($1, $2, 'node', $3, 'node', $4, $5, 45) RETURNING id`,
      [f.id, lotId, maker.id, carrier.id, co.id],
    )) as Array<{ id: string }>;
    const answer = (bearer: string, body: object, as: 'node' | 'member' = 'node') => t.http.post(`/${as === 'node' ? 'nodes' : 'members'}/me/handoffs/${handoffId}/answer`).set('Authorization', bearer).send(body);

    expect((await t.http.get('/nodes/me/handoffs').query({ status: 'pending' }).set('Authorization', carrier.bearer).expect(200)).body).toMatchObject({ total: 1, items: [{ id: handoffId, from: { name: 'Maker' }, to: { name: 'Carrier' }, quantitySent: 45 }] });
    expect((await t.http.get('/nodes/me/handoffs').set('Authorization', maker.bearer).expect(200)).body.total).toBe(0);
    expect((await t.http.get('/members/me/handoffs').set('Authorization', co.bearer).expect(200)).body.total).toBe(1);
    // Not the receiver: the maker node, a stranger member; nothing written.
    expect((await answer(maker.bearer, { accepted: true }).expect(403)).body.code).toBe('not_receiver');
    expect((await answer(eve.bearer, { accepted: true }, 'member').expect(403)).body.code).toBe('not_receiver');
    expect((await answer(carrier.bearer, { accepted: true, quantityReceived: 46 }).expect(422)).body).toMatchObject({ code: 'more_than_sent', quantitySent: '45', quantityReceived: '46' });
    expect((await answer(carrier.bearer, { accepted: false }).expect(400)).body.errors[0].field).toBe('reason');
    expect((await answer(carrier.bearer, { accepted: 'yes' }).expect(400)).body.errors[0].field).toBe('accepted');
    expect((await t.http.post(`/nodes/me/handoffs/${randomUUID()}/answer`).set('Authorization', carrier.bearer).send({ accepted: true }).expect(404)).body.code).toBe('not_found');
    expect((await t.http.get(`/admin/flows/${f.id}`).set(auth).expect(200)).body.handoffs[0]).toMatchObject({ status: 'pending', answeredAt: null });

    // The carrier's answer is recorded and the flow told; the same answer again is 200, another 409.
    const accepted = await answer(carrier.bearer, { accepted: true, quantityReceived: 44, note: 'one board cracked' }).expect(200);
    expect(accepted.body).toMatchObject({ id: handoffId, status: 'accepted', quantityReceived: 44, note: 'one board cracked' });
    expect((await answer(carrier.bearer, { accepted: true, quantityReceived: 44 }).expect(200)).body.answeredAt).toBe(accepted.body.answeredAt);
    expect((await answer(co.bearer, { accepted: true, quantityReceived: 44 }, 'member').expect(200)).body.status).toBe('accepted');
    expect((await answer(carrier.bearer, { accepted: false, reason: 'wet' }).expect(409)).body).toMatchObject({ code: 'handoff_answered', status: 409, answer: 'accepted', quantityReceived: '44' });
    expect((await answer(carrier.bearer, { accepted: true }).expect(409)).body.code).toBe('handoff_answered');
    const history = await t.sys.temporal.workflow.getHandle(`flow-${f.id}`).fetchHistory();
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'handoffAnswered') ?? [];
    expect(signals).toHaveLength(1);

    // Traced by the coordinator, by the carrier's owner and the maker's owner; not by a stranger.
    const trace = (await t.http.get(`/admin/lots/${lotId}/trace`).set(auth).expect(200)).body;
    expect(trace).toMatchObject({ lot: { id: lotId, status: 'received', madeBy: { nodeId: maker.id, nodeName: 'Maker' }, handoffs: [{ id: handoffId, status: 'accepted' }] }, backward: [], forward: [] });
    expect((await t.http.get(`/members/me/lots/${lotId}/trace`).set('Authorization', co.bearer).expect(200)).body.lot.id).toBe(lotId);
    expect((await t.http.get(`/members/me/lots/${lotId}/trace`).set('Authorization', mo.bearer).expect(200)).body.lot.id).toBe(lotId);
    expect((await t.http.get(`/members/me/lots/${lotId}/trace`).set('Authorization', eve.bearer).expect(404)).body.code).toBe('not_found');
    expect((await t.http.get(`/admin/lots/${randomUUID()}/trace`).set(auth).expect(404)).body.code).toBe('not_found');
    // The flow for its recipient; not for a stranger.
    expect((await t.http.get(`/members/me/flows/${f.id}`).set('Authorization', rita.bearer).expect(200)).body.id).toBe(f.id);
    expect((await t.http.get(`/members/me/flows/${f.id}`).set('Authorization', eve.bearer).expect(404)).body.code).toBe('not_found');

    // A pickup point of a location as the recipient.
    const loc = (await t.http.post('/admin/locations').set(auth).send({ name: 'Market hall', kind: 'other', address: 'Square 1' }).expect(201)).body;
    expect((await t.http.post(`/admin/locations/${loc.id}/pickup-points`).set(auth).send({ name: 'Desk', keeperMemberId: kay.id, days: ['someday'] }).expect(400)).body.errors[0].field).toMatch(/^days/);
    expect((await t.http.post(`/admin/locations/${randomUUID()}/pickup-points`).set(auth).send({ name: 'Desk', keeperMemberId: kay.id, days: ['tue'] }).expect(404)).body.code).toBe('not_found');
    const point = (await t.http.post(`/admin/locations/${loc.id}/pickup-points`).set(auth).send({ name: 'Desk', keeperMemberId: kay.id, days: ['tue', 'fri'], hours: '16-19' }).expect(201)).body;
    expect(point).toMatchObject({ locationId: loc.id, keeperMemberId: kay.id, keeperName: 'Kay', days: ['tue', 'fri'], status: 'active' });
    expect((await t.http.get(`/admin/locations/${loc.id}/pickup-points`).set(auth).expect(200)).body).toHaveLength(1);
    const picked = (await post({ ...flow, recipient: { type: 'pickup', pickupPointId: point.id, memberId: rita.id } }).expect(201)).body;
    expect(picked.recipient).toEqual({ type: 'pickup', pickupPointId: point.id, memberId: rita.id });

    // A late step is the project's blocker.
    expect((await t.http.get(`/admin/projects/${project.id}`).set(auth).expect(200)).body.blockedOn.filter((b: { flowId?: string }) => b.flowId)).toEqual([]);
    await db().query(`UPDATE flow_steps SET planned_done_at = now() - interval '5 hours 10 minutes', node_id = $2 WHERE flow_id = $1 AND step_key = 'cut'`, [f.id, maker.id]);
    const blockers = (await t.http.get(`/admin/projects/${project.id}`).set(auth).expect(200)).body.blockedOn.filter((b: { flowId?: string }) => b.flowId);
    expect(blockers).toEqual([expect.objectContaining({ party: 'node', id: maker.id, flowId: f.id, stepKey: 'cut', what: expect.stringMatching(/^step `cut` of flow Shelf .* is late by 5 h$/) })]);
    expect((await t.http.get(`/admin/flows/${f.id}`).set(auth).expect(200)).body.steps[0].lateByMs).toBeGreaterThanOrEqual(5 * 3_600_000);
  });
});
