/**
 * The API keeps serving its read model while Temporal is unreachable, and refuses to create a
 * project it cannot start (503) without leaving a half-created row behind. Requests that need a
 * workflow fail fast (503 `temporal_unavailable` with Retry-After, not after the client's ~20 s of
 * retries), whether Temporal was down from the start or goes down while the API runs.
 */
import request from 'supertest';
import { createServer, Server, Socket, connect } from 'node:net';
import { ADMIN_TOKEN, createTestDatabase, eventually, startSystem, TestDatabase, TestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
/** A bound on each call, above the fail-fast path (~3 s) and far below the client's retries (19-22 s). */
const CALL_BOUND_MS = 10_000;

function expectTemporal503(res: request.Response): void {
  expect({ status: res.status, code: res.body.code, retryAfter: res.headers['retry-after'] }).toEqual({
    status: 503,
    code: 'temporal_unavailable',
    retryAfter: expect.stringMatching(/^\d+$/),
  });
  // A 5xx problem document names its request, as the x-request-id header does.
  expect(res.body.requestId).toEqual(expect.any(String));
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('while Temporal is down', () => {
  let db: TestDatabase;
  let sys: TestSystem;
  let http: ReturnType<typeof request>;
  const id = '11111111-2222-4333-8444-555555555555';

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(
      `INSERT INTO production_projects (id, name, phase, status, workflow_id, last_seq, created_by)
       VALUES ($1, 'Recorded earlier', 'upgrade', 'active', $2, 4, 'coordinator')`,
      [id, `project-${id}`],
    );
    sys = await startSystem({ databaseUrl: db.url, temporalAddress: `127.0.0.1:${await closedPort()}`, worker: false });
    http = request(sys.api.getHttpServer());
  });
  afterAll(async () => {
    await sys?.close();
    await db?.drop();
  });

  it('still lists projects with their phase from PostgreSQL', async () => {
    const res = await http.get('/admin/projects').set(auth).expect(200);
    expect(res.body.items).toEqual([expect.objectContaining({ id, phase: 'upgrade' })]);
  });

  it('shows a project without its live state, saying why', async () => {
    const res = await http.get(`/admin/projects/${id}`).set(auth).expect(200);
    expect(res.body).toMatchObject({ id, phase: 'upgrade', live: null, liveError: 'temporal_unavailable' });
  });

  it('answers 503 to a create and leaves no row behind', async () => {
    const res = await http.post('/admin/projects').set(auth).send({ name: 'Cannot start' }).timeout(CALL_BOUND_MS);
    expectTemporal503(res);
    const rows = await db.query('SELECT id FROM production_projects');
    expect(rows).toEqual([{ id }]);
  });

  it('answers 503 temporal_unavailable with Retry-After, fast, to each request that needs a workflow', async () => {
    expectTemporal503(await http.post(`/admin/projects/${id}/phases/advance`).set(auth).send({ fromPhase: 'upgrade' }).timeout(CALL_BOUND_MS));
    expectTemporal503(await http.post(`/admin/projects/${id}/cancel`).set(auth).send({ reason: 'test' }).timeout(CALL_BOUND_MS));
    expectTemporal503(await http.post('/admin/projects').set(auth).send({ name: 'Again' }).timeout(CALL_BOUND_MS));
  });

  it('reports Temporal down and PostgreSQL up on /health (503)', async () => {
    expect((await http.get('/health').expect(503)).body).toEqual({ status: 'down' });
    const res = await http.get('/health').set(auth).expect(503);
    expect(res.body.details.postgres.status).toBe('up');
    expect(res.body.details.temporal.status).toBe('down');
  });
});

/** A TCP proxy to the real Temporal server that a test can cut (every connection dropped, new ones refused) and restore. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(
    private readonly target: { host: string; port: number },
    public port = 0,
  ) {}
  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }
  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    this.sockets.forEach((s) => s.destroy());
    await closed;
  }
}

describe('when Temporal goes down while the API runs', () => {
  let db: TestDatabase;
  let sys: TestSystem;
  let http: ReturnType<typeof request>;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    const [host, port] = process.env.DPN_TEST_TEMPORAL_ADDRESS!.split(':');
    proxy = new CuttableProxy({ host, port: Number(port) });
    await proxy.up();
    db = await createTestDatabase();
    sys = await startSystem({ databaseUrl: db.url, temporalAddress: `127.0.0.1:${proxy.port}`, worker: false });
    http = request(sys.api.getHttpServer());
  });
  afterAll(async () => {
    await proxy?.cut();
    await sys?.close();
    await db?.drop();
  });

  it('fails fast while it is down and works again once it is back', async () => {
    const created = await http.post('/admin/projects').set(auth).send({ name: 'Before' }).expect(201);
    await proxy.cut();
    expectTemporal503(await http.post(`/admin/projects/${created.body.id}/phases/advance`).set(auth).send({ fromPhase: 'rnd' }).timeout(CALL_BOUND_MS));
    expectTemporal503(await http.post('/admin/projects').set(auth).send({ name: 'During' }).timeout(CALL_BOUND_MS));
    const shown = await http.get(`/admin/projects/${created.body.id}`).set(auth).timeout(CALL_BOUND_MS).expect(200);
    expect(shown.body).toMatchObject({ live: null, liveError: 'temporal_unavailable' });
    await proxy.up();
    await eventually(async () => (await http.post('/admin/projects').set(auth).send({ name: 'After' })).status === 201, 30_000);
  });
});
