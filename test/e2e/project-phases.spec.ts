/**
 * A production project running its phases for real, on the time-skipping test server: the real
 * API (listening on a port) and worker, PostgreSQL, a real SMTP server, and real HTTP node
 * receivers (the reference receiver from examples/, simulating work). The whole project is the
 * demo's (scripts/demo-network.ts), so `npm run demo` is tested here too. Then projects cancelled
 * in the middle of a funding round and of their jobs: everything is given back and withdrawn.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DemoNetwork, DemoOptions, seedNetwork, simulateMembers, walkProject } from '../../scripts/demo-network';
import { MailCatcherHandle, startMailCatcher } from '../../libs/dev-stack/src/mail-catcher';
import { ADMIN_TOKEN, createTestDatabase, eventually, startSystem, suffix, TestDatabase, TestSystem } from '../support/stack';
import { createTimeSkippingEnv, recordHistoriesIfAsked } from '../support/temporal';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; onEvent?: (e: { id: string; type: string; data: Record<string, unknown> }) => void; answerOffers?: { apiUrl: string; token: string; decide: () => 'accept' | null }; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface Phase {
  phase: string;
  state: string;
  reason: string | null;
  round: { id: string; status: string; total: string } | null;
  jobs: Array<{ id: string; taskKey: string; status: string; nodeId: string | null; nodeName: string | null; leadTimes: Record<string, string | number | null> }>;
  outputs: Array<{ taskKey: string; kind: string; title: string; url: string; licence: string | null }>;
  nodeChecks: Array<{ nodeId: string; status: string; detail: string | null }>;
  upgrades: Array<{ nodeId: string; toLevel: string; applied: boolean }>;
  blockedOn: Array<{ party: string; id: string | null; what: string }>;
}

describe('production projects running their phases (time-skipping server, real HTTP receivers, real SMTP)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let sys: TestSystem;
  let mail: MailCatcherHandle;
  let mailDir: string;
  let http: ReturnType<typeof request>;
  let apiUrl: string;
  let net: DemoNetwork;
  const servers: Server[] = [];
  const lines: string[] = [];
  let o: DemoOptions;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    mailDir = await mkdtemp(join(tmpdir(), 'dpn-mail-'));
    mail = await startMailCatcher({ storeDir: mailDir, smtpPort: 0, uiPort: 0 });
    db = await createTestDatabase();
    sys = await startSystem({ databaseUrl: db.url, temporalAddress: env.address, smtpUrl: mail.smtpUrl });
    await sys.api.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(sys.api.getHttpServer().address() as AddressInfo).port}`;
    http = request(sys.api.getHttpServer());
    o = { apiUrl, adminToken: ADMIN_TOKEN, log: (l) => void lines.push(l), workMs: 300, tag: suffix(), stepTimeoutMs: 60_000 };
    net = await seedNetwork(o);
  }, 120_000);

  afterAll(async () => {
    await net?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await sys?.close();
    await env?.teardown();
    await db?.drop();
    await mail?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  const project = async (id: string) => (await http.get(`/admin/projects/${id}`).set(auth).expect(200)).body as { phase: string; status: string; phases: Phase[]; blockedOn: unknown[]; timeline: Array<{ kind: string }>; events: Array<{ source: string; kind: string; phase: string }> };
  const balance = async (kind: string, ownerId: string) =>
    BigInt(
      (
        await db.query<{ b: string }>(
          `SELECT COALESCE(SUM(e.amount), 0)::text AS b FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = $1 AND a.owner_id = $2 AND a.currency = 'EUR'`,
          [kind, ownerId],
        )
      )[0]?.b ?? '0',
    );

  it('walks the demo project from rnd to completed: round, jobs, outputs, a members gate, verified webhooks, an upgrade raised in the registry', async () => {
    const stopMembers = simulateMembers(o, net, 300);
    let id: string;
    try {
      id = await walkProject(o, net);
    } catch (err) {
      throw new Error(`${String(err)}\n--- demo log ---\n${lines.slice(-40).join('\n')}`);
    } finally {
      await stopMembers();
    }
    const p = await project(id);
    expect(p.status).toBe('completed');
    const [rnd, proto, buildout, upgrade] = p.phases;
    expect(p.phases.map((x) => [x.phase, x.state])).toEqual([
      ['rnd', 'done'],
      ['prototyping', 'done'],
      ['node-buildout', 'done'],
      ['upgrade', 'done'],
    ]);

    // rnd: funded round, design jobs made by the design studio, designs attached under their licences.
    expect(rnd.round).toMatchObject({ status: 'funded', total: '150000' });
    expect(await balance('project', id)).toBe(150_000n);
    expect(rnd.jobs.map((j) => [j.taskKey, j.status, j.nodeId])).toEqual([
      ['concept-design', 'confirmed', net.nodes.studio.id],
      ['node-detail-design', 'confirmed', net.nodes.studio.id],
    ]);
    for (const j of rnd.jobs) expect(j.leadTimes).toMatchObject({ firstOfferedAt: expect.any(String), acceptedAt: expect.any(String), completedAt: expect.any(String), confirmedAt: expect.any(String), offerToConfirmHours: expect.any(Number) });
    expect(rnd.outputs.map((x) => [x.taskKey, x.kind, x.licence])).toEqual(
      expect.arrayContaining([
        ['concept-design', 'design', 'CERN-OHL-S-2.0'],
        ['node-detail-design', 'design', 'CERN-OHL-W-2.0'],
      ]),
    );
    expect(rnd.outputs[0].url).toMatch(/^https:\/\/designs\.demo\.dpn\.example\//);
    // The offers told the node what to deliver.
    expect(net.nodes.studio.events.find((e) => e.type === 'job.offered')?.data.deliverable).toEqual({ kind: 'design', licence: expect.any(String) });

    // prototyping: a test report, and the funders' vote on the gate.
    expect(proto.outputs.map((x) => [x.kind, x.licence])).toEqual([['test-report', 'CC-BY-4.0']]);
    expect(proto.jobs.map((j) => j.nodeId)).toEqual([net.nodes.shop.id, net.nodes.shop.id]);
    expect(p.timeline.map((e) => e.kind)).toContain('vote-opened');

    // node-buildout: the new node answered a signed ping (its receiver verifies signatures).
    expect(buildout.nodeChecks).toEqual([{ nodeId: net.nodes.woodshop.id, status: 'verified', detail: expect.stringContaining('HTTP 200') }]);
    expect(net.nodes.woodshop.events.some((e) => e.type === 'node.ping' && e.data.purpose === 'verify-data-transport')).toBe(true);
    expect(buildout.jobs.map((j) => [j.taskKey, j.nodeId])).toEqual([['rack-frames', net.nodes.woodshop.id]]);

    // upgrade: the confirmed retrofit raised the woodshop in the registry.
    expect(upgrade.upgrades).toEqual([{ nodeId: net.nodes.woodshop.id, toLevel: 'computer-aided', applied: true }]);
    const woodshop = (await http.get(`/admin/nodes/${net.nodes.woodshop.id}`).set(auth).expect(200)).body;
    expect(woodshop.automationLevel).toBe('computer-aided');
    expect(woodshop.capabilities).toEqual([expect.objectContaining({ function: 'woodworking', capacity: 40 })]);

    // One timeline from the projection: transitions and the work inside each phase, in order.
    expect(p.timeline.map((e) => e.kind)).toEqual([
      'started',
      'phase-started',
      'phase-done',
      'advanced',
      'phase-started',
      'phase-done',
      'vote-opened',
      'advanced',
      'phase-started',
      'phase-done',
      'advanced',
      'phase-started',
      'phase-done',
      'completed',
    ]);
    const phaseKinds = p.events.filter((e) => e.source === 'phase').map((e) => e.kind);
    for (const k of ['phase-started', 'round-opened', 'round-closed', 'job-dispatched', 'task-finished', 'output-attached', 'node-verified', 'node-upgraded', 'phase-done']) expect(phaseKinds).toContain(k);
    expect(p.blockedOn).toEqual([]);

    // Real mail: the round opened to the members, delivery confirmations, the gate vote.
    const subjects = (await mail.messages()).map((m) => m.subject);
    expect(subjects.some((s) => s.startsWith('Decision needed: Delivery'))).toBe(true);
    expect(subjects.some((s) => /Decision needed: Should .* move from prototyping to node-buildout/.test(s))).toBe(true);
    expect((await http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
    // The designs and the test report are public, with their licences (no token).
    const pub = (await http.get(`/public/projects/${id}/outputs`).expect(200)).body;
    expect(pub.outputs.map((x: { phase: string; kind: string; licence: string }) => [x.phase, x.kind, x.licence])).toEqual([
      ...rnd.outputs.map((x) => ['rnd', 'design', x.licence]),
      ['prototyping', 'test-report', 'CC-BY-4.0'],
    ]);

    const designJob = rnd.jobs[0].id;
    await recordHistoriesIfAsked(sys.temporal, [
      { workflowId: `project-${id}`, scenario: 'all-phases-worked_v0.3.0' },
      { workflowId: `project-${id}-rnd-1`, scenario: 'rnd-funded-designs-delivered_v0.3.0' },
      { workflowId: `project-${id}-prototyping-1`, scenario: 'prototyping-test-report_v0.3.0' },
      { workflowId: `project-${id}-node-buildout-1`, scenario: 'node-buildout-webhook-verified_v0.3.0' },
      { workflowId: `project-${id}-upgrade-1`, scenario: 'upgrade-applied_v0.3.0' },
      { workflowId: `job-${designJob}`, scenario: 'design-with-documents-confirmed_v0.3.0' },
    ]);
  }, 240_000);

  /** A node that takes offers and then does nothing, or one that never answers: both to be told of a cancellation. */
  async function quietNode(name: string, capability: string, accept: boolean) {
    const owner = (await http.post('/admin/members').set(auth).send({ name: `${name} owner`, email: `quiet-${suffix()}@example.org` }).expect(201)).body;
    const created = (await http.post('/admin/nodes').set(auth).send({ name, ownerMemberId: owner.id, automationLevel: 'manual', capabilities: [{ function: capability, capacity: 5, unit: 'parts/week' }], webhookUrl: 'https://placeholder.invalid/hook' }).expect(201)).body;
    const token = (await http.post(`/admin/nodes/${created.id}/tokens`).set(auth).send({ name: 'test' }).expect(201)).body.token as string;
    const events: Array<{ type: string; data: Record<string, unknown> }> = [];
    const server = createReceiver({ secrets: [created.webhookSecret], onEvent: (e) => void events.push(e), answerOffers: accept ? { apiUrl, token, decide: () => 'accept' } : undefined, log: () => undefined });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await http.patch(`/admin/nodes/${created.id}`).set(auth).send({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }).expect(200);
    return { id: created.id as string, events };
  }

  const task = (key: string, capability: string) => ({ key, title: key, capability, quantity: 3, unit: 'parts', specUrl: 'https://example.org/spec', dueInDays: 10, output: 'goods', recipient: { type: 'member', id: net.members.eli.id } });

  it('cancelling a project in the middle of its funding round gives every hold back; nothing is dispatched', async () => {
    const id = (await http.post('/admin/projects').set(auth).send({ name: `Cancelled mid-round ${suffix()}` }).expect(201)).body.id as string;
    await http
      .put(`/admin/projects/${id}/phases/rnd/plan`)
      .set(auth)
      .send({ summary: 'never finished', budget: { goal: '90000', currency: 'EUR', openForHours: 48 }, tasks: [{ ...task('frames', 'woodworking'), output: 'goods' }] })
      .expect(200);
    const before = await balance('member', net.members.eli.id);
    await http.post(`/admin/projects/${id}/phases/rnd/start`).set(auth).expect(200);
    const round = await eventually(async () => (await project(id)).phases[0].round ?? undefined, 20_000);
    const eli = net.members.eli;
    await http.post(`/members/me/rounds/${round.id}/pledge`).set('Authorization', `Bearer ${eli.token}`).send({ amount: '20000' }).expect(200);
    expect(await balance('member', eli.id)).toBe(before - 20_000n);
    // Blocked on the members' pledges, as the coordinator sees it.
    expect((await project(id)).blockedOn).toEqual([expect.objectContaining({ phase: 'rnd', party: 'members', what: expect.stringContaining('20000 of 90000') })]);

    await http.post(`/admin/projects/${id}/cancel`).set(auth).send({ reason: 'the site fell through' }).expect(200);
    const p = await project(id);
    expect(p.status).toBe('cancelled');
    expect(p.phases[0]).toMatchObject({ state: 'cancelled', round: { status: 'cancelled' }, jobs: [] });
    expect(await balance('member', eli.id)).toBe(before);
    expect(await balance('escrow', round.id)).toBe(0n);
    expect(p.events.filter((e) => e.source === 'phase').map((e) => e.kind)).toEqual(['phase-started', 'round-opened', 'round-closed', 'phase-cancelled']);
    expect(p.blockedOn).toEqual([]);
    await recordHistoriesIfAsked(sys.temporal, [
      { workflowId: `project-${id}`, scenario: 'cancelled-mid-round_v0.3.0' },
      { workflowId: `project-${id}-rnd-1`, scenario: 'cancelled-mid-round_v0.3.0' },
      { workflowId: `round-${round.id}`, scenario: 'cancelled-with-its-phase_v0.3.0' },
    ]);
  }, 60_000);

  it('cancelling a project while its jobs are offered and in production withdraws them from the nodes with job.cancelled', async () => {
    const tag = suffix();
    const busy = await quietNode(`Busy ${tag}`, `milling-${tag}`, true);
    const silent = await quietNode(`Silent ${tag}`, `printing-${tag}`, false);
    const id = (await http.post('/admin/projects').set(auth).send({ name: `Cancelled mid-job ${tag}` }).expect(201)).body.id as string;
    await http.put(`/admin/projects/${id}/phases/rnd/plan`).set(auth).send({ summary: 'two parts', tasks: [task('milled', `milling-${tag}`), task('printed', `printing-${tag}`)] }).expect(200);
    await http.post(`/admin/projects/${id}/phases/rnd/start`).set(auth).expect(200);
    const jobs = await eventually(async () => {
      const j = (await project(id)).phases[0].jobs;
      return j.length === 2 && j.find((x) => x.taskKey === 'milled')?.status === 'accepted' && j.find((x) => x.taskKey === 'printed')?.status === 'offered' ? j : undefined;
    }, 30_000);
    const blocked = (await project(id)).blockedOn as Array<{ party: string; id: string; what: string }>;
    expect(blocked.map((b) => [b.party, b.id])).toEqual(expect.arrayContaining([['node', busy.id], ['node', silent.id]]));

    // Bad input first: it is refused and changes nothing.
    expect((await http.post(`/admin/projects/${id}/phases/prototyping/start`).set(auth).expect(409)).body.code).toBe('phase_not_planned');
    expect((await http.post(`/admin/projects/${id}/phases/rnd/start`).set(auth).expect(409)).body.code).toBe('phase_running');
    expect((await http.post(`/admin/projects/${id}/phases/advance`).set(auth).send({}).expect(409)).body.code).toBe('phase_running');
    expect((await http.put(`/admin/projects/${id}/phases/rnd/plan`).set(auth).send({ summary: 'x', tasks: [task('a', 'x')] }).expect(409)).body.code).toBe('phase_running');

    await http.post(`/admin/projects/${id}/cancel`).set(auth).send({ reason: 'demand gone' }).expect(200);
    const p = await project(id);
    expect(p.status).toBe('cancelled');
    expect(p.phases[0].state).toBe('cancelled');
    expect(p.phases[0].jobs.map((j) => j.status)).toEqual(['cancelled', 'cancelled']);
    for (const n of [busy, silent]) {
      const cancelled = await eventually(async () => n.events.find((e) => e.type === 'job.cancelled'), 20_000);
      expect(jobs.map((j) => j.id)).toContain(cancelled.data.jobId);
    }
    await recordHistoriesIfAsked(sys.temporal, [
      { workflowId: `project-${id}`, scenario: 'cancelled-mid-job_v0.3.0' },
      { workflowId: `project-${id}-rnd-1`, scenario: 'cancelled-mid-job_v0.3.0' },
    ]);
  }, 90_000);

  it('refuses bad plans with 422 and one error per field, and unknown phases with 400', async () => {
    const id = (await http.post('/admin/projects').set(auth).send({ name: `Bad plans ${suffix()}` }).expect(201)).body.id as string;
    const shelf = {
      name: `shelf-${suffix()}`,
      steps: [
        { key: 'cut', capability: 'cnc-milling', produces: { item: 'panel', unit: 'pcs' }, inputs: [], leadTimeHours: 24 },
        { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }], leadTimeHours: 8 },
      ],
    };
    const recipeId = (await http.post('/admin/recipes').set(auth).send(shelf).expect(201)).body.id as string;
    const res = await http
      .put(`/admin/projects/${id}/phases/rnd/plan`)
      .set(auth)
      .send({
        summary: 'bad',
        tasks: [
          { ...task('a', 'design'), output: 'upgrade' },
          { ...task('a', 'design'), recipient: { type: 'node', id: '00000000-0000-4000-8000-000000000000' } },
          // Recipe tasks: a recipe that is not saved, and one that makes shelves for a task counted in another unit.
          { ...task('r1', 'assembly'), recipeId: '00000000-0000-4000-8000-000000000001' },
          { ...task('r2', 'assembly'), recipeId },
        ],
        nodes: [net.nodes.woodshop.id],
      })
      .expect(422);
    expect(res.body.code).toBe('invalid_plan');
    expect(res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual(
      expect.arrayContaining([
        ['tasks[0].output', 'output_not_in_phase'],
        ['tasks[0].upgrade', 'upgrade_required'],
        ['tasks[1].key', 'duplicate_task_key'],
        ['nodes', 'nodes_not_in_phase'],
        ['tasks[1].recipient.id', 'unknown_node'],
        ['tasks[2].recipeId', 'unknown_recipe'],
        ['tasks[3].unit', 'recipe_unit_mismatch'],
      ]),
    );
    expect((await http.put(`/admin/projects/${id}/phases/smelting/plan`).set(auth).send({}).expect(400)).body.errors[0].field).toBe('phase');
    expect((await http.put(`/admin/projects/${id}/phases/rnd/plan`).set(auth).send({ summary: '', tasks: 'no' }).expect(400)).body.code).toBe('validation_failed');
    // Skipping needs a reason, and is recorded with it.
    await http.post(`/admin/projects/${id}/phases/rnd/skip`).set(auth).send({}).expect(400);
    await http.post(`/admin/projects/${id}/phases/prototyping/skip`).set(auth).send({ reason: 'x' }).expect(409);
    await http.post(`/admin/projects/${id}/phases/rnd/skip`).set(auth).send({ reason: 'designs exist already (OSE GVCS)' }).expect(200);
    const p = await project(id);
    expect(p.phase).toBe('prototyping');
    expect(p.phases[0]).toMatchObject({ state: 'skipped', skippedBecause: 'skipped: designs exist already (OSE GVCS)' });
    expect((await http.put(`/admin/projects/${id}/phases/rnd/plan`).set(auth).send({ summary: 'late', tasks: [task('a', 'design')] }).expect(409)).body.code).toBe('phase_passed');
  }, 60_000);
});
