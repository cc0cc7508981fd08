/**
 * Phase work on the time-skipping test server, through the project workflow: the paths the
 * whole-project e2e test does not take (a budget not raised, a restart that keeps finished work,
 * a node that never answers its ping, refusals). Activities are stubs typed against the real
 * classes; the children (round, jobs, decisions) are the real workflows.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { FundingActivities } from '../../apps/worker/src/activities/funding.activities';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { PhaseActivities } from '../../apps/worker/src/activities/phase.activities';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import {
  advancePhaseUpdate,
  answerOfferUpdate,
  cancelProjectUpdate,
  cancelJobUpdate,
  completeJobUpdate,
  CreatePhaseJobInput,
  CreatePhaseRoundInput,
  DecisionRequest,
  getJobQuery,
  getProjectStatusQuery,
  jobWorkflowId,
  PhasePlan,
  PhaseTask,
  ProjectRejection,
  RecordPhaseInput,
  RecordProjectTransitionInput,
  startPhaseUpdate,
} from '@app/contracts';
import { productionProjectWorkflow } from '../../workflows';
import { ballotBox, updateRefusal, useTimeSkipping } from '../support/temporal';

type All = ProjectActivities & PhaseActivities & FundingActivities & JobActivities & DecisionActivities;
type Activities = { [K in keyof All]: All[K] };

const task = (key: string): PhaseTask => ({
  key,
  title: key,
  capability: 'design',
  quantity: 1,
  unit: 'design',
  specUrl: 'https://example.org/brief',
  dueInDays: 7,
  output: 'design',
  licence: 'CERN-OHL-S-2.0',
  recipient: { type: 'member', id: 'ana' },
  upgrade: null,
  offerTimeoutHours: 24,
  confirmWithinHours: 48,
});
const plan = (over: Partial<PhasePlan> = {}): PhasePlan => ({ phase: 'rnd', summary: 's', tasks: [task('a'), task('b')], budget: null, gate: null, nodes: [], ...over });
const none = { fundedRoundId: null, doneTaskKeys: [] };

/** Polls `fn` (real time) until it returns something truthy. */
async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('projectPhaseWorkflow, run by the project', () => {
  const ts = useTimeSkipping();
  const boxes = new Map<World, ReturnType<typeof ballotBox>>();

  interface World {
    transitions: RecordProjectTransitionInput[];
    phases: RecordPhaseInput[];
    jobs: string[];
    decisions: DecisionRequest[];
    rounds: string[];
  }

  async function withWorker<T>(fn: (ctx: { taskQueue: string; w: World }) => Promise<T>, over: Partial<Activities> = {}): Promise<T> {
    const w: World = { transitions: [], phases: [], jobs: [], decisions: [], rounds: [] };
    const taskQueue = `wf-${randomUUID()}`;
    const box = ballotBox(() => ts.env.client);
    boxes.set(w, box);
    const acts: Activities = {
      recordProjectTransition: async (i: RecordProjectTransitionInput) => void w.transitions.push(i),
      resolveGateVoters: async () => [],
      countGateVoters: async () => 0,
      reportProjectProblem: async () => undefined,
      recordPhase: async (i: RecordPhaseInput) => void w.phases.push(i),
      createPhaseRound: async (i: CreatePhaseRoundInput) => void w.rounds.push(i.roundId),
      createPhaseJob: async (i: CreatePhaseJobInput) => {
        w.jobs.push(i.task.key);
        return { confirmerId: 'ana', locationId: null };
      },
      recordPhaseOutputs: async () => undefined,
      verifyNodeWebhook: async () => 'answered',
      applyNodeUpgrade: async () => undefined,
      moveHold: async () => undefined,
      captureHold: async () => undefined,
      releaseHold: async () => undefined,
      refundCapture: async () => undefined,
      payOut: async () => undefined,
      assignRoundOwnership: async () => undefined,
      recordRound: async () => undefined,
      roundAudience: async () => [],
      sendRoundMail: async () => 'queued' as const,
      recordRoundStatus: async () => undefined,
      closeRound: async () => ({ total: '0', backers: 0 }),
      placeOperatorPledge: async () => undefined,
      captureHoldsPage: async () => ({ count: 0, amount: '0', last: null }),
      releaseHoldsPage: async () => ({ count: 0, amount: '0', last: null }),
      refundCapturesPage: async () => ({ count: 0, amount: '0', last: null }),
      assignOwnershipFromPledges: async () => ({ assigned: true, reason: null }),
      queueRoundMail: async () => 0,
      pickNode: async () => ({ kind: 'node', nodeId: 'studio' }),
      sendJobEvent: async () => 'delivered',
      recordJob: async () => undefined,
      recordOfferOutcome: async () => ({ suspended: false, expiredInRow: 0, ownerMemberId: 'o', nodeName: 'n' }),
      notify: async () => undefined,
      announceCapacity: async () => 0,
      createRemainderJob: async () => undefined,
      // Delivery confirmations: answers live in PostgreSQL, here the ballot box (as the API answers).
      ...box.activities,
      openDecisionBallot: async (req: DecisionRequest) => {
        w.decisions.push(req);
        return box.activities.openDecisionBallot(req);
      },
      ...over,
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, w }));
  }

  const startProject = (taskQueue: string) => {
    const projectId = randomUUID();
    return ts.env.client.workflow.start(productionProjectWorkflow, { taskQueue, workflowId: `project-${projectId}`, args: [{ projectId, name: 'P', createdBy: 'coordinator' }] });
  };
  /** Polls until the running phase has ended, skipping `stepMs` of workflow time between looks. */
  const phaseEnded = async (h: Awaited<ReturnType<typeof startProject>>, stepMs = 1_000) => {
    for (let i = 0; i < 200; i++) {
      const s = await h.query(getProjectStatusQuery);
      const summary = s.phases?.[s.phase as 'rnd'];
      if (summary && summary.status !== 'running') return summary;
      await ts.env.sleep(stepMs);
    }
    throw new Error('the phase did not end');
  };

  /** The newest projection of an attempt (writes may land out of order; the real one keeps the highest seq). */
  const latest = (w: World, attempt = 1) => w.phases.filter((p) => p.view.attempt === attempt).sort((a, b) => b.seq - a.seq)[0]?.view;

  /** Takes the job of task `key` through acceptance, completion (with a document) and confirmation. */
  async function deliver(w: World, key: string, attempt = 1) {
    // Job ids are made in the workflow: read them from the phase's projection.
    const jobId = await waitFor(`the job of ${key}`, () => latest(w, attempt)?.tasks.find((t) => t.key === key && t.jobId)?.jobId);
    const job = ts.env.client.workflow.getHandle(jobWorkflowId(jobId));
    for (let i = 0; (await job.query(getJobQuery)).status !== 'offered'; i++) {
      if (i > 300) throw new Error(`job ${key} was never offered`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await job.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'studio' }] });
    await expect(job.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'studio', made: 1, scrapped: 0 }] })).rejects.toThrow();
    await job.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'studio', made: 1, scrapped: 0, documents: [{ title: 'Design', url: `https://example.org/${key}.pdf` }] }] });
    const decision = await waitFor('the delivery question', () => w.decisions.find((d) => d.subject.id === jobId));
    expect(await boxes.get(w)!.answer(decision.decisionId, 'ana', 'confirm')).toBe('recorded');
  }

  it('fails the phase when its budget is not raised: nothing is dispatched; moving on then records a skip', async () => {
    await withWorker(async ({ taskQueue, w }) => {
      const h = await startProject(taskQueue);
      const budget = { goal: '1000', currency: 'EUR', minPledge: '10', openForHours: 24, closeWhenGoalMet: true, payoutApproval: 'coordinator' as const, assetId: null, documents: [] };
      await h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'coordinator', phase: 'rnd', plan: plan({ budget }), carried: none }] });
      const ended = await phaseEnded(h, 3_600_000); // the round closes at its deadline, a day of skipped time later
      expect(w.rounds).toHaveLength(1);
      expect(ended).toMatchObject({ status: 'failed', reason: expect.stringContaining('budget was not raised') });
      expect(w.jobs).toEqual([]);
      const s = await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator', note: 'designs bought elsewhere' }] });
      expect(s.phase).toBe('prototyping');
      expect(s.transitions.map((t) => t.kind)).toEqual(['started', 'phase-started', 'phase-failed', 'skipped']);
      await h.terminate();
    });
  });

  it('refuses what cannot be done while a phase runs, and a restart keeps the finished work', async () => {
    await withWorker(async ({ taskQueue, w }) => {
      const h = await startProject(taskQueue);
      expect((await updateRefusal(h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'c', phase: 'upgrade', plan: plan({ phase: 'upgrade' }), carried: none }] }))).type).toBe(ProjectRejection.PhaseMismatch);
      await h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'coordinator', phase: 'rnd', plan: plan(), carried: none }] });
      expect((await updateRefusal(h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'c', phase: 'rnd', plan: plan(), carried: none }] }))).type).toBe(ProjectRejection.PhaseRunning);
      expect((await updateRefusal(h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] }))).type).toBe(ProjectRejection.PhaseRunning);

      // Task a is delivered and confirmed; task b's job is cancelled: the attempt fails.
      await deliver(w, 'a');
      const jobB = await waitFor('the job of b', () => latest(w)?.tasks.find((t) => t.key === 'b' && t.jobId)?.jobId);
      await ts.env.client.workflow.getHandle(jobWorkflowId(jobB)).executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'wrong spec' }] });
      const first = await phaseEnded(h);
      expect(first).toMatchObject({ attempt: 1, status: 'failed', reason: expect.stringContaining('task b: the job was cancelled') });

      // Restarted with a done (as the API reads it from the database): only b is dispatched again.
      w.jobs.length = 0;
      await h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'coordinator', phase: 'rnd', plan: plan(), carried: { fundedRoundId: null, doneTaskKeys: ['a'] } }] });
      await waitFor('the restarted attempt to dispatch', () => w.jobs.length > 0);
      expect(w.jobs).toEqual(['b']);
      await deliver(w, 'b', 2);
      const second = await phaseEnded(h);
      expect(second).toMatchObject({ attempt: 2, status: 'done', workflowId: expect.stringMatching(/-rnd-2$/) });
      const last = latest(w, 2)!;
      expect(last.tasks.map((t) => [t.key, t.status, t.result])).toEqual([
        ['a', 'carried', 'done'],
        ['b', 'confirmed', 'done'],
      ]);
      expect(last.outputs.map((o) => o.url)).toEqual(['https://example.org/b.pdf']);
      expect((await updateRefusal(h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'c', phase: 'rnd', plan: plan(), carried: none }] }))).type).toBe(ProjectRejection.PhaseDone);
      const s = await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
      expect(s.transitions.at(-1)).toMatchObject({ kind: 'advanced', fromPhase: 'rnd', toPhase: 'prototyping' });
      await h.terminate();
    });
  });

  it('applies a cancel that arrives while the project is recording the end of a phase (it is neither lost nor doubled)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    await withWorker(
      async ({ taskQueue }) => {
        const h = await startProject(taskQueue);
        await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', note: 'skip' }] });
        await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', note: 'skip' }] });
        await h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'c', phase: 'node-buildout', plan: plan({ phase: 'node-buildout', tasks: [], nodes: ['n-gone'] }), carried: none }] });
        await waitFor('the phase end being recorded', () => holding);
        // The project is busy with its own event, no request is pending: the cancel is accepted now.
        const cancelled = h.executeUpdate(cancelProjectUpdate, { args: [{ actor: 'coordinator', reason: 'stop' }] });
        await new Promise((r) => setTimeout(r, 300));
        release();
        expect((await cancelled).status).toBe('cancelled');
        expect((await h.result()).status).toBe('cancelled');
        expect((await h.query(getProjectStatusQuery)).transitions.map((t) => t.kind)).toEqual(['started', 'skipped', 'skipped', 'phase-started', 'phase-failed', 'cancelled']);
      },
      {
        verifyNodeWebhook: async () => {
          throw ApplicationFailure.nonRetryable('node n-gone is not registered', 'NodeNotFound');
        },
        recordProjectTransition: async (i: RecordProjectTransitionInput) => {
          if (i.transition.kind === 'phase-failed') {
            holding = true;
            await held;
          }
        },
      },
    );
  });

  it('fails node-buildout when a node it adds cannot be verified, naming the node', async () => {
    await withWorker(
      async ({ taskQueue }) => {
        const h = await startProject(taskQueue);
        await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', note: 'skip' }] });
        await h.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', note: 'skip' }] });
        await h.executeUpdate(startPhaseUpdate, { args: [{ actor: 'c', phase: 'node-buildout', plan: plan({ phase: 'node-buildout', tasks: [], nodes: ['n-gone', 'n-ok'] }), carried: none }] });
        const ended = await phaseEnded(h);
        expect(ended.status).toBe('failed');
        expect(ended.reason).toContain('node n-gone');
        expect(ended.reason).not.toContain('n-ok');
        await h.terminate();
      },
      {
        verifyNodeWebhook: async ({ nodeId }: { nodeId: string }) => {
          if (nodeId === 'n-gone') throw ApplicationFailure.nonRetryable('node n-gone is not registered', 'NodeNotFound');
          return 'answered';
        },
      },
    );
  });
});
