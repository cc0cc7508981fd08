/**
 * The coordinator console's reads over HTTP against the real stack (PostgreSQL, the Temporal dev
 * server and worker, real webhook receivers, a real SMTP server): the network page's nodes, load,
 * levels and locations; the job board's columns (rework included, after a rejected delivery); every
 * round with its project and live total; ledger accounts by their owners' names.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
type Column = { key: string; total: number; jobs: Array<{ id: string; status: string; nodeName: string | null; title: string | null; forWhat: string | null; yield: { made: number; scrapped: number }; leadTimes: Record<string, string | null> }> };

describe('the coordinator console’s reads', () => {
  const t = useTestSystem({ mail: true });
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
  let seq = 0;

  const member = async (name: string) => (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-c${seq++}@example.org` }).expect(201)).body as { id: string; name: string };
  async function node(name: string, ownerId: string, level: string, capability: string, locationId?: string) {
    const created = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId: ownerId, automationLevel: level, locationId, capabilities: [{ function: capability, capacity: 5, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body;
    const server = createReceiver({ secrets: [created.webhookSecret], log: () => undefined });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await t.http.patch(`/admin/nodes/${created.id}`).set(auth).send({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }).expect(200);
    const token = (await t.http.post(`/admin/nodes/${created.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: created.id as string, token };
  }
  const board = async () => (await t.http.get('/admin/console/job-board').set(auth).expect(200)).body.columns as Column[];
  const column = (cols: Column[], key: string) => cols.find((c) => c.key === key)!;
  const job = async (capability: string, recipientId: string, projectId: string, quantity = 10) =>
    (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({ capability, quantity, unit: 'parts', specUrl: 'https://designs.example.org/p.step', dueAt: new Date(Date.now() + 4 * 86_400_000).toISOString(), recipient: { type: 'member', id: recipientId }, demand: { type: 'project', id: projectId } })
        .expect(201)
    ).body.id as string;
  const jobStatus = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body.status as string;
  const nodeCall = (token: string, path: string, body: object = {}) => t.http.post(`/nodes/me/jobs/${path}`).set('Authorization', `Bearer ${token}`).send(body);

  it('refuses without the coordinator token', async () => {
    await t.http.get('/admin/console/network').expect(401);
    await t.http.get('/admin/console/job-board').set('Authorization', 'Bearer wrong').expect(401);
    expect((await t.http.get('/admin/console/job-board?perColumn=1000').set(auth).expect(400)).body.errors[0].field).toBe('perColumn');
  });

  it('shows the network, moves jobs across the board, lists rounds and accounts by name', async () => {
    const owner = await member('Nora');
    const rita = await member('Rita');
    const yard = (await t.http.post('/admin/locations').set(auth).send({ name: 'Aaa yard', kind: 'industrial-park', address: 'Hafen 1' }).expect(201)).body;
    const mill = await node('Mill', owner.id, 'automated', 'c-milling', yard.id);
    await node('Lathe', owner.id, 'manual', 'c-turning');
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Console project' }).expect(201)).body;

    // Four jobs for the mill (WIP limit 2), one for the lathe, one nobody can make.
    const [a, b, c] = [await job('c-milling', rita.id, project.id), await job('c-milling', rita.id, project.id), await job('c-turning', rita.id, project.id)];
    const nobody = await job('c-welding', rita.id, project.id);
    await eventually(async () => (await jobStatus(a)) === 'offered' && (await jobStatus(c)) === 'offered', 30_000);
    const offerOf = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body.offers.at(-1).offerId as string;
    await nodeCall(mill.token, `${a}/accept`, { offerId: await offerOf(a) }).expect(200);
    await eventually(async () => (await jobStatus(b)) === 'offered', 30_000);
    await nodeCall(mill.token, `${b}/accept`, { offerId: await offerOf(b) }).expect(200);
    await nodeCall(mill.token, `${b}/progress`, { percent: 30 }).expect(200);
    await nodeCall(mill.token, `${a}/complete`, { made: 10, scrapped: 2 }).expect(200);

    // The read model follows the workflows within moments.
    const net = await eventually(async () => {
      const body = (await t.http.get('/admin/console/network').set(auth).expect(200)).body;
      return body.nodes[0]?.completed === 1 && body.nodes[1]?.openOffers === 1 ? body : undefined;
    }, 20_000);
    expect(net.total).toBe(2);
    expect(net.levels).toEqual([
      { level: 'manual', count: 1 },
      { level: 'conventional', count: 0 },
      { level: 'computer-aided', count: 0 },
      { level: 'automated', count: 1 },
    ]);
    expect(net.locations).toEqual([
      { id: yard.id, name: 'Aaa yard', count: 1 },
      { id: null, name: null, count: 1 },
    ]);
    expect(net.nodes.map((n: { name: string }) => n.name)).toEqual(['Mill', 'Lathe']);
    expect(net.nodes[0]).toMatchObject({ ownerName: 'Nora', locationName: 'Aaa yard', automationLevel: 'automated', wipLimit: 2, load: 1, openOffers: 0, completed: 1, onTime: 1, made: 10, scrapped: 2 });
    expect(net.nodes[0].responseSeconds).toEqual(expect.any(Number));
    expect(net.nodes[1]).toMatchObject({ name: 'Lathe', locationName: null, load: 0, openOffers: 1, completed: 0, responseSeconds: null });

    // The board: each job in its column, named by its project, with its node.
    const cols = await eventually(async () => {
      const b = await board();
      return column(b, 'in-progress').total === 1 ? b : undefined;
    }, 20_000);
    expect(cols.map((x) => x.key)).toEqual(['waiting', 'offered', 'accepted', 'in-progress', 'delivered', 'confirmed', 'rework']);
    const idsIn = (key: string) => column(cols, key).jobs.map((j) => j.id);
    expect(idsIn('waiting')).toEqual([nobody]);
    expect(idsIn('offered')).toEqual([c]);
    expect(column(cols, 'offered').jobs[0]).toMatchObject({ nodeName: 'Lathe', forWhat: 'Console project' });
    expect(idsIn('in-progress')).toEqual([b]);
    expect(idsIn('delivered')).toEqual([a]);
    expect(column(cols, 'delivered').jobs[0]).toMatchObject({ nodeName: 'Mill', yield: { made: 10, scrapped: 2 }, leadTimes: { firstOfferedAt: expect.any(String), completedAt: expect.any(String), confirmedAt: null } });

    // Rita rejects the delivery: the job comes back to the mill for rework, and shows so on the board.
    const ritaToken = (await t.http.post(`/admin/members/${rita.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    const pending = await eventually(async () => (await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${ritaToken}`).expect(200)).body.items[0], 20_000);
    await t.http.post(`/members/me/decisions/${pending.id}/answer`).set('Authorization', `Bearer ${ritaToken}`).send({ option: 'reject', comment: 'burrs' }).expect(200);
    const rework = await eventually(async () => {
      const col = column(await board(), 'rework');
      return col.jobs.some((j) => j.id === a) ? col : undefined;
    }, 30_000);
    expect(rework.jobs.find((j) => j.id === a)).toMatchObject({ yield: { made: 0, scrapped: 12 } });
    expect(column(await board(), 'delivered').jobs.map((j) => j.id)).not.toContain(a);

    // Rounds: the project's round with its live total; accounts with their owners' names.
    const round = (
      await t.http
        .post(`/admin/projects/${project.id}/rounds`)
        .set(auth)
        .send({ goal: '100000', currency: 'EUR', minPledge: '1000', deadline: new Date(Date.now() + 7 * 86_400_000).toISOString() })
        .expect(201)
    ).body.roundId as string;
    await eventually(async () => (await t.http.get(`/public/rounds/${round}`)).body.status === 'open');
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `c-dep-${rita.id}`).send({ memberId: rita.id, amount: '50000', currency: 'EUR' }).expect(201);
    await t.http.post(`/members/me/rounds/${round}/pledge`).set('Authorization', `Bearer ${ritaToken}`).send({ amount: '20000' }).expect(200);
    const rounds = (await t.http.get('/admin/console/rounds').set(auth).expect(200)).body;
    expect(rounds.items.find((r: { roundId: string }) => r.roundId === round)).toMatchObject({ projectName: 'Console project', status: 'open', goal: '100000', total: '20000', backers: 1, currency: 'EUR', payoutApproval: 'coordinator' });
    expect(rounds.byStatus).toEqual(expect.arrayContaining([{ status: 'open', count: 1 }]));
    expect((await t.http.get('/admin/console/rounds?status=funded').set(auth).expect(200)).body).toMatchObject({ items: [], total: 0 });

    const accounts = (await t.http.get('/admin/console/ledger/accounts?currency=EUR&limit=100').set(auth).expect(200)).body;
    const owned = accounts.items.filter((x: { ownerId: string }) => x.ownerId === rita.id).map((x: { kind: string; owner: string; balance: string }) => [x.kind, x.owner, x.balance]);
    expect(owned).toEqual(
      expect.arrayContaining([
        ['member', 'Rita', '30000'],
        ['hold', 'Rita: held for the round of “Console project”', '20000'],
      ]),
    );
    expect(accounts.items.find((x: { kind: string }) => x.kind === 'external')).toMatchObject({ owner: 'Outside the network', balance: '-50000' });
    const members = (await t.http.get('/admin/console/ledger/accounts?kind=member').set(auth).expect(200)).body;
    expect(members.items.every((x: { kind: string }) => x.kind === 'member')).toBe(true);
    // The trial balance comes along: every currency sums to zero.
    expect(accounts.trialBalance).toEqual([{ currency: 'EUR', total: '0' }]);
  }, 180_000);
});
