/**
 * flowWorkflow and the jobs of its steps and legs (the `2026-12-job-flow` path of jobWorkflow) on
 * the time-skipping test server, with the real activities on a real PostgreSQL (its own embedded
 * server): the flow's records, the jobs' rows, node picking (transport-aware) and the mail outbox
 * are the real ones. The nodes are this test: it answers their offers and completes their work
 * through the job's Updates as the node API would, and answers hand-offs as the API does (the
 * hand-off row and the lot under one transaction, then `handoffAnswered`). Webhooks are recorded,
 * not sent (the e2e tests send real ones).
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  cancelFlowUpdate,
  flowWorkflowId,
  getFlowQuery,
  getJobQuery,
  handoffAnsweredSignal,
  jobWorkflowId,
  Recipe,
  SendJobEventInput,
} from '@app/contracts';
import { FlowRunRepository, JobsRepository, LocationsRepository, MailOutboxRepository, MembersRepository, NodesRepository } from '@app/db';
import { DecisionLinks, MailOutbox, MemberLinks } from '@app/mail';
import { FlowActivities } from '../../apps/worker/src/activities/flow.activities';
import { JobActivities } from '../../apps/worker/src/activities/job.activities';
import { flowWorkflow, jobWorkflow } from '../../workflows';
import { eventually } from '../support/eventually';
import { bindActivities, useFlowNetwork } from '../support/flow-network';
import { quietDecisionActivities, recordHistoriesIfAsked, workflowStepEvents } from '../support/temporal';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('flowWorkflow', () => {
  // Its own PostgreSQL and bundle for the file, a time-skipping server per test.
  const net = useFlowNetwork();
  const { q, member, node, jobOf, acceptOffer, complete, pendingHandoff } = net;

  // ---- The network: members, locations, nodes ------------------------------------------------

  const location = async (name: string) => (await new LocationsRepository(net.ds).create({ name, kind: 'industrial-park', address: `${name} 1` })).id;

  /** A flow as the API creates it (slice B's repository): the flow row and each step's plan. */
  async function createFlow(recipe: Recipe, o: { quantity: number; recipientId: string; recipientLocationId: string | null; plan: Record<string, { good: number; start: number; startInMs: number; doneInMs: number }> }): Promise<string> {
    const now = await net.env.currentTimeMs();
    const out = recipe.steps.find((s) => !recipe.steps.some((c) => c.inputs.some((i) => i.step === s.key)))!;
    const [f] = await q<{ id: string }>(
      `INSERT INTO flows (workflow_id, recipe, demand_type, demand_id, quantity, unit, due_at, recipient_type, recipient_id, recipient_location_id, created_by)
       VALUES ('pending', $1, 'project', $2, $3, $4, $5, 'member', $6, $7, 'coordinator') RETURNING id`,
      [JSON.stringify(recipe), randomUUID(), o.quantity, out.produces.unit, new Date(now + 30 * DAY), o.recipientId, o.recipientLocationId],
    );
    await q(`UPDATE flows SET workflow_id = $2 WHERE id = $1`, [f.id, flowWorkflowId(f.id)]);
    for (const s of recipe.steps) {
      const p = o.plan[s.key];
      await q(
        `INSERT INTO flow_steps (flow_id, step_key, capability, item, unit, good_quantity, start_quantity, lead_time_ms, lead_time_source, planned_start_at, planned_done_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'declared', $9, $10)`,
        [f.id, s.key, s.capability, s.produces.item, s.produces.unit, p.good, p.start, s.leadTimeHours * HOUR, new Date(now + p.startInMs), new Date(now + p.doneInMs)],
      );
    }
    return f.id;
  }

  // ---- The worker, with the real activities ----------------------------------------------------

  interface World {
    taskQueue: string;
    client: Client;
    /** Every webhook the nodes would have received. */
    events: SendJobEventInput[];
  }

  async function withWorker<T>(fn: (w: World) => Promise<T>): Promise<T> {
    const taskQueue = `flow-${randomUUID()}`;
    const config = net.workerConfig(taskQueue);
    const outbox = new MailOutbox(new MailOutboxRepository(net.ds), config);
    const jobsRepo = new JobsRepository(net.ds);
    const members = new MembersRepository(net.ds);
    const flowActs = new FlowActivities(new FlowRunRepository(net.ds), jobsRepo, members, outbox, new MemberLinks(config, new DecisionLinks(config)), net.env.client, config);
    const jobActs = new JobActivities(jobsRepo, new NodesRepository(net.ds), members, undefined as never, outbox, net.env.client, config);
    const w: World = { taskQueue, client: net.env.client, events: [] };
    const activities = {
      ...quietDecisionActivities,
      ...bindActivities(jobActs, flowActs),
      // The nodes' receivers: recorded here (the e2e tests deliver them over HTTP).
      sendJobEvent: async (e: SendJobEventInput) => {
        w.events.push(e);
        return 'delivered' as const;
      },
    };
    const worker = await Worker.create({ connection: net.env.nativeConnection, taskQueue, workflowBundle: net.bundle, activities });
    return worker.runUntil(fn(w));
  }

  // ---- Acting as the nodes, the carrier and the receivers ----------------------------------------

  const legJob = (flowId: string, n = 1) =>
    eventually(async () => {
      const r = await q<{ id: string; job_id: string | null }>(`SELECT id, job_id FROM flow_legs WHERE flow_id = $1 ORDER BY created_at`, [flowId]);
      return r.length >= n && r[n - 1].job_id !== null && r[n - 1];
    });

  /**
   * The receiver answers a hand-off as the API records it (slice B's repository): the hand-off and
   * the lot in one transaction (accepted → held by the receiver, in transit at a carrier, received
   * at a node, delivered to the member; rejected → the lot rejected), then the flow is signalled.
   */
  async function answerHandoff(flowId: string, handoffId: string, a: { accepted: boolean; received?: number; reason?: string }): Promise<void> {
    await net.ds.transaction(async (m) => {
      const [[h]] = await m.query(
        `UPDATE handoffs SET status = $2::varchar, quantity_received = CASE WHEN $2::varchar = 'accepted' THEN COALESCE($3::int, quantity_sent) END, reason = $4, answered_at = now(), answered_by = 'test'
          WHERE id = $1 AND status = 'pending' RETURNING lot_id, leg_id, to_type, to_id`,
        [handoffId, a.accepted ? 'accepted' : 'rejected', a.received ?? null, a.reason ?? null],
      );
      const carrier = h.leg_id ? (await m.query(`SELECT carrier_node_id FROM flow_legs WHERE id = $1`, [h.leg_id]))[0].carrier_node_id === h.to_id : false;
      const lotStatus = !a.accepted ? 'rejected' : carrier ? 'in-transit' : h.to_type === 'member' ? 'delivered' : 'received';
      await m.query(
        `UPDATE lots SET status = $2, holder_type = CASE WHEN $5::boolean THEN $3::varchar ELSE holder_type END, holder_id = CASE WHEN $5::boolean THEN $4::uuid ELSE holder_id END, updated_at = now() WHERE id = $1`,
        [h.lot_id, lotStatus, h.to_type, h.to_id, a.accepted],
      );
    });
    await net.env.client.workflow.getHandle(flowWorkflowId(flowId)).signal(handoffAnsweredSignal, { handoffId });
  }

  const startFlow = (w: World, flowId: string) => net.env.client.workflow.start(flowWorkflow, { taskQueue: w.taskQueue, workflowId: flowWorkflowId(flowId), args: [{ flowId }] });
  const jobDone = (jobId: string) => net.env.client.workflow.getHandle<typeof jobWorkflow>(jobWorkflowId(jobId)).result();

  /** Events of a run (without workflow-task bookkeeping, which a loaded machine inflates) and all of them. */
  async function historySize(workflowId: string): Promise<{ all: number; steps: number }> {
    const h = await net.env.client.workflow.getHandle(workflowId).fetchHistory();
    return { all: h.events!.length, steps: workflowStepEvents(h.events!).length };
  }

  const recipe3: Recipe = {
    name: 'shelf',
    steps: [
      { key: 'cut', capability: 'cnc-milling', produces: { item: 'panel', unit: 'pcs' }, inputs: [], leadTimeHours: 24, flowType: 'crate' },
      { key: 'finish', capability: 'finishing', produces: { item: 'finished panel', unit: 'pcs' }, inputs: [{ step: 'cut', perUnit: 1, unit: 'pcs' }], leadTimeHours: 24 },
      { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'finish', perUnit: 2, unit: 'pcs' }], leadTimeHours: 24 },
    ],
  };

  it('three steps across two nodes with a transport leg: the output accepted by the member delivers the flow, and the lots form the graph', async () => {
    const [a, b] = [await location('Park A'), await location('Park B')];
    const n1 = await node('cutter', a, ['cnc-milling']);
    const n2 = await node('finisher', b, ['finishing', 'assembly']);
    // Only the carrier serving both parks for crates is offered the leg (a busier or closer one that does not is never asked).
    const carrier = await node('van', a, ['transport'], { flowTypes: ['crate', 'pallet'], served: [a, b] });
    await node('local-van', a, ['transport'], { flowTypes: ['crate'], served: [a] });
    await node('pallet-truck', a, ['transport'], { flowTypes: ['pallet'], served: [a, b] });
    const recipient = await member('recipient');
    const flowId = await createFlow(recipe3, {
      quantity: 4,
      recipientId: recipient,
      recipientLocationId: b,
      plan: {
        cut: { good: 8, start: 8, startInMs: DAY, doneInMs: 5 * DAY },
        finish: { good: 8, start: 8, startInMs: 6 * DAY, doneInMs: 10 * DAY },
        assemble: { good: 4, start: 4, startInMs: 11 * DAY, doneInMs: 20 * DAY },
      },
    });
    await withWorker(async (w) => {
      const flow = await startFlow(w, flowId);
      // The leaf step is offered at once; the others wait for their inputs.
      const cutJob = await jobOf(flowId, 'cut');
      expect((await flow.query(getFlowQuery)).steps.map((s) => [s.key, s.jobId !== null])).toEqual([['cut', true], ['finish', false], ['assemble', false]]);
      await acceptOffer(cutJob, n1);
      await complete(cutJob, n1, 8, 1);
      // Made: the next step is offered; once its node is known the lot needs a leg (another park).
      const finishJob = await jobOf(flowId, 'finish');
      await acceptOffer(finishJob, n2);
      const leg = await legJob(flowId);
      await acceptOffer(leg.job_id!, carrier);
      const pickup = await pendingHandoff(flowId, carrier);
      await answerHandoff(flowId, pickup.id, { accepted: true });
      // The pickup answered the maker's run: the cut job is confirmed.
      expect((await jobDone(cutJob)).status).toBe('confirmed');
      await complete(leg.job_id!, carrier, 8);
      const dropoff = await pendingHandoff(flowId, n2);
      await answerHandoff(flowId, dropoff.id, { accepted: true });
      expect((await jobDone(leg.job_id!)).status).toBe('confirmed');
      await complete(finishJob, n2, 8);
      const assembleJob = await jobOf(flowId, 'assemble');
      await acceptOffer(assembleJob, n2);
      // Same node: a hand-off without a leg.
      const toAssembly = await pendingHandoff(flowId, n2);
      await answerHandoff(flowId, toAssembly.id, { accepted: true });
      expect((await jobDone(finishJob)).status).toBe('confirmed');
      await complete(assembleJob, n2, 4);
      // Same park as the member: handed over directly; the member's answer delivers the flow.
      const toMember = await pendingHandoff(flowId, recipient);
      await answerHandoff(flowId, toMember.id, { accepted: true });
      const end = await flow.result();
      expect(end).toMatchObject({ status: 'delivered', openLegs: 0, pendingHandoffs: 0 });
      expect((await jobDone(assembleJob)).status).toBe('confirmed');

      const [f] = await q(`SELECT status, delivered_at FROM flows WHERE id = $1`, [flowId]);
      expect(f.status).toBe('delivered');
      expect(f.delivered_at).not.toBeNull();
      const lots = await q<{ id: string; step_key: string; status: string; holder_id: string; quantity: number; run: number }>(`SELECT * FROM lots WHERE flow_id = $1`, [flowId]);
      const lot = (k: string) => lots.find((l) => l.step_key === k)!;
      expect(lots.map((l) => [l.step_key, l.status, l.quantity]).sort()).toEqual([
        ['assemble', 'delivered', 4],
        ['cut', 'consumed', 8],
        ['finish', 'consumed', 8],
      ]);
      expect(lot('assemble').holder_id).toBe(recipient);
      const inputs = await q<{ lot_id: string; input_lot_id: string; quantity: number }>(`SELECT * FROM lot_inputs WHERE lot_id = ANY($1)`, [lots.map((l) => l.id)]);
      expect(inputs.map((i) => [i.lot_id, i.input_lot_id, i.quantity]).sort()).toEqual(
        [
          [lot('finish').id, lot('cut').id, 8],
          [lot('assemble').id, lot('finish').id, 8],
        ].sort(),
      );
      const legs = await q(`SELECT status, carrier_node_id, from_location_id, to_location_id, to_step_key, received_at FROM flow_legs WHERE flow_id = $1`, [flowId]);
      expect(legs).toEqual([expect.objectContaining({ status: 'received', carrier_node_id: carrier, from_location_id: a, to_location_id: b, to_step_key: 'finish' })]);
      expect(legs[0].received_at).not.toBeNull();
      const steps = await q(`SELECT step_key, status, node_id, runs, accepted_at, done_at, received_at, late_noticed_at FROM flow_steps WHERE flow_id = $1 ORDER BY planned_done_at`, [flowId]);
      expect(steps.map((s) => [s.step_key, s.status, s.node_id, s.runs])).toEqual([
        ['cut', 'handed-off', n1, 1],
        ['finish', 'handed-off', n2, 1],
        ['assemble', 'handed-off', n2, 1],
      ]);
      expect(steps.every((s) => s.accepted_at && s.done_at && !s.late_noticed_at)).toBe(true);
      // Each step's output was received where it went (the next step's node, or the member).
      expect(steps.every((s) => s.received_at)).toBe(true);
      // Nodes were told of their hand-offs by webhook; the member by email with the page's link.
      expect(w.events.filter((e) => e.type === 'handoff.requested').map((e) => e.nodeId)).toEqual([carrier, n2, n2]);
      const mails = await q<{ key: string; body_text: string; recipient: string }>(`SELECT key, body_text, recipient FROM mail_outbox WHERE key = $1`, [`handoff:${toMember.id}`]);
      expect(mails[0].recipient).toMatch(/^recipient-/);
      expect(mails[0].body_text).toMatch(/http:\/\/dpn\.test\/me\/handoffs#link=/);

      // History: bounded by the recipe's size (steps, legs, hand-offs), never by time or by nodes' reports.
      const size = await historySize(flowWorkflowId(flowId));
      const bound = 40 * recipe3.steps.length + 30 * legs.length + 12 * 4;
      console.log(`flowWorkflow history, 3 steps / 1 leg / 4 hand-offs: ${size.all} events (${size.steps} without workflow-task bookkeeping); bound ${bound}`);
      expect(size.steps).toBeLessThanOrEqual(bound);
      await recordHistoriesIfAsked(net.env.client, [
        { workflowId: flowWorkflowId(flowId), scenario: 'three-steps-leg-delivered_v0.7.0' },
        { workflowId: jobWorkflowId(cutJob), scenario: 'flow-step-picked-up-confirmed_v0.7.0' },
        { workflowId: jobWorkflowId(leg.job_id!), scenario: 'flow-leg-confirmed_v0.7.0' },
      ]);
    });
  }, 180_000);

  /** One step; each test its own capability (the nodes of earlier tests stay in the file's database). */
  const recipe1 = (capability: string): Recipe => ({ name: 'bracket', steps: [{ key: 'cut', capability, produces: { item: 'bracket', unit: 'pcs' }, inputs: [], leadTimeHours: 24 }] });

  it('a lot rejected at its first hand-off: the maker reworks it in its own job, a new lot reworks the first, then it is accepted', async () => {
    const a = await location('Park C');
    const n1 = await node('cutter-c', a, ['laser-cutting']);
    const recipient = await member('recipient-c');
    const flowId = await createFlow(recipe1('laser-cutting'), { quantity: 5, recipientId: recipient, recipientLocationId: a, plan: { cut: { good: 5, start: 5, startInMs: 0, doneInMs: 10 * DAY } } });
    await withWorker(async (w) => {
      const flow = await startFlow(w, flowId);
      const job = await jobOf(flowId, 'cut');
      await acceptOffer(job, n1);
      await complete(job, n1, 5);
      const first = await pendingHandoff(flowId, recipient);
      await answerHandoff(flowId, first.id, { accepted: false, reason: 'burrs on every edge' });
      // The job's own rework: offered again to the same node, which remakes the run.
      await eventually(async () => {
        const v = await net.env.client.workflow.getHandle(jobWorkflowId(job)).query(getJobQuery);
        return v.status === 'offered' && v.runs.length === 1;
      });
      await acceptOffer(job, n1);
      await complete(job, n1, 5);
      const second = await pendingHandoff(flowId, recipient);
      expect(second.lot_id).not.toBe(first.lot_id);
      await answerHandoff(flowId, second.id, { accepted: true });
      expect((await flow.result()).status).toBe('delivered');
      const done = await jobDone(job);
      expect(done.status).toBe('confirmed');
      expect(done.runs.map((r) => r.confirmation)).toEqual(['rejected', 'confirmed']);
      const lots = await q<{ id: string; run: number; status: string; rework_of: string | null }>(`SELECT id, run, status, rework_of FROM lots WHERE flow_id = $1 ORDER BY run`, [flowId]);
      expect(lots.map((l) => [l.run, l.status, l.rework_of])).toEqual([
        [1, 'rejected', null],
        [2, 'delivered', lots[0].id],
      ]);
      // The node was told why (by the job's own notification, as for any rejected delivery).
      await eventually(async () => w.events.filter((e) => e.type === 'delivery.rejected' && e.nodeId === n1).length === 1);
      expect(w.events.find((e) => e.type === 'delivery.rejected')!.data.reason).toBe('burrs on every edge');
      const size = await historySize(flowWorkflowId(flowId));
      console.log(`flowWorkflow history, 1 step reworked once: ${size.all} events (${size.steps} without workflow-task bookkeeping)`);
      await recordHistoriesIfAsked(net.env.client, [
        { workflowId: flowWorkflowId(flowId), scenario: 'rejected-reworked-delivered_v0.7.0' },
        { workflowId: jobWorkflowId(job), scenario: 'flow-step-rework-then-confirmed_v0.7.0' },
      ]);
    });
  }, 180_000);

  it('a step past its planned done time is noticed once (the coordinator told once); a cancel cancels its open job', async () => {
    const a = await location('Park D');
    const n1 = await node('cutter-d', a, ['waterjet-cutting']);
    const recipient = await member('recipient-d');
    const flowId = await createFlow(recipe1('waterjet-cutting'), { quantity: 5, recipientId: recipient, recipientLocationId: a, plan: { cut: { good: 5, start: 5, startInMs: 0, doneInMs: 2 * DAY } } });
    await withWorker(async (w) => {
      const flow = await startFlow(w, flowId);
      const job = await jobOf(flowId, 'cut');
      await acceptOffer(job, n1);
      await net.env.sleep(2 * DAY + HOUR);
      const late = await eventually(async () => {
        const r = await q(`SELECT late_noticed_at FROM flow_steps WHERE flow_id = $1`, [flowId]);
        return r[0].late_noticed_at !== null && r;
      });
      expect(late).toHaveLength(1);
      expect((await flow.query(getFlowQuery)).steps[0]).toMatchObject({ key: 'cut', late: true, status: 'accepted' });
      await net.env.sleep(3 * DAY);
      const told = await q(`SELECT key FROM mail_outbox WHERE key LIKE $1`, [`flow:${flowId}:%`]);
      expect(told.map((m) => m.key)).toEqual([`flow:${flowId}:late:cut`]);
      // Cancelled: the open job is cancelled through its own update; the flow's records say so.
      const end = await flow.executeUpdate(cancelFlowUpdate, { args: [{ actor: 'coordinator', reason: 'order withdrawn' }] });
      expect(end.status).toBe('cancelled');
      // Cancelled once: the flow has ended, a second cancel is refused (the API answers it from the flow's row).
      await expect(flow.executeUpdate(cancelFlowUpdate, { args: [{ actor: 'coordinator', reason: 'again' }] })).rejects.toThrow();
      expect((await jobDone(job)).status).toBe('cancelled');
      expect(await flow.result()).toMatchObject({ status: 'cancelled', steps: [{ key: 'cut', status: 'cancelled', late: true }] });
      const [f] = await q(`SELECT status FROM flows WHERE id = $1`, [flowId]);
      expect(f.status).toBe('cancelled');
      expect((await q(`SELECT status FROM flow_steps WHERE flow_id = $1`, [flowId]))[0].status).toBe('cancelled');
      expect(w.events.some((e) => e.type === 'handoff.requested')).toBe(false);
      await recordHistoriesIfAsked(net.env.client, [
        { workflowId: flowWorkflowId(flowId), scenario: 'late-then-cancelled_v0.7.0' },
        { workflowId: jobWorkflowId(job), scenario: 'flow-step-cancelled_v0.7.0' },
      ]);
    });
  }, 180_000);
  it('a leg no carrier serves: the leg is no-carrier and the coordinator told; a cancel ends the flow and the leg', async () => {
    const [a, b] = [await location('Park E'), await location('Park F')];
    const n1 = await node('cutter-e', a, ['plasma-cutting']);
    // A carrier of another flow type, and one of this type serving one side only: neither may take it.
    await node('cold-van', a, ['transport'], { flowTypes: ['cold-chain'], served: [a, b] });
    await node('half-van', a, ['transport'], { flowTypes: ['pallet'], served: [a] });
    const recipient = await member('recipient-f');
    const recipe: Recipe = { name: 'plate', steps: [{ key: 'cut', capability: 'plasma-cutting', produces: { item: 'plate', unit: 'pcs' }, inputs: [], leadTimeHours: 24, flowType: 'pallet' }] };
    const flowId = await createFlow(recipe, { quantity: 3, recipientId: recipient, recipientLocationId: b, plan: { cut: { good: 3, start: 3, startInMs: 0, doneInMs: 10 * DAY } } });
    await withWorker(async (w) => {
      const flow = await startFlow(w, flowId);
      const job = await jobOf(flowId, 'cut');
      await acceptOffer(job, n1);
      await complete(job, n1, 3);
      const leg = await legJob(flowId);
      await eventually(async () => (await q(`SELECT status FROM flow_legs WHERE id = $1`, [leg.id]))[0].status === 'no-carrier');
      await eventually(async () => (await q(`SELECT key FROM mail_outbox WHERE key = $1`, [`flow:${flowId}:no-carrier:${leg.id}`])).length === 1);
      expect((await net.env.client.workflow.getHandle(jobWorkflowId(leg.job_id!)).query(getJobQuery)).status).toBe('no-node');
      expect((await flow.query(getFlowQuery)).openLegs).toBe(1);
      const end = await flow.executeUpdate(cancelFlowUpdate, { args: [{ actor: 'coordinator', reason: 'no carrier this month' }] });
      expect(end).toMatchObject({ status: 'cancelled', openLegs: 0 });
      expect((await jobDone(leg.job_id!)).status).toBe('cancelled');
      expect((await q(`SELECT status FROM flow_legs WHERE id = $1`, [leg.id]))[0].status).toBe('cancelled');
      // The maker's job, delivered and waiting for the hand-off its lot never got, is cancelled too.
      expect((await jobDone(job)).status).toBe('cancelled');
      await recordHistoriesIfAsked(net.env.client, [
        { workflowId: flowWorkflowId(flowId), scenario: 'leg-no-carrier-cancelled_v0.7.0' },
        { workflowId: jobWorkflowId(leg.job_id!), scenario: 'flow-leg-no-carrier-cancelled_v0.7.0' },
        { workflowId: jobWorkflowId(job), scenario: 'flow-step-delivered-then-cancelled_v0.7.0' },
      ]);
    });
  }, 180_000);
});
