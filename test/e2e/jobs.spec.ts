/**
 * Job dispatch end to end with real HTTP: real node receivers started here (the reference receiver
 * from examples/ answering through the node API, a rejecting one, one that fails twice before it
 * takes the offer, a silent one), the real API listening on a port, the worker, PostgreSQL, the
 * Temporal dev server and a real SMTP server for the delivery confirmation.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: {
    secrets: string[];
    onEvent?: (e: { id: string; type: string; data: Record<string, unknown> }) => number | void;
    answerOffers?: { apiUrl: string; token: string; decide: (e: { data: Record<string, unknown> }) => 'accept' | 'reject' | null };
    log?: (l: string) => void;
  }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('job dispatch to nodes over signed webhooks', () => {
  const t = useTestSystem({ mail: true });
  const servers: Server[] = [];
  let api: string;
  let seq = 0;

  beforeAll(async () => {
    await t.sys.api.listen(0, '127.0.0.1');
    api = `http://127.0.0.1:${(t.sys.api.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const listen = async (s: Server) => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
  };
  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };

  /** A registered node (automation decides who is offered first) with its own receiver. */
  async function node(name: string, automationLevel: string, behaviour: 'accept' | 'reject' | 'flaky' | 'silent') {
    const owner = await member(`${name}Owner`);
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name, ownerMemberId: owner.id, automationLevel, capabilities: [{ function: `milling-${suite}`, capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
      .expect(201);
    const id = created.body.id as string;
    const token = (await t.http.post(`/admin/nodes/${id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const events: Array<{ type: string; id: string; data: Record<string, unknown> }> = [];
    let failures = 0;
    let server: Server;
    if (behaviour === 'flaky') {
      // 500 twice, then it verifies nothing and takes the offer through the node API.
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString());
          events.push({ type: body.type, id: String(req.headers['webhook-id']), data: body.data });
          if (failures++ < 2) return res.writeHead(500).end();
          res.writeHead(202).end();
          if (body.type === 'job.offered') {
            void fetch(`${api}/nodes/me/jobs/${body.data.jobId}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ offerId: body.data.offerId }) });
          }
        });
      });
    } else {
      server = createReceiver({
        secrets: [created.body.webhookSecret],
        onEvent: (e) => void events.push(e),
        answerOffers: behaviour === 'silent' ? undefined : { apiUrl: api, token, decide: () => behaviour },
        log: () => undefined,
      });
    }
    await t.http.patch(`/admin/nodes/${id}`).set(auth).send({ webhookUrl: await listen(server) }).expect(200);
    return { id, token, events, owner };
  }

  let suite = 'a';
  const project = async () => (await t.http.post('/admin/projects').set(auth).send({ name: `Jobs ${seq++}` }).expect(201)).body.id as string;
  const job = async (recipientId: string, over: Record<string, unknown> = {}) =>
    (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: `milling-${suite}`,
          quantity: 20,
          unit: 'parts',
          specUrl: 'https://designs.example.org/bracket.step',
          dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
          recipient: { type: 'member', id: recipientId },
          demand: { type: 'project', id: await project() },
          ...over,
        })
        .expect(201)
    ).body.id as string;
  const status = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
  const nodeCall = (token: string, path: string, body: object) => t.http.post(`/nodes/me/jobs/${path}`).set('Authorization', `Bearer ${token}`).send(body);

  it('offers to the most automated node first; a rejection moves on; the accepting node delivers; the recipient confirms from the email', async () => {
    suite = 'a';
    const rejecting = await node('Automated', 'automated', 'reject');
    const accepting = await node('Manual', 'manual', 'accept');
    const recipient = await member('Rita');
    const id = await job(recipient.id);

    const accepted = await eventually(async () => {
      const j = await status(id);
      return j.status === 'accepted' ? j : undefined;
    }, 30_000);
    expect(accepted.offers.map((o: { nodeId: string; answer: string }) => [o.nodeId, o.answer])).toEqual([
      [rejecting.id, 'rejected'],
      [accepting.id, 'accepted'],
    ]);
    expect(rejecting.events.map((e) => e.type)).toEqual(['job.offered']);

    // Impossible calls are clear 409s; the node reports progress and completion.
    expect((await nodeCall(rejecting.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(409)).body.code).toBe('job_not_yours');
    await nodeCall(accepting.token, `${id}/progress`, { percent: 50, note: 'half milled' }).expect(200);
    const done = await nodeCall(accepting.token, `${id}/complete`, { made: 20, scrapped: 1 }).expect(200);
    expect(done.body.status).toBe('delivered');
    await nodeCall(accepting.token, `${id}/complete`, { made: 20, scrapped: 1 }).expect(200); // a repeat is harmless
    const mine = await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${accepting.token}`).expect(200);
    expect(mine.body.items.map((j: { id: string }) => j.id)).toContain(id);
    await t.http.get('/nodes/me/jobs').set('Authorization', 'Bearer dpn_node_nope').expect(401);

    // The recipient confirms from the link in the email (the web app signs in with it, then answers).
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(recipient.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    // The email names the node and the project, not their ids.
    expect(mail.text).toContain(`"Manual" reports 20`);
    expect(mail.text).toMatch(/For: Jobs \d+/);
    expect(mail.text).not.toContain(accepting.id);
    const session = await t.http.post('/session').send({ link: new URL(linkIn(mail)).pathname.split('/').pop() }).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${session.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ option: 'confirm' }).expect(200);
    const confirmed = await eventually(async () => {
      const j = await status(id);
      return j.status === 'confirmed' ? j : undefined;
    }, 20_000);
    expect(confirmed.yield).toEqual({ made: 20, scrapped: 1 });
    const lt = confirmed.leadTimes;
    expect(Date.parse(lt.firstOfferedAt) <= Date.parse(lt.acceptedAt) && Date.parse(lt.acceptedAt) <= Date.parse(lt.completedAt) && Date.parse(lt.completedAt) <= Date.parse(lt.confirmedAt)).toBe(true);
    await eventually(async () => accepting.events.some((e) => e.type === 'delivery.confirmed'));
  });

  it('retries an offer a node answers with 500 twice (same webhook-id), and records every attempt', async () => {
    suite = 'b';
    const flaky = await node('Flaky', 'automated', 'flaky');
    const recipient = await member('Fritz');
    const id = await job(recipient.id);
    await eventually(async () => (await status(id)).status === 'accepted', 30_000);
    const offers = flaky.events.filter((e) => e.type === 'job.offered');
    expect(offers).toHaveLength(3);
    expect(new Set(offers.map((e) => e.id)).size).toBe(1); // the same event id on every retry
    const attempts = (await t.http.get(`/admin/nodes/${flaky.id}/webhook-attempts`).set(auth).expect(200)).body.items;
    expect(attempts.map((a: { attempt: number; outcome: string; statusCode: number }) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [3, 'delivered', 202],
      [2, 'retry', 500],
      [1, 'retry', 500],
    ]);
    // The node's operator sees the same through the node API.
    const own = await t.http.get('/nodes/me/webhook-attempts').set('Authorization', `Bearer ${flaky.token}`).expect(200);
    expect(own.body.items.map((a: { statusCode: number }) => a.statusCode)).toEqual([202, 500, 500]);
  });

  it('re-offers after a silent node lets the offer expire; a rejected delivery goes back to the same node for rework', async () => {
    suite = 'c';
    const silent = await node('Silent', 'automated', 'silent');
    const worker = await node('Worker', 'conventional', 'accept');
    const recipient = await member('Rosa');
    const rosaToken = (await t.http.post(`/admin/members/${recipient.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token;
    const id = await job(recipient.id, { offerTimeoutSeconds: 5 });
    const accepted = await eventually(async () => {
      const j = await status(id);
      return j.status === 'accepted' ? j : undefined;
    }, 30_000);
    expect(accepted.offers.map((o: { nodeId: string; answer: string }) => [o.nodeId, o.answer])).toEqual([
      [silent.id, 'expired'],
      [worker.id, 'accepted'],
    ]);
    expect(silent.events.map((e) => e.type)).toEqual(['job.offered', 'offer.withdrawn']);

    await nodeCall(worker.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(200);
    const pending = await eventually(async () => {
      const r = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${rosaToken}`).expect(200);
      return r.body.items[0];
    }, 20_000);
    await t.http.post(`/members/me/decisions/${pending.id}/answer`).set('Authorization', `Bearer ${rosaToken}`).send({ option: 'reject', comment: 'burrs on every part' }).expect(200);
    // Rework: the same node is offered the job again, accepts, delivers; Rosa confirms.
    await eventually(async () => (await status(id)).offers.length === 3 && (await status(id)).status === 'accepted', 30_000);
    const reworked = await status(id);
    expect(reworked.offers[2]).toMatchObject({ nodeId: worker.id, answer: 'accepted' });
    expect(reworked.runs[0]).toMatchObject({ confirmation: 'rejected', reason: 'burrs on every part' });
    expect(worker.events.filter((e) => e.type === 'job.offered').at(-1)?.data.rework).toBe(true);
    await nodeCall(worker.token, `${id}/complete`, { made: 20, scrapped: 4 }).expect(200);
    const second = await eventually(async () => {
      const r = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${rosaToken}`).expect(200);
      return r.body.items[0];
    }, 20_000);
    await t.http.post(`/members/me/decisions/${second.id}/answer`).set('Authorization', `Bearer ${rosaToken}`).send({ option: 'confirm' }).expect(200);
    const end = await eventually(async () => {
      const j = await status(id);
      return j.status === 'confirmed' ? j : undefined;
    }, 20_000);
    // The rejected run's parts count as scrap.
    expect(end.yield).toEqual({ made: 20, scrapped: 24 });
  });

  it('counts a node’s expired offers in a row once each, suspends it at three, and starts again when reactivated', async () => {
    suite = 'd';
    const silent = await node('Sleepy', 'automated', 'silent');
    const activities = t.sys.worker!.get(JobActivities);
    const expire = (offerId: string) => activities.recordOfferOutcome({ nodeId: silent.id, offerId, answered: false });
    expect((await expire('job-1:1')).expiredInRow).toBe(1);
    expect((await expire('job-1:1')).expiredInRow).toBe(1); // a retried activity counts an expiry once
    expect((await expire('job-2:1')).suspended).toBe(false);
    const third = await expire('job-3:1');
    expect(third).toMatchObject({ suspended: true, expiredInRow: 3, ownerMemberId: silent.owner.id });
    expect((await t.http.get(`/admin/nodes/${silent.id}`).set(auth).expect(200)).body.status).toBe('suspended');
    // Reactivated by the coordinator, it starts from zero again.
    await t.http.patch(`/admin/nodes/${silent.id}`).set(auth).send({ status: 'active' }).expect(200);
    expect((await expire('job-4:1')).expiredInRow).toBe(1);
  });

  it('refuses jobs without a real demand, and bad input', async () => {
    suite = 'e';
    const r = await member('Rhea');
    const noDemand = await t.http
      .post('/admin/jobs')
      .set(auth)
      .send({ capability: 'milling-e', quantity: 1, unit: 'parts', specUrl: 'https://x.example/s', dueAt: new Date(Date.now() + 2 * 86_400_000).toISOString(), recipient: { type: 'member', id: r.id }, demand: { type: 'project', id: '7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11' } })
      .expect(422);
    expect(noDemand.body.code).toBe('unknown_demand');
    const bad = await t.http.post('/admin/jobs').set(auth).send({ capability: 'Milling!', quantity: 0, unit: '', specUrl: 'ftp://x', dueAt: 'soon', recipient: { type: 'alien', id: 'x' }, demand: { type: 'wish', id: 'x' } }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['capability', 'demand.id', 'demand.type', 'dueAt', 'quantity', 'recipient.id', 'recipient.type', 'specUrl', 'unit'].sort(),
    );
  });
});
