/**
 * The API keeps serving its read model while Temporal is unreachable, and refuses to create a
 * project it cannot start (503) without leaving a half-created row behind.
 */
import request from 'supertest';
import { createServer } from 'node:net';
import { ADMIN_TOKEN, createTestDatabase, startSystem, TestDatabase, TestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

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
    const res = await http.post('/admin/projects').set(auth).send({ name: 'Cannot start' }).expect(503);
    expect(res.body.code).toBe('temporal_unavailable');
    const rows = await db.query('SELECT id FROM production_projects');
    expect(rows).toEqual([{ id }]);
  });

  it('reports Temporal down and PostgreSQL up on /health (503)', async () => {
    const res = await http.get('/health').expect(503);
    expect(res.body.details.postgres.status).toBe('up');
    expect(res.body.details.temporal.status).toBe('down');
  });
});
