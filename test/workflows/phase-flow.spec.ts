/**
 * A phase task that is a recipe (the `2026-12-phase-flow` path of projectPhaseWorkflow) on the
 * time-skipping test server, with the real phase, flow and job activities on a real PostgreSQL
 * (its own embedded server): the phase writes the flow through the shared `FlowPlanner`, starts
 * `flowWorkflow` as its child, and is done once the flow is delivered. The nodes and the receiver
 * are this test (as in flow.spec.ts): it answers offers, completes work and answers hand-offs as
 * the node API does. Both steps' nodes and the recipient node are in one location: no legs.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { AppConfig } from '@app/config';
import { answerOfferUpdate, completeJobUpdate, flowWorkflowId, getFlowQuery, getJobQuery, getPhaseQuery, handoffAnsweredSignal, jobWorkflowId, PhaseInput, PhaseTask, Recipe, SendJobEventInput } from '@app/contracts';
import {
  dataSourceOptions,
  FlowPlanner,
  FlowRunRepository,
  FlowsRepository,
  FundingRepository,
  JobsRepository,
  LocationsRepository,
  MailOutboxRepository,
  MembersRepository,
  NodesRepository,
  PickupPointsRepository,
  ProjectPhasesRepository,
  RecipesRepository,
} from '@app/db';
import { DecisionLinks, MailOutbox, MemberLinks } from '@app/mail';
import { WORKFLOWS_ENTRY } from '@app/temporal';
import { FlowActivities } from '../../apps/worker/src/activities/flow.activities';
import { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { PhaseActivities } from '../../apps/worker/src/activities/phase.activities';
import { projectPhaseWorkflow } from '../../workflows';
import { startOwnPostgres, OwnPostgres } from '../support/own-postgres';
import { createTimeSkippingEnv, quietDecisionActivities, recordHistoriesIfAsked } from '../support/temporal';

/** Polls (real time) until `get` answers something `ok` takes. */
async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean = (v) => Boolean(v)): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('projectPhaseWorkflow with a recipe task', () => {
  let pg: OwnPostgres;
  let ds: DataSource;
  let bundle: WorkflowBundleWithSourceMap;
  let env: TestWorkflowEnvironment;
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> => ds.query(sql, params);

  beforeAll(async () => {
    pg = await startOwnPostgres();
    ds = await new DataSource(dataSourceOptions(pg.url)).initialize();
    bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  }, 180_000);
  afterAll(async () => {
    await ds?.destroy();
    await pg?.stop();
  });
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  const member = async (name: string) => (await new MembersRepository(ds).create({ name, email: `${name}-${randomUUID()}@example.org`, status: 'active' })).id;
  async function node(name: string, locationId: string, functions: string[], flowTypes?: string[]): Promise<string> {
    const n = await new NodesRepository(ds).create({
      name,
      ownerMemberId: await member(`owner-${name}`),
      locationId,
      automationLevel: 'conventional',
      capabilities: functions.map((f) => ({ function: f, capacity: 10, unit: 'parts/week' })),
      webhookUrl: `https://${name}.example/hook`,
      webhookSecret: 'whsec_x',
    });
    if (flowTypes) await q(`UPDATE nodes SET flow_types = $2, served_location_ids = $3 WHERE id = $1`, [n.id, JSON.stringify(flowTypes), JSON.stringify([locationId])]);
    return n.id;
  }

  async function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `phase-flow-${randomUUID()}`;
    const config = {
      publicUrl: 'http://dpn.test',
      coordinatorEmail: 'coordinator@example.org',
      mailFrom: 'DPN <dpn@example.org>',
      linkSecret: 'x'.repeat(32),
      temporal: { address: '', namespace: 'default', taskQueue },
    } as unknown as AppConfig;
    const outbox = new MailOutbox(new MailOutboxRepository(ds), config);
    const jobsRepo = new JobsRepository(ds);
    const members = new MembersRepository(ds);
    const nodes = new NodesRepository(ds);
    const planner = new FlowPlanner(new FlowsRepository(ds), new RecipesRepository(ds), members, nodes, new PickupPointsRepository(ds));
    const phaseActs = new PhaseActivities(new ProjectPhasesRepository(ds), jobsRepo, new FundingRepository(ds, undefined as never), members, nodes, undefined as never, undefined as never, planner, env.client);
    const flowActs = new FlowActivities(new FlowRunRepository(ds), jobsRepo, members, outbox, new MemberLinks(config, new DecisionLinks(config)), env.client, config);
    const jobActs = new JobActivities(jobsRepo, nodes, members, undefined as never, outbox, env.client, config);
    const bind = <C extends object>(o: C) =>
      Object.fromEntries(
        Object.getOwnPropertyNames(Object.getPrototypeOf(o))
          .filter((k) => k !== 'constructor')
          .map((k) => [k, (o as Record<string, (...a: unknown[]) => Promise<unknown>>)[k].bind(o)]),
      );
    const activities = {
      ...quietDecisionActivities,
      ...bind(jobActs),
      ...bind(flowActs),
      ...bind(phaseActs),
      // The nodes' receivers: not reached in this test (the e2e tests deliver them over HTTP).
      sendJobEvent: async (_e: SendJobEventInput) => 'delivered' as const,
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    return worker.runUntil(fn(taskQueue));
  }

  async function acceptOffer(jobId: string, expectNodeId: string): Promise<void> {
    const h = env.client.workflow.getHandle(jobWorkflowId(jobId));
    const v = (await until(`job ${jobId} offered`, () => h.query(getJobQuery).catch(() => null), (x) => x?.status === 'offered'))!;
    expect(v.offers.at(-1)!.nodeId).toBe(expectNodeId);
    await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: expectNodeId, offerId: v.offers.at(-1)!.offerId }] });
  }
  const complete = (jobId: string, nodeId: string, made: number) => env.client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(completeJobUpdate, { args: [{ nodeId, made, scrapped: 0 }] });
  const pendingHandoff = (flowId: string, toId: string) =>
    until(`a hand-off to ${toId}`, () => q<{ id: string }>(`SELECT id FROM handoffs WHERE flow_id = $1 AND to_id = $2 AND status = 'pending'`, [flowId, toId]), (r) => r.length > 0).then((r) => r[0]);
  /** The receiving node accepts, as the API records it (the hand-off and the lot in one transaction), then the flow is told. */
  async function acceptHandoff(flowId: string, handoffId: string): Promise<void> {
    await ds.transaction(async (m) => {
      const [[h]] = await m.query(
        `UPDATE handoffs SET status = 'accepted', quantity_received = quantity_sent, answered_at = now(), answered_by = 'test' WHERE id = $1 AND status = 'pending' RETURNING lot_id, to_type, to_id`,
        [handoffId],
      );
      await m.query(`UPDATE lots SET status = 'received', holder_type = $2, holder_id = $3, updated_at = now() WHERE id = $1`, [h.lot_id, h.to_type, h.to_id]);
    });
    await env.client.workflow.getHandle(flowWorkflowId(flowId)).signal(handoffAnsweredSignal, { handoffId });
  }
  const jobOf = (flowId: string, key: string) =>
    until(`a job for ${key}`, async () => (await env.client.workflow.getHandle(flowWorkflowId(flowId)).query(getFlowQuery)).steps.find((s) => s.key === key)?.jobId) as Promise<string>;

  async function world() {
    const [loc] = [(await new LocationsRepository(ds).create({ name: 'Park A', kind: 'industrial-park', address: 'Park A 1' })).id];
    // Capabilities of this world only: the nodes of another test in the same database are never offered its steps.
    const tag = randomUUID().slice(0, 8);
    const cutter = await node('cutter', loc, [`cnc-milling-${tag}`]);
    const assembler = await node('assembler', loc, [`assembly-${tag}`]);
    const shop = await node('shop', loc, ['retail']);
    // Flows need a carrier for every flow type the recipe's outputs may travel as, even when no leg is needed.
    await node('van', loc, ['transport'], ['crate']);
    const coordinator = await member('coordinator');
    const projectId = randomUUID();
    await q(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES ($1, 'Shelves', 'node-buildout', 'active', $2, 'test')`, [projectId, `project-${projectId}`]);
    const recipe: Recipe = {
      name: 'shelf',
      steps: [
        { key: 'cut', capability: `cnc-milling-${tag}`, produces: { item: 'panel', unit: 'pcs' }, inputs: [], leadTimeHours: 24 },
        { key: 'assemble', capability: `assembly-${tag}`, produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }], leadTimeHours: 24 },
      ],
    };
    const saved = (await new RecipesRepository(ds).create(recipe, coordinator, null)).recipe;
    const task: PhaseTask = {
      key: 'shelves',
      title: 'Shelves for the shop',
      capability: `assembly-${tag}`,
      quantity: 3,
      unit: 'shelves',
      specUrl: 'https://example.org/shelf',
      dueInDays: 14,
      output: 'goods',
      licence: null,
      recipient: { type: 'node', id: shop },
      upgrade: null,
      offerTimeoutHours: 24,
      confirmWithinHours: 48,
      recipeId: saved.id,
    };
    const input: PhaseInput = {
      projectId,
      projectName: 'Shelves',
      phase: 'node-buildout',
      attempt: 1,
      plan: { phase: 'node-buildout', summary: 'shelves', tasks: [task], budget: null, gate: null, nodes: [] },
      carried: { fundedRoundId: null, doneTaskKeys: [] },
      startedBy: coordinator,
    };
    return { cutter, assembler, shop, projectId, saved, input, workflowId: `project-${projectId}-node-buildout-1` };
  }

  it('a recipe task of two steps runs as a flow child; the flow delivered to the recipient node makes the task done and the phase done', async () => {
    const { cutter, assembler, shop, projectId, saved, input, workflowId } = await world();
    await withWorker(async (taskQueue) => {
      const phase = await env.client.workflow.start(projectPhaseWorkflow, { taskQueue, workflowId, args: [input] });
      const flowId = (await until('the task has a flow', () => phase.query(getPhaseQuery), (v) => !!v.tasks[0].flowId)).tasks[0].flowId!;
      // Written by the shared planner for the project, keyed by the phase attempt and task.
      const [f] = await q<{ demand_id: string; quantity: number; unit: string; recipient_id: string; recipe_id: string; idempotency_key: string; due_at: Date }>(`SELECT * FROM flows WHERE id = $1`, [flowId]);
      expect(f).toMatchObject({ demand_id: projectId, quantity: 3, unit: 'shelves', recipient_id: shop, recipe_id: saved.id, idempotency_key: `phase:${projectId}:node-buildout:1:shelves` });
      const steps = await q<{ step_key: string; good_quantity: number }>(`SELECT step_key, good_quantity FROM flow_steps WHERE flow_id = $1 ORDER BY step_key`, [flowId]);
      expect(steps.map((s) => [s.step_key, s.good_quantity])).toEqual([
        ['assemble', 3],
        ['cut', 6],
      ]);

      const cutJob = await jobOf(flowId, 'cut');
      await acceptOffer(cutJob, cutter);
      await complete(cutJob, cutter, 6);
      const assembleJob = await jobOf(flowId, 'assemble');
      await acceptOffer(assembleJob, assembler);
      // Same location: the cut panels go straight to the assembler, the shelves straight to the shop.
      await acceptHandoff(flowId, (await pendingHandoff(flowId, assembler)).id);
      await complete(assembleJob, assembler, 3);
      await acceptHandoff(flowId, (await pendingHandoff(flowId, shop)).id);

      const view = await phase.result();
      expect(view.status).toBe('done');
      expect(view.tasks).toEqual([expect.objectContaining({ key: 'shelves', flowId, jobId: null, status: 'confirmed', result: 'done', reason: null })]);
      expect((await q(`SELECT status FROM flows WHERE id = $1`, [flowId]))[0].status).toBe('delivered');
      expect((await q(`SELECT count(*)::int AS n FROM flow_legs WHERE flow_id = $1`, [flowId]))[0].n).toBe(0);
      const events = await q<{ kind: string; note: string }>(`SELECT kind, note FROM project_phase_events WHERE project_id = $1 ORDER BY seq`, [projectId]);
      expect(events.map((e) => e.kind)).toEqual(['phase-started', 'job-dispatched', 'task-finished', 'phase-done']);
      expect(events[2].note).toContain(`task shelves delivered: flow ${flowId}`);
      await recordHistoriesIfAsked(env.client, [{ workflowId, scenario: 'recipe-task-flow-delivered_v0.7.0' }]);
    });
  }, 180_000);

  it('a phase cancelled while its flow runs cancels the flow through its own cancel (its open job withdrawn) and waits for it', async () => {
    const { cutter, input, workflowId, projectId } = await world();
    await withWorker(async (taskQueue) => {
      const phase = await env.client.workflow.start(projectPhaseWorkflow, { taskQueue, workflowId, args: [input] });
      const flowId = (await until('the task has a flow', () => phase.query(getPhaseQuery), (v) => !!v.tasks[0].flowId)).tasks[0].flowId!;
      const cutJob = await jobOf(flowId, 'cut');
      await acceptOffer(cutJob, cutter);
      await phase.cancel();
      await expect(phase.result()).rejects.toThrow();
      // The phase ended only after the flow had cancelled its job and itself.
      expect((await q(`SELECT status FROM flows WHERE id = $1`, [flowId]))[0].status).toBe('cancelled');
      expect((await env.client.workflow.getHandle(flowWorkflowId(flowId)).result()).status).toBe('cancelled');
      expect((await env.client.workflow.getHandle(jobWorkflowId(cutJob)).query(getJobQuery)).status).toBe('cancelled');
      const events = await q<{ kind: string; note: string }>(`SELECT kind, note FROM project_phase_events WHERE project_id = $1 ORDER BY seq`, [projectId]);
      expect(events.at(-1)).toMatchObject({ kind: 'phase-cancelled', note: expect.stringContaining('1 job(s) withdrawn') });
      await recordHistoriesIfAsked(env.client, [{ workflowId, scenario: 'recipe-task-flow-cancelled-with-phase_v0.7.0' }]);
    });
  }, 180_000);
});
