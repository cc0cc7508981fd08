/**
 * Operations you can see: one request id from the HTTP request through the workflow it starts to
 * the activities it runs, on every log line (the real logger's JSON output, captured); Prometheus
 * metrics of the API and of the worker (with the Temporal SDK's own) after a request, a webhook
 * attempt, a ledger posting and an email.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetricsServer } from '../../apps/worker/src/metrics-server.service';
import { ADMIN_TOKEN, eventually, suffix, useTestSystem } from '../support/stack';

type Line = Record<string, unknown> & { level: string; message: string; process: string };

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids, structured logs and metrics', () => {
  const raw: string[] = [];
  const t = useTestSystem({ mail: true, env: { WORKER_METRICS_PORT: '0' }, logs: (line) => void raw.push(line) });
  const lines = () => raw.map((l) => JSON.parse(l) as Line);
  let receiver: Server;
  beforeAll(async () => {
    receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => receiver.close(r)));

  it('writes every line as one JSON object', () => {
    expect(raw.length).toBeGreaterThan(0);
    for (const l of raw) {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.trimEnd()).not.toContain('\n');
      expect(JSON.parse(l)).toMatchObject({ time: expect.any(String), level: expect.any(String), process: expect.stringMatching(/^(api|worker)$/), message: expect.any(String) });
    }
  });

  it('carries a request id from the request to its workflow and the workflow’s activities, and sends it back', async () => {
    const requestId = `obs-${suffix()}`;
    const res = await t.http.post('/admin/projects').set(auth).set('x-request-id', requestId).send({ name: 'Seen from afar' }).expect(201);
    expect(res.headers['x-request-id']).toBe(requestId);
    const projectId = res.body.id as string;

    // The activity the workflow runs for it, the workflow itself, and the request's own line.
    const activity = await eventually(async () => lines().find((l) => l.message === 'project transition recorded' && l.projectId === projectId));
    expect(activity).toMatchObject({ process: 'worker', context: 'Activity', level: 'info', requestId, activityType: 'recordProjectTransition', workflowId: expect.any(String) });
    expect(activity).not.toHaveProperty('taskToken');
    const workflowId = activity.workflowId as string;
    const workflow = await eventually(async () => lines().find((l) => l.workflowId === workflowId && l.runId !== undefined && l.message === 'Workflow started'));
    expect(workflow).toMatchObject({ process: 'worker', requestId, workflowType: 'productionProjectWorkflow' });
    const access = lines().find((l) => l.context === 'HTTP' && l.requestId === requestId);
    expect(access).toMatchObject({ process: 'api', method: 'POST', route: '/admin/projects', status: 201, durationMs: expect.any(Number) });
    // Every line of this workflow at LOG_LEVEL=info carries it (the SDK's own trace and debug
    // lines about tasks, written before any interceptor runs, cannot).
    const ofWorkflow = lines().filter((l) => l.workflowId === workflowId && !['debug', 'trace'].includes(l.level));
    expect(ofWorkflow.length).toBeGreaterThan(0);
    expect(ofWorkflow.filter((l) => l.requestId !== requestId)).toEqual([]);
  });

  it('makes a request id when the client sends none or one that does not look like one', async () => {
    const none = await t.http.get('/public/projects').expect(200);
    expect(none.headers['x-request-id']).toMatch(UUID);
    for (const bad of ['has spaces', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const res = await t.http.get('/public/projects').set('x-request-id', bad).expect(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    // A problem document answers with the same id as its header.
    const missing = await t.http.get('/admin/projects/00000000-0000-4000-8000-000000000000').set(auth).set('x-request-id', 'lost-1').expect(404);
    expect(missing.headers['x-request-id']).toBe('lost-1');
  });

  it('exposes the metrics of requests, webhook attempts, ledger postings, mail and Temporal calls', async () => {
    const member = (await t.http.post('/admin/members').set(auth).send({ name: 'Metered', email: `metered-${suffix()}@example.org` }).expect(201)).body as { id: string; email: string };
    const node = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'Metered node', ownerMemberId: member.id, automationLevel: 'manual', capabilities: [{ function: 'assembly', capacity: 1, unit: 'kits/day' }], webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` })
        .expect(201)
    ).body as { id: string };
    expect((await t.http.post(`/admin/nodes/${node.id}/ping`).set(auth).send({}).expect(200)).body.outcome).toBe('delivered');
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `obs-${member.id}`).send({ memberId: member.id, amount: '1000', currency: 'EUR' }).expect(201);
    await t.http.get(`/admin/nodes/${node.id}`).set(auth).expect(200);
    await t.http.post('/session/sign-in-links').send({ email: member.email }).expect(202);

    // The mail goes out through the worker's relay; in this test API and worker share a process (and a registry).
    const text = await eventually(async () => {
      const body = (await t.http.get('/metrics').expect(200)).text;
      return /^dpn_mail_sent_total [1-9]/m.test(body) ? body : undefined;
    });
    expect(text).toMatch(/^dpn_http_request_duration_seconds_count\{method="POST",route="\/admin\/projects",status="201"\} [1-9]/m);
    expect(text).toMatch(/^dpn_http_request_duration_seconds_count\{method="GET",route="\/admin\/nodes\/:id",status="200"\} [1-9]/m);
    expect(text).toMatch(/^dpn_webhook_attempts_total\{event_type="node.ping",outcome="delivered"\} [1-9]/m);
    expect(text).toMatch(/^dpn_ledger_postings_total\{kind="deposit",outcome="posted"\} [1-9]/m);
    expect(text).toMatch(/^dpn_temporal_client_request_duration_seconds_count\{operation="start",outcome="ok"\} [1-9]/m);
    // Route templates, never ids or raw paths.
    expect(text).not.toContain(node.id);
    expect(text).not.toContain(member.id);
  });

  it('serves the worker’s metrics, with the Temporal SDK’s own, on its own port', async () => {
    const port = t.sys.worker!.get(MetricsServer).port;
    expect(port).toEqual(expect.any(Number));
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE dpn_mail_sent_total counter/m);
    expect(text).toMatch(/^temporal_\w+\{.*task_queue="e2e-/m);
    // The names and labels the Grafana dashboard charts.
    expect(text).toMatch(/^temporal_worker_task_slots_available\{.*worker_type="/m);
    expect(text).toMatch(/^temporal_activity_execution_latency_seconds_bucket\{.*activity_type="recordProjectTransition"/m);
    expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_seconds_bucket\{/m);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('refuses metrics to a request relayed by a proxy (no METRICS_TOKEN: inside the network only)', async () => {
    await t.http.get('/metrics').set('X-Forwarded-For', '203.0.113.9').expect(403);
    const port = t.sys.worker!.get(MetricsServer).port;
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
  });
});
