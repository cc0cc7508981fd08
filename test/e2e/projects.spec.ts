/**
 * End to end over HTTP: the real API and worker in-process, a real PostgreSQL, a real Temporal
 * dev server. Nothing is mocked.
 */
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ADMIN_TOKEN, createTestDatabase, eventually, startSystem, TestDatabase, TestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('production projects over HTTP', () => {
  let db: TestDatabase;
  let sys: TestSystem;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    db = await createTestDatabase();
    sys = await startSystem({ databaseUrl: db.url });
    http = request(sys.api.getHttpServer());
  });
  afterAll(async () => {
    await sys?.close();
    await db?.drop();
  });

  const create = (name: string, headers: Record<string, string> = {}) =>
    http.post('/admin/projects').set(auth).set(headers).send({ name });

  it('walks a project from rnd to completed and projects every transition into PostgreSQL', async () => {
    const created = await create('Community greenhouse').expect(201);
    const id: string = created.body.id;
    expect(created.body).toMatchObject({ name: 'Community greenhouse', phase: 'rnd', status: 'active', workflowId: `project-${id}` });
    expect(created.headers.location).toBe(`/admin/projects/${id}`);

    const desc = await sys.temporal.workflow.getHandle(`project-${id}`).describe();
    expect(desc.type).toBe('productionProjectWorkflow');
    expect(desc.status.name).toBe('RUNNING');

    const phases: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await http.post(`/admin/projects/${id}/phases/advance`).set(auth).send({ note: `gate ${i}` }).expect(200);
      phases.push(res.body.phase);
    }
    expect(phases).toEqual(['prototyping', 'node-buildout', 'upgrade', 'completed']);

    const detail = await http.get(`/admin/projects/${id}`).set(auth).expect(200);
    expect(detail.body).toMatchObject({ phase: 'completed', status: 'completed' });
    expect(detail.body.timeline.map((e: { kind: string; toPhase: string }) => `${e.kind}:${e.toPhase}`)).toEqual([
      'started:rnd',
      'skipped:prototyping',
      'skipped:node-buildout',
      'skipped:upgrade',
      'completed:completed',
    ]);
    expect(detail.body.timeline[1]).toMatchObject({ actor: 'coordinator', note: 'gate 0' });
    expect(detail.body.live).toMatchObject({ phase: 'completed', status: 'completed', transitionCount: 5 });

    const rows = await db.query<{ phase: string; status: string; last_seq: number }>('SELECT phase, status, last_seq FROM production_projects WHERE id = $1', [id]);
    expect(rows).toEqual([{ phase: 'completed', status: 'completed', last_seq: 5 }]);
    await expect(sys.temporal.workflow.getHandle(`project-${id}`).result()).resolves.toMatchObject({ status: 'completed' });

    const again = await http.post(`/admin/projects/${id}/phases/advance`).set(auth).send({}).expect(409);
    expect(again.body).toMatchObject({ status: 409, code: 'project_not_active' });
    expect(again.body.detail).toContain('completed');
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses a stale fromPhase guard with 409 and leaves the project where it was', async () => {
    const { body } = await create('Guarded').expect(201);
    await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({ fromPhase: 'rnd' }).expect(200);
    const stale = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({ fromPhase: 'rnd' }).expect(409);
    expect(stale.body.code).toBe('project_phase_mismatch');
    expect(stale.body.detail).toContain("'prototyping', not 'rnd'");
    const detail = await http.get(`/admin/projects/${body.id}`).set(auth).expect(200);
    expect(detail.body.phase).toBe('prototyping');
  });

  it('applies a retried advance with the same Idempotency-Key once', async () => {
    const { body } = await create('Retried advance').expect(201);
    const first = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).set('Idempotency-Key', 'adv-1').send({}).expect(200);
    const retry = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).set('Idempotency-Key', 'adv-1').send({}).expect(200);
    expect(first.body.phase).toBe('prototyping');
    expect(retry.body.phase).toBe('prototyping');
    const events = await db.query('SELECT seq FROM project_events WHERE project_id = $1', [body.id]);
    expect(events).toHaveLength(2);
    const reused = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).set('Idempotency-Key', 'adv-1').send({ note: 'another request' }).expect(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    // A retry after the project has moved on still gets the first answer, not a new evaluation.
    await http.post(`/admin/projects/${body.id}/cancel`).set(auth).send({ reason: 'stop' }).expect(200);
    const late = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).set('Idempotency-Key', 'adv-1').send({}).expect(200);
    expect(late.body.phase).toBe('prototyping');
  });

  it('cancels a project: then advancing or cancelling again is a 409', async () => {
    const { body } = await create('To cancel').expect(201);
    await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({}).expect(200);
    const cancelled = await http.post(`/admin/projects/${body.id}/cancel`).set(auth).send({ reason: 'Funding fell through' }).expect(200);
    expect(cancelled.body).toMatchObject({ phase: 'prototyping', status: 'cancelled' });
    const advance = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({}).expect(409);
    expect(advance.body.detail).toContain('cancelled');
    await http.post(`/admin/projects/${body.id}/cancel`).set(auth).send({ reason: 'again' }).expect(409);
    const [event] = await db.query<{ kind: string; note: string }>(
      'SELECT kind, note FROM project_events WHERE project_id = $1 ORDER BY seq DESC LIMIT 1',
      [body.id],
    );
    expect(event).toEqual({ kind: 'cancelled', note: 'Funding fell through' });
  });

  it('creates one project for a retried create with the same Idempotency-Key, even when the retries race', async () => {
    const key = `create-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => create('Raced', { 'Idempotency-Key': key })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
    const rows = await db.query('SELECT id FROM production_projects WHERE idempotency_key = $1', [key]);
    expect(rows).toHaveLength(1);
    const conflict = await create('A different body', { 'Idempotency-Key': key }).expect(409);
    expect(conflict.body.code).toBe('idempotency_key_reused');
  });

  it('lists projects with their phase, filtered and paginated', async () => {
    const a = await create('List A').expect(201);
    await create('List B').expect(201);
    await http.post(`/admin/projects/${a.body.id}/phases/advance`).set(auth).send({}).expect(200);
    const page = await http.get('/admin/projects').query({ phase: 'prototyping', limit: 100 }).set(auth).expect(200);
    expect(page.body.items.every((p: { phase: string }) => p.phase === 'prototyping')).toBe(true);
    expect(page.body.items.map((p: { id: string }) => p.id)).toContain(a.body.id);
    const small = await http.get('/admin/projects').query({ limit: 1, offset: 1 }).set(auth).expect(200);
    expect(small.body).toMatchObject({ limit: 1, offset: 1 });
    expect(small.body.items).toHaveLength(1);
    expect(small.body.total).toBeGreaterThanOrEqual(2);
  });

  describe('authentication', () => {
    it('rejects a missing or wrong coordinator token with 401', async () => {
      const none = await http.get('/admin/projects').expect(401);
      expect(none.body.code).toBe('unauthorized');
      expect(none.headers['www-authenticate']).toContain('Bearer');
      await http.post('/admin/projects').send({ name: 'x' }).expect(401);
      await http.get('/admin/projects').set('Authorization', 'Bearer not-the-token').expect(401);
      await http.get('/admin/projects').set('Authorization', ADMIN_TOKEN).expect(401);
    });
  });

  describe('bad input gets a 400 problem naming each field', () => {
    it('malformed JSON', async () => {
      const res = await http.post('/admin/projects').set(auth).set('Content-Type', 'application/json').send('{"name": ').expect(400);
      expect(res.body).toMatchObject({ status: 400, code: 'malformed_json' });
    });

    it('unknown, missing and mistyped fields', async () => {
      const res = await http.post('/admin/projects').set(auth).send({ name: 42, colour: 'red' }).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'name', code: 'isString' }),
          expect.objectContaining({ field: 'colour', code: 'unknownField' }),
        ]),
      );
      const missing = await http.post('/admin/projects').set(auth).send({}).expect(400);
      expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
      const blank = await http.post('/admin/projects').set(auth).send({ name: '   ' }).expect(400);
      expect(blank.body.errors).toEqual([expect.objectContaining({ field: 'name', code: 'isNotEmpty' })]);
    });

    it('bad ids, bad phases, bad query parameters, bad idempotency keys', async () => {
      const badId = await http.post('/admin/projects/not-a-uuid/phases/advance').set(auth).send({}).expect(400);
      expect(badId.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
      const { body } = await create('Bad input target').expect(201);
      const badPhase = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({ fromPhase: 'harvest' }).expect(400);
      expect(badPhase.body.errors).toEqual([expect.objectContaining({ field: 'fromPhase', code: 'isIn' })]);
      const badQuery = await http.get('/admin/projects').query({ limit: 0, status: 'sleeping' }).set(auth).expect(400);
      expect(badQuery.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'status']);
      const badKey = await http.post('/admin/projects').set(auth).set('Idempotency-Key', 'has spaces').send({ name: 'x' }).expect(400);
      expect(badKey.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      await http.post(`/admin/projects/${body.id}/cancel`).set(auth).send({}).expect(400);
    });

    it('unknown project ids are 404', async () => {
      const res = await http.get('/admin/projects/00000000-0000-4000-8000-000000000000').set(auth).expect(404);
      expect(res.body.code).toBe('not_found');
      await http.post('/admin/projects/00000000-0000-4000-8000-000000000000/phases/advance').set(auth).send({}).expect(404);
    });
  });

  it('reports PostgreSQL and Temporal health separately and serves OpenAPI docs', async () => {
    const health = await http.get('/health').set(auth).expect(200);
    expect(health.body.details).toMatchObject({ postgres: { status: 'up' }, temporal: { status: 'up' } });
    const spec = await http.get('/docs/openapi.json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/admin/projects', '/admin/projects/{id}', '/admin/projects/{id}/phases/advance', '/admin/projects/{id}/cancel', '/health']),
    );
    const ui = await http.get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('lets the worker resume a project after it restarts', async () => {
    const { body } = await create('Survives a worker restart').expect(201);
    await eventually(async () => (await db.query('SELECT 1 FROM project_events WHERE project_id = $1', [body.id])).length === 1);
    await sys.worker?.close();
    sys.worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(sys.config), { logger: false });
    const res = await http.post(`/admin/projects/${body.id}/phases/advance`).set(auth).send({}).expect(200);
    expect(res.body.phase).toBe('prototyping');
  });
});
