/**
 * A PostgreSQL outage, on a PostgreSQL of this file's own (the shared test server stays up for the
 * other files): every request that needs the database answers 503 `retry` with Retry-After at once
 * (never a 500), also when the server accepts connections but never answers (no hang), and a
 * statement stuck behind a lock ends at the statement timeout; once PostgreSQL is back, the same
 * requests succeed without restarting anything.
 */
import { randomUUID } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import { Client as PgClient } from 'pg';
import request from 'supertest';
import { OwnPostgres, startOwnPostgres } from '../support/own-postgres';
import { ADMIN_TOKEN, eventually, startSystem, TestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
/** A bound on each call, far above the pool's connect timeout (3 s); the defect was a 500, or 16 s, or a hang. */
const CALL_BOUND_MS = 10_000;

describe('while PostgreSQL is down', () => {
  let pg: OwnPostgres;
  let port: number;
  let url: string;
  let sys: TestSystem;
  let http: ReturnType<typeof request>;
  let memberId: string;
  let memberToken: string;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    ({ port, url } = pg);
    sys = await startSystem({ databaseUrl: url, env: { DATABASE_STATEMENT_TIMEOUT_MS: '1500' } });
    http = request(sys.api.getHttpServer());
    memberId = (await http.post('/admin/members').set(auth).send({ name: 'Ada', email: `ada-${randomUUID()}@example.org` }).expect(201)).body.id;
    memberToken = (await http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'phone' }).expect(201)).body.token;
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
    await pg?.stop();
  });

  /** One of each kind of request that needs the database: reads, writes, money, member and node tokens, public pages. */
  const requests = () => [
    ['GET /admin/members', () => http.get('/admin/members').set(auth)],
    ['GET /admin/members/:id', () => http.get(`/admin/members/${memberId}`).set(auth)],
    ['POST /admin/members', () => http.post('/admin/members').set(auth).send({ name: 'Bo', email: `bo-${randomUUID()}@example.org` })],
    ['POST /admin/ledger/deposits', () => http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', randomUUID()).send({ memberId, amount: '1000', currency: 'EUR' })],
    ['POST /admin/projects', () => http.post('/admin/projects').set(auth).send({ name: 'Greenhouse' })],
    ['GET /members/me', () => http.get('/members/me').set('Authorization', `Bearer ${memberToken}`)],
    ['POST /members/me/rounds/:id/pledge', () => http.post(`/members/me/rounds/${randomUUID()}/pledge`).set('Authorization', `Bearer ${memberToken}`).send({ amount: '500' })],
    ['GET /nodes/me/jobs', () => http.get('/nodes/me/jobs').set('Authorization', 'Bearer dpn_node_unknown')],
    ['GET /public/rounds/:id', () => http.get(`/public/rounds/${randomUUID()}`)],
  ] as const;

  async function expectAll503(): Promise<void> {
    const wrong: string[] = [];
    for (const [name, send] of requests()) {
      const res = await send().timeout(CALL_BOUND_MS);
      const retryAfter = Number(res.headers['retry-after']);
      if (res.status !== 503 || res.body.code !== 'retry' || !(retryAfter > 0)) {
        wrong.push(`${name}: ${res.status} ${res.body.code} retry-after=${res.headers['retry-after']}`);
      }
    }
    expect(wrong).toEqual([]);
    const health = await http.get('/health').timeout(CALL_BOUND_MS);
    expect(health.status).toBe(503);
  }

  it('answers 503 retry with Retry-After to every request that needs the database', async () => {
    await pg.command('stop');
    await expectAll503();
  });

  it('answers the same, not a hang, when the server accepts connections but never answers', async () => {
    const held: Socket[] = [];
    const blackhole: Server = createServer((s) => held.push(s));
    await new Promise<void>((r) => blackhole.listen(port, 'localhost', () => r()));
    try {
      await expectAll503();
    } finally {
      held.forEach((s) => s.destroy());
      await new Promise((r) => blackhole.close(r));
    }
  });

  it('serves again once PostgreSQL is back, without a restart', async () => {
    await pg.command('start');
    await eventually(async () => (await http.get('/admin/members').set(auth)).status === 200, 30_000);
    await http.post('/admin/members').set(auth).send({ name: 'Cy', email: `cy-${randomUUID()}@example.org` }).expect(201);
    await http.get('/members/me').set('Authorization', `Bearer ${memberToken}`).expect(200);
    await http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', randomUUID()).send({ memberId, amount: '1000', currency: 'EUR' }).expect(201);
  });

  it('ends a statement stuck behind a lock at the statement timeout: 503 retry, not a hang', async () => {
    const locker = new PgClient({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE members IN ACCESS EXCLUSIVE MODE');
      const res = await http.get('/admin/members').set(auth).timeout(CALL_BOUND_MS);
      expect({ status: res.status, code: res.body.code, retryAfter: res.headers['retry-after'] }).toEqual({ status: 503, code: 'retry', retryAfter: expect.stringMatching(/^\d+$/) });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    await http.get('/admin/members').set(auth).expect(200);
  });
});
