/**
 * A production flow end to end with real HTTP: a maker (cnc-milling, workshop A), a carrier
 * (transport of crates between A and B) and an assembler (fab lab B) each run the reference
 * receiver, which accepts offers and answers hand-offs through the node API. The flow's two
 * steps are offered in order, the cut parts travel A → B on a transport leg, the assembled
 * shelves are handed to the member, who confirms with her own token after the email; the output
 * lot's trace runs back through every node and carrier that touched it, and forward from the cut
 * parts to the member.
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('production flow: maker → carrier → assembler → member, traced', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let seq = 0;

  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { ...m, bearer: { Authorization: `Bearer ${token}` } };
  };
  const location = async (name: string) => (await t.http.post('/admin/locations').set(auth).send({ name, kind: 'industrial-park', address: `${name} 1, Leipzig` }).expect(201)).body.id as string;

  /** A node whose reference receiver accepts every offer and every hand-off through the node API. */
  const node = async (name: string, body: Json) => {
    const owner = await member(`${name}Owner`);
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: `${name} ${seq++}`, ownerMemberId: owner.id, automationLevel: 'automated', webhookUrl: 'https://placeholder.example/hook', ...body })
      .expect(201);
    const nodeId = created.body.id as string;
    const token = (await t.http.post(`/admin/nodes/${nodeId}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const events: Array<{ type: string; data: Json }> = [];
    const api = { apiUrl: receivers.api, token };
    const receiver = createReceiver({
      secrets: [created.body.webhookSecret],
      onEvent: (e) => void events.push(e),
      answerOffers: { ...api, decide: () => 'accept' },
      answerHandoffs: { ...api, decide: () => ({ accepted: true, note: `checked at ${name}` }) },
      log: () => undefined,
    });
    await t.http.patch(`/admin/nodes/${nodeId}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);
    return { owner, nodeId, bearer: { Authorization: `Bearer ${token}` }, events };
  };

  it('makes, carries, assembles and delivers; every hand-off is confirmed by its receiver; the lot traces back and forward', async () => {
    const a = await location(`Workshop A ${seq++}`);
    const b = await location(`Fab lab B ${seq++}`);
    const maker = await node('Maker', { locationId: a, capabilities: [{ function: 'cnc-milling-flow', capacity: 100, unit: 'parts/day' }] });
    const assembler = await node('Assembler', { locationId: b, capabilities: [{ function: 'assembly-flow', capacity: 50, unit: 'parts/day' }] });
    const carrier = await node('Carrier', { locationId: a, capabilities: [{ function: 'transport', capacity: 10, unit: 'crates/day' }], flowTypes: ['crate'], servedLocationIds: [a, b] });
    const mia = await member('Mia');
    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: `Shelves ${seq++}` }).expect(201)).body.id as string;

    const recipe = {
      name: `Shelf ${seq++}`,
      steps: [
        { key: 'cut', capability: 'cnc-milling-flow', produces: { item: 'shelf-side', unit: 'pcs' }, inputs: [], leadTimeHours: 48, flowType: 'crate', specUrl: 'https://designs.example.org/side.step' },
        { key: 'assemble', capability: 'assembly-flow', produces: { item: 'shelf', unit: 'pcs' }, inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }], leadTimeHours: 24 },
      ],
    };
    const created = await t.http
      .post('/admin/flows')
      .set(auth)
      .set('Idempotency-Key', `flow-${projectId}`)
      .send({ recipe, quantity: 5, dueAt: new Date(Date.now() + 10 * 24 * 3_600_000).toISOString(), recipient: { type: 'member', id: mia.id }, demand: { type: 'project', id: projectId } })
      .expect(201);
    const flowId = created.body.id as string;
    // Planned backwards: the cut is due before the assembly starts.
    const planned = created.body.steps as Json[];
    const cutPlan = planned.find((s) => s.key === 'cut')!;
    const assemblePlan = planned.find((s) => s.key === 'assemble')!;
    expect(cutPlan).toMatchObject({ goodQuantity: 10, startQuantity: 10 });
    expect(Date.parse(cutPlan.plannedDoneAt)).toBeLessThan(Date.parse(assemblePlan.plannedStartAt));
    const flow = async () => (await t.http.get(`/admin/flows/${flowId}`).set(auth).expect(200)).body as Json;
    const step = async (key: string) => ((await flow()).steps as Json[]).find((s) => s.key === key)!;

    // The maker takes the cut and makes 10 sides.
    const cut = await eventually(async () => {
      const s = await step('cut');
      return s.status === 'accepted' && s.jobId ? s : undefined;
    }, 30_000);
    expect(cut.nodeId).toBe(maker.nodeId);
    expect((await step('assemble')).status).toBe('waiting'); // not offered before its input is made
    await t.http.post(`/nodes/me/jobs/${cut.jobId}/complete`).set(maker.bearer).send({ made: 10, scrapped: 0 }).expect(200);

    // The assembly is offered once the sides exist; the assembler (another location) takes it, and a leg A → B goes to the carrier.
    await eventually(async () => ((await step('assemble')).status === 'accepted' ? true : undefined), 30_000);
    const legOf = async (fromStep: string) => ((await flow()).legs as Json[]).find((l) => l.fromStep === fromStep);
    const leg = await eventually(async () => {
      const l = await legOf('cut');
      return l && l.status === 'accepted' && l.jobId ? l : undefined;
    }, 30_000);
    expect(leg).toMatchObject({ fromStep: 'cut', toStep: 'assemble', fromLocationId: a, toLocationId: b, carrierNodeId: carrier.nodeId, quantity: 10, flowType: 'crate' });
    // The carrier confirmed the pickup (its receiver answered `handoff.requested`): the maker's job is confirmed.
    await eventually(async () => ((await t.http.get(`/admin/jobs/${cut.jobId}`).set(auth).expect(200)).body.status === 'confirmed' ? true : undefined), 30_000);
    // The carrier delivers; the assembler confirms receipt.
    await t.http.post(`/nodes/me/jobs/${leg.jobId}/complete`).set(carrier.bearer).send({ made: 10, scrapped: 0 }).expect(200);
    await eventually(async () => ((await legOf('cut'))?.status === 'received' ? true : undefined), 30_000);

    // The assembler makes 5 shelves. Mia has no location of record: the carrier takes them to her door (a second leg).
    const assemble = await step('assemble');
    expect(assemble.nodeId).toBe(assembler.nodeId);
    await t.http.post(`/nodes/me/jobs/${assemble.jobId}/complete`).set(assembler.bearer).send({ made: 5, scrapped: 0 }).expect(200);
    const last = await eventually(async () => {
      const l = await legOf('assemble');
      return l && l.status === 'picked-up' && l.jobId ? l : undefined;
    }, 30_000);
    expect(last).toMatchObject({ toStep: null, fromLocationId: b, carrierNodeId: carrier.nodeId, quantity: 5 });
    await t.http.post(`/nodes/me/jobs/${last.jobId}/complete`).set(carrier.bearer).send({ made: 5, scrapped: 0 }).expect(200);
    // Mia is told by email and confirms with her own token.
    await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(mia.email) && m.subject.startsWith('Hand-off: 5 pcs of shelf')), 30_000);
    const mine = await eventually(async () => {
      const list = (await t.http.get('/members/me/handoffs').set(mia.bearer).expect(200)).body as Json;
      const items = (Array.isArray(list) ? list : list.items) as Json[];
      return items.find((h) => h.status === 'pending');
    }, 30_000);
    expect(mine).toMatchObject({ quantitySent: 5, from: { type: 'node', id: carrier.nodeId }, to: { type: 'member', id: mia.id } });
    // Bad answers are refused and change nothing: more than was sent, and someone who is not the receiver.
    expect((await t.http.post(`/members/me/handoffs/${mine.id}/answer`).set(mia.bearer).send({ accepted: true, quantityReceived: 6 }).expect(422)).body.code).toBe('more_than_sent');
    expect((await t.http.post(`/members/me/handoffs/${mine.id}/answer`).set(maker.owner.bearer).send({ accepted: true, quantityReceived: 5 })).status).toBeGreaterThanOrEqual(403);
    await t.http.post(`/members/me/handoffs/${mine.id}/answer`).set(mia.bearer).send({ accepted: true, quantityReceived: 5, note: 'all five, well made' }).expect(200);
    const done = await eventually(async () => {
      const f = await flow();
      return f.status === 'delivered' ? f : undefined;
    }, 30_000);
    for (const s of done.steps as Json[]) {
      for (const k of ['offeredAt', 'acceptedAt', 'doneAt', 'receivedAt']) expect(s[k]).toEqual(expect.any(String));
    }

    // The trace of what Mia holds: back through the assembler, the carrier and the maker.
    const outputLot = mine.lotId as string;
    const trace = (await t.http.get(`/members/me/lots/${outputLot}/trace`).set(mia.bearer).expect(200)).body as Json;
    expect(trace.lot).toMatchObject({ id: outputLot, item: 'shelf', quantity: 5, status: 'delivered', madeBy: { nodeId: assembler.nodeId } });
    expect(trace.backward).toHaveLength(1);
    const sides = trace.backward[0] as Json;
    expect(sides).toMatchObject({ item: 'shelf-side', quantity: 10, madeBy: { nodeId: maker.nodeId } });
    expect((sides.handoffs as Json[]).map((h) => [h.from.id, h.to.id, h.status])).toEqual([
      [maker.nodeId, carrier.nodeId, 'accepted'],
      [carrier.nodeId, assembler.nodeId, 'accepted'],
    ]);
    expect((trace.lot.handoffs as Json[]).map((h) => [h.from.id, h.to.id, h.status, h.quantityReceived])).toEqual([
      [assembler.nodeId, carrier.nodeId, 'accepted', 5],
      [carrier.nodeId, mia.id, 'accepted', 5],
    ]);
    // Forward from the sides: into the shelves, delivered to Mia.
    const forward = (await t.http.get(`/admin/lots/${sides.id}/trace`).set(auth).expect(200)).body as Json;
    expect(forward.forward.map((l: Json) => [l.id, l.status])).toEqual([[outputLot, 'delivered']]);
    // Someone with nothing to do with the lot cannot read its trace.
    const stranger = await member('Stan');
    expect((await t.http.get(`/members/me/lots/${outputLot}/trace`).set(stranger.bearer)).status).toBe(404);

    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `flow-${flowId}`, scenario: 'flow-maker-carrier-assembler-e2e_v0.6.0' }]);
  });
});
