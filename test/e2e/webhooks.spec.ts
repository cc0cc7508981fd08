/**
 * Signed webhooks to nodes over real HTTP: the reference receiver from examples/ verifies what
 * the API sends; other receivers answer 500, 429, 400 and 410; every attempt is recorded.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { signWebhook } from '@app/nodes';
import { ADMIN_TOKEN, useTestSystem } from '../support/stack';

// The example is plain CommonJS so that node operators can copy it as it is.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; onEvent?: (e: { id: string; type: string; data: unknown }) => number | void; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}
const stub = (answer: (req: IncomingMessage, res: ServerResponse) => void) => createServer(answer);

describe('signed webhooks to nodes', () => {
  const t = useTestSystem({ worker: false });
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
  let seq = 0;

  async function node(webhookUrl: string) {
    const owner = (await t.http.post('/admin/members').set(auth).send({ name: 'Operator', email: `op-${seq++}@example.org` }).expect(201)).body;
    const n = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: `Node ${seq}`, ownerMemberId: owner.id, automationLevel: 'automated', capabilities: [{ function: 'assembly', capacity: 5, unit: 'kits/day' }], webhookUrl })
      .expect(201);
    return { id: n.body.id as string, secret: n.body.webhookSecret as string };
  }

  it('the reference receiver verifies a ping, before and during a secret rotation', async () => {
    const received: string[] = [];
    const lines: string[] = [];
    // Registered first (the secret is shown once, at registration); then the operator starts the
    // receiver with that secret and points the node at it.
    const n = await node('https://node.example/placeholder');
    const server = createReceiver({ secrets: [n.secret], onEvent: (e) => void received.push(`${e.type}:${e.id}`), log: (l) => lines.push(l) });
    servers.push(server);
    await t.http.patch(`/admin/nodes/${n.id}`).set(auth).send({ webhookUrl: await listen(server) }).expect(200);

    const ping = await t.http.post(`/admin/nodes/${n.id}/ping`).set(auth).send({}).expect(200);
    expect(ping.body).toMatchObject({ outcome: 'delivered', statusCode: 200, error: null });
    expect(received).toEqual([`node.ping:${ping.body.eventId}`]);

    // Rotation: DPN signs with the new and the old secret; a receiver still on the old one accepts.
    await t.http.post(`/admin/nodes/${n.id}/webhook-secret/rotate`).set(auth).send({}).expect(200);
    const again = await t.http.post(`/admin/nodes/${n.id}/ping`).set(auth).send({}).expect(200);
    expect(again.body.outcome).toBe('delivered');

    // Tampered body, stale timestamp, unknown secret: the receiver refuses them (401).
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const body = JSON.stringify({ type: 'node.ping', timestamp: new Date().toISOString(), data: { nodeId: n.id } });
    const post = (b: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } });
    expect((await post(body.replace('node.ping', 'job.offered'), signWebhook([n.secret], 'evt_t1', new Date(), body))).status).toBe(401);
    expect((await post(body, signWebhook([n.secret], 'evt_t2', new Date(Date.now() - 10 * 60_000), body))).status).toBe(401);
    expect((await post(body, signWebhook(['whsec_' + Buffer.alloc(32, 7).toString('base64')], 'evt_t3', new Date(), body))).status).toBe(401);
    // A retry of an event already received (same webhook-id) is acknowledged, not processed twice.
    const dup = signWebhook([n.secret], ping.body.eventId, new Date(), body);
    expect(await (await post(body, dup)).json()).toEqual({ received: true, duplicate: true });
    expect(received).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('refused'))).toHaveLength(3);
  });

  it('classifies answers for retries, disables an endpoint that answers 410, and records every attempt', async () => {
    const answers: Array<[number, Record<string, string>]> = [
      [500, {}],
      [429, { 'retry-after': '30' }],
      [400, {}],
      [410, {}],
    ];
    let i = 0;
    const server = stub((_req, res) => {
      const [status, headers] = answers[Math.min(i++, answers.length - 1)];
      res.writeHead(status, headers).end();
    });
    servers.push(server);
    const n = await node(await listen(server));
    const ping = async () => (await t.http.post(`/admin/nodes/${n.id}/ping`).set(auth).send({}).expect(200)).body;
    expect(await ping()).toMatchObject({ outcome: 'retry', statusCode: 500 });
    expect(await ping()).toMatchObject({ outcome: 'retry', statusCode: 429 });
    expect(await ping()).toMatchObject({ outcome: 'rejected', statusCode: 400 });
    expect(await ping()).toMatchObject({ outcome: 'gone', statusCode: 410 });
    const disabled = (await t.http.get(`/admin/nodes/${n.id}`).set(auth).expect(200)).body;
    expect(disabled.webhookDisabledAt).not.toBeNull();
    expect(disabled.webhookDisabledReason).toMatch(/^410 Gone on node\.ping/);

    // The operator fixes the endpoint (a new URL) and the coordinator pings it: enabled again.
    const fixed = stub((_req, res) => res.writeHead(204).end());
    servers.push(fixed);
    await t.http.patch(`/admin/nodes/${n.id}`).set(auth).send({ webhookUrl: await listen(fixed) }).expect(200);
    expect(await ping()).toMatchObject({ outcome: 'delivered', statusCode: 204 });
    expect((await t.http.get(`/admin/nodes/${n.id}`).set(auth).expect(200)).body.webhookDisabledAt).toBeNull();

    const attempts = (await t.http.get(`/admin/nodes/${n.id}/webhook-attempts`).set(auth).expect(200)).body;
    expect(attempts.total).toBe(5);
    expect(attempts.items.map((a: { outcome: string; statusCode: number }) => `${a.outcome}:${a.statusCode}`)).toEqual([
      'delivered:204',
      'gone:410',
      'rejected:400',
      'retry:429',
      'retry:500',
    ]);
    expect(attempts.items[0]).toMatchObject({ eventType: 'node.ping', attempt: 1 });
    expect(typeof attempts.items[0].latencyMs).toBe('number');
  });

  it('records a network error as a retryable attempt', async () => {
    const server = stub(() => undefined);
    const url = await listen(server);
    await new Promise((r) => server.close(r)); // nothing listens there any more
    const n = await node(url);
    const ping = (await t.http.post(`/admin/nodes/${n.id}/ping`).set(auth).send({}).expect(200)).body;
    expect(ping).toMatchObject({ outcome: 'retry', statusCode: null });
    expect(ping.error).toMatch(/ECONNREFUSED/);
    await t.http.post('/admin/nodes/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11/ping').set(auth).send({}).expect(404);
  });
});
