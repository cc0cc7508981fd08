/**
 * A node's owner runs the node from the web app's session, over HTTP against the real stack
 * (PostgreSQL, the Temporal dev server and worker, a real SMTP server for the sign-in link, a real
 * receiver for the node's webhooks): answers offers (accept, reject with a reason, counter),
 * reports progress and completion with documents, pings the endpoint, reads the attempts log,
 * rotates the secret, issues and revokes tokens. Writes without the CSRF token, another member, and
 * an operator acting on another node's job are refused and change nothing.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; onEvent?: (e: { id: string; type: string; data: Record<string, unknown> }) => number | void; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let seq = 0;

interface Session {
  cookie: string;
  csrf: string;
}

describe('node operator pages: the owner runs the node with the web session', () => {
  const t = useTestSystem({ mail: true });
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-op${seq++}@example.org` }).expect(201)).body as { id: string; email: string; name: string };

  async function signIn(email: string): Promise<Session> {
    await t.http.post('/session/sign-in-links').send({ email }).expect(202);
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(email) && m.subject === 'Your sign-in link for DPN'), 20_000);
    const link = /#link=([\w.-]+)/.exec(mail.text)![1];
    const res = await t.http.post('/session').send({ link }).expect(200);
    return { cookie: (res.headers['set-cookie'] as unknown as string[])[0].split(';')[0], csrf: res.body.csrfToken as string };
  }

  /** A node with a silent receiver (it takes webhooks; its owner answers from the pages). */
  async function node(name: string, ownerId: string, capability: string) {
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name, ownerMemberId: ownerId, automationLevel: 'conventional', capabilities: [{ function: capability, capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
      .expect(201);
    const events: Array<{ type: string; id: string }> = [];
    const server = createReceiver({ secrets: [created.body.webhookSecret], onEvent: (e) => void events.push(e), log: () => undefined });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await t.http.patch(`/admin/nodes/${created.body.id}`).set(auth).send({ webhookUrl: url }).expect(200);
    return { id: created.body.id as string, url, events, secret: created.body.webhookSecret as string };
  }

  const project = async () => (await t.http.post('/admin/projects').set(auth).send({ name: `Operated ${seq++}` }).expect(201)).body as { id: string; name: string };
  async function job(capability: string, recipientId: string, over: Record<string, unknown> = {}) {
    const p = await project();
    const id = (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({ capability, quantity: 12, unit: 'parts', specUrl: 'https://designs.example.org/hinge.step', dueAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), recipient: { type: 'member', id: recipientId }, demand: { type: 'project', id: p.id }, ...over })
        .expect(201)
    ).body.id as string;
    return { id, project: p };
  }
  const adminJob = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
  const offered = (id: string) => eventually(async () => ((await adminJob(id)).status === 'offered' ? adminJob(id) : undefined), 30_000);

  const get = (s: Session, path: string) => t.http.get(`/members/me/nodes${path}`).set('Cookie', s.cookie);
  const post = (s: Session, path: string, body: object = {}, csrf: string | null = s.csrf) => {
    const r = t.http.post(`/members/me/nodes${path}`).set('Cookie', s.cookie);
    return (csrf ? r.set('X-CSRF-Token', csrf) : r).send(body);
  };

  it('the owner sees the node and its offers, accepts one, reports progress and completes it with a document', async () => {
    const olga = await member('Olga');
    const rita = await member('Rita');
    const n = await node('Olga’s bench', olga.id, 'hinge-bending');
    const s = await signIn(olga.email);

    const mine = (await get(s, '').expect(200)).body.items;
    expect(mine).toEqual([expect.objectContaining({ id: n.id, name: 'Olga’s bench', wipLimit: 2, load: 0, openOffers: 0, webhookUrl: n.url })]);

    const { id, project: p } = await job('hinge-bending', rita.id);
    const j = await offered(id);
    const offerId = j.offers.at(-1).offerId as string;
    const work = (await get(s, `/${n.id}/work`).expect(200)).body;
    expect(work.offers.total).toBe(1);
    expect(work.offers.items[0]).toMatchObject({ id, status: 'offered', openOfferId: offerId, forWhat: p.name, quantity: 12, rework: false, documentsRequired: false });
    expect((await get(s, '').expect(200)).body.items[0].openOffers).toBe(1);

    // Without the page's CSRF token the session changes nothing.
    expect((await post(s, `/${n.id}/jobs/${id}/accept`, { offerId }, null).expect(403)).body.code).toBe('csrf_failed');
    expect((await adminJob(id)).status).toBe('offered');

    const accepted = (await post(s, `/${n.id}/jobs/${id}/accept`, { offerId }).expect(200)).body;
    expect(accepted).toMatchObject({ id, status: 'accepted', nodeId: n.id, openOfferId: null });
    await post(s, `/${n.id}/jobs/${id}/accept`, { offerId }).expect(200); // a repeat is harmless
    expect((await get(s, '').expect(200)).body.items[0]).toMatchObject({ load: 1, openOffers: 0 });

    const progressed = (await post(s, `/${n.id}/jobs/${id}/progress`, { percent: 40, note: 'bent 5 of 12' }).expect(200)).body;
    expect(progressed).toMatchObject({ status: 'in-progress', progress: { percent: 40, note: 'bent 5 of 12', reports: 1 } });
    // The job's own rules hold here too: at most 10 × the quantity made and scrapped.
    expect((await post(s, `/${n.id}/jobs/${id}/complete`, { made: 100, scrapped: 30 }).expect(400)).body.code).toBe('validation_failed');
    const doc = { title: 'Bending report', url: 'https://docs.example.org/bending.pdf', contentHash: `sha256:${'ab'.repeat(32)}` };
    const done = (await post(s, `/${n.id}/jobs/${id}/complete`, { made: 12, scrapped: 1, documents: [doc] }).expect(200)).body;
    expect(done).toMatchObject({ status: 'delivered', yield: { made: 12, scrapped: 1 }, runs: [expect.objectContaining({ made: 12, scrapped: 1, documents: [doc] })] });
    // The job's row follows its workflow within moments (the completion answers first).
    const after = await eventually(async () => {
      const w = (await get(s, `/${n.id}/work`).expect(200)).body;
      return w.delivered.total === 1 ? w : undefined;
    });
    expect(after.delivered.items.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(after.inHand.total).toBe(0);
    expect((await get(s, `/${n.id}/jobs/${id}`).expect(200)).body).toMatchObject({ id, status: 'delivered', leadTimes: { acceptedAt: expect.any(String), completedAt: expect.any(String) } });
  });

  it('rejects with a reason and counters an offer; another node’s job and another member’s node are 404s that change nothing', async () => {
    const pia = await member('Pia');
    const quinn = await member('Quinn');
    const rob = await member('Rob');
    const pias = await node('Pia’s press', pia.id, 'pressing');
    const quinns = await node('Quinn’s press', quinn.id, 'pressing-q');
    const sp = await signIn(pia.email);
    const sq = await signIn(quinn.email);

    // A job offered to Quinn's node: Pia acts on it through her own node, and through Quinn's.
    const { id: qJob } = await job('pressing-q', rob.id);
    const qOffer = (await offered(qJob)).offers.at(-1).offerId as string;
    const through = (await post(sp, `/${pias.id}/jobs/${qJob}/accept`, { offerId: qOffer }).expect(404)).body;
    expect(through).toMatchObject({ code: 'not_found', status: 404 });
    await post(sp, `/${pias.id}/jobs/${qJob}/reject`, { reason: 'not mine', offerId: qOffer }).expect(404);
    expect((await post(sp, `/${quinns.id}/jobs/${qJob}/accept`, { offerId: qOffer }).expect(404)).body.code).toBe('not_found');
    await get(sp, `/${quinns.id}/work`).expect(404);
    await get(sp, `/${quinns.id}/tokens`).expect(404);
    await post(sp, `/${quinns.id}/webhook/secret/rotate`).expect(404);
    await get(sp, `/not-a-uuid/work`).expect(400);
    const still = await adminJob(qJob);
    expect(still).toMatchObject({ status: 'offered', nodeId: null });
    expect(still.offers.at(-1)).toMatchObject({ offerId: qOffer, nodeId: quinns.id, answer: null });

    // Quinn's counter for the whole quantity is no counter: refused in words, nothing changes.
    const refused = (await post(sq, `/${quinns.id}/jobs/${qJob}/counter`, { offerId: qOffer, quantity: 12 }).expect(400)).body;
    expect(refused).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'counter' })] });
    expect((await adminJob(qJob)).offers.at(-1)).toMatchObject({ offerId: qOffer, answer: null });
    // Rejecting needs a reason; with one, the offer moves on (no other pressing-q node: the job looks on).
    expect((await post(sq, `/${quinns.id}/jobs/${qJob}/reject`, { offerId: qOffer, reason: '' }).expect(400)).body.errors[0].field).toBe('reason');
    const rejected = (await post(sq, `/${quinns.id}/jobs/${qJob}/reject`, { offerId: qOffer, reason: 'Press under repair until March' }).expect(200)).body;
    expect(rejected.offers.at(-1)).toMatchObject({ nodeId: quinns.id, answer: 'rejected', reason: 'Press under repair until March' });
    expect(rejected.openOfferId).toBeNull();
    // Once rejected, there is nothing left to accept.
    expect((await post(sq, `/${quinns.id}/jobs/${qJob}/accept`, { offerId: qOffer }).expect(409)).body.code).toBe('job_not_offered');

    // A counter later than the job allows is answered, and refused by the job's rules: the offer closes.
    const { id: lateJob } = await job('pressing', rob.id, { maxDelayHours: 24 });
    const lateOffer = (await offered(lateJob)).offers.at(-1).offerId as string;
    const tooLate = (await post(sp, `/${pias.id}/jobs/${lateJob}/counter`, { offerId: lateOffer, dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }).expect(200)).body;
    expect(tooLate.offers.at(-1)).toMatchObject({ offerId: lateOffer, answer: 'countered', reason: expect.stringContaining('refused') });
    expect(tooLate.nodeId).toBeNull();

    // A counter within the job's rules (a later date inside maxDelayHours) is taken.
    const { id: pJob } = await job('pressing', rob.id, { maxDelayHours: 48 });
    const pOffer = (await offered(pJob)).offers.at(-1).offerId as string;
    const later = new Date(Date.now() + 6 * 86_400_000).toISOString();
    const countered = (await post(sp, `/${pias.id}/jobs/${pJob}/counter`, { offerId: pOffer, dueAt: later, note: 'one day later' }).expect(200)).body;
    expect(countered).toMatchObject({ status: 'accepted', nodeId: pias.id, dueAt: later });
    expect(countered.offers.at(-1)).toMatchObject({ answer: 'countered' });

    // Rob owns no node: his session lists none and reaches none.
    const sr = await signIn(rob.email);
    expect((await get(sr, '').expect(200)).body.items).toEqual([]);
    await get(sr, `/${pias.id}`).expect(404);
    await t.http.get(`/members/me/nodes/${pias.id}`).expect(401);
  });

  it('runs the endpoint self-service: URL, test ping, attempts log, secret rotation, tokens', async () => {
    const uma = await member('Uma');
    const n = await node('Uma’s lathe', uma.id, 'turning');
    const s = await signIn(uma.email);

    const ping = (await post(s, `/${n.id}/webhook/ping`).expect(200)).body;
    expect(ping).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    await eventually(async () => n.events.some((e) => e.type === 'node.ping'));
    const attempts = (await get(s, `/${n.id}/webhook/attempts`).expect(200)).body;
    expect(attempts.items[0]).toMatchObject({ eventId: ping.eventId, eventType: 'node.ping', outcome: 'delivered', statusCode: 200 });

    const bad = (await t.http.patch(`/members/me/nodes/${n.id}/webhook`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ webhookUrl: 'ftp://nope' }).expect(400)).body;
    expect(bad.errors[0].field).toBe('webhookUrl');
    // Only the URL is the operator's to change.
    const extra = (await t.http.patch(`/members/me/nodes/${n.id}/webhook`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ webhookUrl: n.url, automationLevel: 'automated' }).expect(400)).body;
    expect(extra.errors.map((e: { field: string }) => e.field)).toEqual(['automationLevel']);
    await t.http.patch(`/members/me/nodes/${n.id}/webhook`).set('Cookie', s.cookie).send({ webhookUrl: n.url }).expect(403);
    const moved = (await t.http.patch(`/members/me/nodes/${n.id}/webhook`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ webhookUrl: `${n.url}?v=2` }).expect(200)).body;
    expect(moved.webhookUrl).toBe(`${n.url}?v=2`);
    expect((await t.http.get(`/admin/nodes/${n.id}`).set(auth).expect(200)).body).toMatchObject({ webhookUrl: `${n.url}?v=2`, automationLevel: 'conventional' });

    // Rotation: the new secret is shown once; the receiver with only the old one still verifies (signed with both for 24 h).
    const rotated = await post(s, `/${n.id}/webhook/secret/rotate`).expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body.webhookSecret).toMatch(/^whsec_/);
    expect(rotated.body.webhookSecret).not.toBe(n.secret);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    expect((await post(s, `/${n.id}/webhook/ping`).expect(200)).body.outcome).toBe('delivered');

    // Tokens: issued once, working on the node API, listed by name, revoked at once.
    expect((await get(s, `/${n.id}/tokens`).expect(200)).body.items).toEqual([]);
    expect((await post(s, `/${n.id}/tokens`, { name: '' }).expect(400)).body.errors[0].field).toBe('name');
    const issued = (await post(s, `/${n.id}/tokens`, { name: 'lathe controller' }).expect(201)).body;
    expect(issued.token).toMatch(/^dpn_node_/);
    await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${issued.token}`).expect(200);
    const listed = (await get(s, `/${n.id}/tokens`).expect(200)).body.items;
    expect(listed).toEqual([{ id: issued.id, name: 'lathe controller', createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    await t.http.delete(`/members/me/nodes/${n.id}/tokens/${issued.id}`).set('Cookie', s.cookie).expect(403);
    await t.http.delete(`/members/me/nodes/${n.id}/tokens/${issued.id}`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).expect(204);
    await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${issued.token}`).expect(401);
    expect((await get(s, `/${n.id}/tokens`).expect(200)).body.items).toEqual([]);
    await t.http.delete(`/members/me/nodes/${n.id}/tokens/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).expect(404);
  });
});
