/**
 * A phase task that is a recipe (the `2026-12-phase-flow` path of projectPhaseWorkflow) on the
 * time-skipping test server, with the real phase, flow and job activities on a real PostgreSQL
 * (its own embedded server): the phase writes the flow through the shared `FlowPlanner`, starts
 * `flowWorkflow` as its child, and is done once the flow is delivered. The nodes and the receiver
 * are this test (as in flow.spec.ts): it answers offers, completes work and answers hand-offs as
 * the node API does. Both steps' nodes and the recipient node are in one location: no legs.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { flowWorkflowId, getJobQuery, getPhaseQuery, handoffAnsweredSignal, jobWorkflowId, PhaseInput, PhaseTask, Recipe, SendJobEventInput } from '@app/contracts';
import {
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
import { FlowActivities } from '../../apps/worker/src/activities/flow.activities';
import { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { PhaseActivities } from '../../apps/worker/src/activities/phase.activities';
import { projectPhaseWorkflow } from '../../workflows';
import { eventually } from '../support/eventually';
import { bindActivities, useFlowNetwork } from '../support/flow-network';
import { quietDecisionActivities, recordHistoriesIfAsked } from '../support/temporal';

describe('projectPhaseWorkflow with a recipe task', () => {
  // Its own PostgreSQL and bundle for the file, a time-skipping server per test (as flow.spec.ts).
  const net = useFlowNetwork();
  const { q, member, node, jobOf, acceptOffer, complete, pendingHandoff } = net;

  async function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `phase-flow-${randomUUID()}`;
    const config = net.workerConfig(taskQueue);
    const outbox = new MailOutbox(new MailOutboxRepository(net.ds), config);
    const jobsRepo = new JobsRepository(net.ds);
    const members = new MembersRepository(net.ds);
    const nodes = new NodesRepository(net.ds);
    const planner = new FlowPlanner(new FlowsRepository(net.ds), new RecipesRepository(net.ds), members, nodes, new PickupPointsRepository(net.ds));
    const phaseActs = new PhaseActivities(new ProjectPhasesRepository(net.ds), jobsRepo, new FundingRepository(net.ds, undefined as never), members, nodes, undefined as never, undefined as never, planner, net.env.client);
    const flowActs = new FlowActivities(new FlowRunRepository(net.ds), jobsRepo, members, outbox, new MemberLinks(config, new DecisionLinks(config)), net.env.client, config);
    const jobActs = new JobActivities(jobsRepo, nodes, members, undefined as never, outbox, net.env.client, config);
    const activities = {
      ...quietDecisionActivities,
      ...bindActivities(jobActs, flowActs, phaseActs),
      // The nodes' receivers: not reached in this test (the e2e tests deliver them over HTTP).
      sendJobEvent: async (_e: SendJobEventInput) => 'delivered' as const,
    };
    const worker = await Worker.create({ connection: net.env.nativeConnection, taskQueue, workflowBundle: net.bundle, activities });
    return worker.runUntil(fn(taskQueue));
  }

  /** The receiving node accepts, as the API records it (the hand-off and the lot in one transaction), then the flow is told. */
  async function acceptHandoff(flowId: string, handoffId: string): Promise<void> {
    await net.ds.transaction(async (m) => {
      const [[h]] = await m.query(
        `UPDATE handoffs SET status = 'accepted', quantity_received = quantity_sent, answered_at = now(), answered_by = 'test' WHERE id = $1 AND status = 'pending' RETURNING lot_id, to_type, to_id`,
        [handoffId],
      );
      await m.query(`UPDATE lots SET status = 'received', holder_type = $2, holder_id = $3, updated_at = now() WHERE id = $1`, [h.lot_id, h.to_type, h.to_id]);
    });
    await net.env.client.workflow.getHandle(flowWorkflowId(flowId)).signal(handoffAnsweredSignal, { handoffId });
  }

  async function world() {
    const [loc] = [(await new LocationsRepository(net.ds).create({ name: 'Park A', kind: 'industrial-park', address: 'Park A 1' })).id];
    // Capabilities of this world only: the nodes of another test in the same database are never offered its steps.
    const tag = randomUUID().slice(0, 8);
    const cutter = await node('cutter', loc, [`cnc-milling-${tag}`]);
    const assembler = await node('assembler', loc, [`assembly-${tag}`]);
    const shop = await node('shop', loc, ['retail']);
    // Flows need a carrier for every flow type the recipe's outputs may travel as, even when no leg is needed.
    await node('van', loc, ['transport'], { flowTypes: ['crate'], served: [loc] });
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
    const saved = (await new RecipesRepository(net.ds).create(recipe, coordinator, null)).recipe;
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
      const phase = await net.env.client.workflow.start(projectPhaseWorkflow, { taskQueue, workflowId, args: [input] });
      const flowId = await eventually(async () => (await phase.query(getPhaseQuery)).tasks[0].flowId);
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
      await recordHistoriesIfAsked(net.env.client, [{ workflowId, scenario: 'recipe-task-flow-delivered_v0.7.0' }]);
    });
  }, 180_000);

  it('a phase cancelled while its flow runs cancels the flow through its own cancel (its open job withdrawn) and waits for it', async () => {
    const { cutter, input, workflowId, projectId } = await world();
    await withWorker(async (taskQueue) => {
      const phase = await net.env.client.workflow.start(projectPhaseWorkflow, { taskQueue, workflowId, args: [input] });
      const flowId = await eventually(async () => (await phase.query(getPhaseQuery)).tasks[0].flowId);
      const cutJob = await jobOf(flowId, 'cut');
      await acceptOffer(cutJob, cutter);
      await phase.cancel();
      await expect(phase.result()).rejects.toThrow();
      // The phase ended only after the flow had cancelled its job and itself.
      expect((await q(`SELECT status FROM flows WHERE id = $1`, [flowId]))[0].status).toBe('cancelled');
      expect((await net.env.client.workflow.getHandle(flowWorkflowId(flowId)).result()).status).toBe('cancelled');
      expect((await net.env.client.workflow.getHandle(jobWorkflowId(cutJob)).query(getJobQuery)).status).toBe('cancelled');
      const events = await q<{ kind: string; note: string }>(`SELECT kind, note FROM project_phase_events WHERE project_id = $1 ORDER BY seq`, [projectId]);
      expect(events.at(-1)).toMatchObject({ kind: 'phase-cancelled', note: expect.stringContaining('1 job(s) withdrawn') });
      await recordHistoriesIfAsked(net.env.client, [{ workflowId, scenario: 'recipe-task-flow-cancelled-with-phase_v0.7.0' }]);
    });
  }, 180_000);
});
