/**
 * productionProjectWorkflow on the time-skipping test server. Activities are stubs typed against
 * the real activity class; the real ones are exercised by the e2e tests.
 */
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import {
  advancePhaseUpdate,
  answerDecisionUpdate,
  cancelProjectUpdate,
  DecisionOutcome,
  decisionWorkflowId,
  ProductionProjectInput,
  getProjectStatusQuery,
  ProjectRejection,
  RecordProjectTransitionInput,
} from '@app/contracts';
import { productionProjectWorkflow } from '../../workflows';
import { updateRefusal, useTimeSkipping } from '../support/temporal';

type Activities = { [K in keyof ProjectActivities]: ProjectActivities[K] } & { [K in keyof DecisionActivities]: DecisionActivities[K] };

describe('productionProjectWorkflow', () => {
  const ts = useTimeSkipping();
  const rejection = updateRefusal;

  /** Runs `fn` with a worker whose projection activity records what it was given. */
  /**
   * Runs `fn` with a worker whose projection activity records what it was given. The decision
   * activities (a members gate runs memberDecisionWorkflow as a child) record closed decisions.
   */
  async function withWorker<T>(
    fn: (ctx: { taskQueue: string; recorded: RecordProjectTransitionInput[]; decisions: DecisionOutcome[] }) => Promise<T>,
    activities?: Partial<Activities>,
  ): Promise<T> {
    const taskQueue = `wf-${randomUUID()}`;
    const recorded: RecordProjectTransitionInput[] = [];
    const decisions: DecisionOutcome[] = [];
    const acts: Activities = {
      recordProjectTransition: async (input) => {
        recorded.push(input);
      },
      resolveGateVoters: async () => [],
      openDecision: async () => undefined,
      recordDecisionAnswer: async () => undefined,
      closeDecision: async ({ outcome }) => {
        decisions.push(outcome);
      },
      sendDecisionMail: async () => 'queued' as const,
      ...activities,
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, recorded, decisions }));
  }

  const start = (taskQueue: string, over: Partial<ProductionProjectInput> = {}) => {
    const projectId = randomUUID();
    return ts.env.client.workflow.start(productionProjectWorkflow, {
      taskQueue,
      workflowId: `project-${projectId}`,
      args: [{ projectId, name: 'Test project', createdBy: 'coordinator', ...over }],
    });
  };

  const membersGate: ProductionProjectInput['gate'] = { mode: 'members', voters: 'owners', assetId: randomUUID(), rule: { kind: 'majority' }, votingHours: 72 };
  const threeOwners = { resolveGateVoters: async () => ['m-a', 'm-b', 'm-c'] };

  it('walks rnd → prototyping → node-buildout → upgrade → completed, projecting each step once', async () => {
    await withWorker(async ({ taskQueue, recorded }) => {
      const handle = await start(taskQueue);
      const phases = [];
      for (let i = 0; i < 4; i++) {
        phases.push((await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator', note: `step ${i}` }] })).phase);
      }
      expect(phases).toEqual(['prototyping', 'node-buildout', 'upgrade', 'completed']);
      const result = await handle.result();
      expect(result.status).toBe('completed');
      expect(result.transitions.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(recorded.map((r) => `${r.transition.seq}:${r.transition.kind}:${r.transition.toPhase}`)).toEqual([
        '1:started:rnd',
        '2:skipped:prototyping',
        '3:skipped:node-buildout',
        '4:skipped:upgrade',
        '5:completed:completed',
      ]);
      expect(recorded[1].transition).toMatchObject({ actor: 'coordinator', note: 'step 0', fromPhase: 'rnd' });
    });
  });

  it('waits for the coordinator for as long as it takes (a phase can last months)', async () => {
    await withWorker(async ({ taskQueue }) => {
      const handle = await start(taskQueue);
      await ts.env.sleep('120 days');
      expect(await handle.query(getProjectStatusQuery)).toMatchObject({ phase: 'rnd', status: 'active' });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect((await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] })).phase).toBe('prototyping');
    });
  });

  it('rejects advancing a completed project with a typed failure and a clear message', async () => {
    await withWorker(async ({ taskQueue }) => {
      const handle = await start(taskQueue);
      // A completed workflow cannot take updates at all; reject at the last phase boundary instead:
      for (let i = 0; i < 3; i++) await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] });
      const mismatch = await rejection(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', fromPhase: 'rnd' }] }));
      expect(mismatch.type).toBe(ProjectRejection.PhaseMismatch);
      expect(mismatch.message).toBe("project is in phase 'upgrade', not 'rnd'; it was not advanced");
      await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', fromPhase: 'upgrade' }] });
      await expect(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] })).rejects.toThrow();
    });
  });

  it('cancels through the update: records who and why, then refuses further changes', async () => {
    await withWorker(async ({ taskQueue, recorded }) => {
      const handle = await start(taskQueue);
      await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] });
      const state = await handle.executeUpdate(cancelProjectUpdate, { args: [{ actor: 'coordinator', reason: 'Funding fell through' }] });
      expect(state).toMatchObject({ phase: 'prototyping', status: 'cancelled' });
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'cancelled', actor: 'coordinator', note: 'Funding fell through', status: 'cancelled' });
    });
  });

  it('refuses a cancel without a reason, and an advance while another request is being applied', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    await withWorker(
      async ({ taskQueue }) => {
        const handle = await start(taskQueue);
        const noReason = await rejection(handle.executeUpdate(cancelProjectUpdate, { args: [{ actor: 'c', reason: ' ' }] }));
        expect(noReason.type).toBe('InvalidArgument');
        const first = handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] });
        // The projection of the first advance is held open; a second request must be refused, not queued.
        await new Promise((r) => setTimeout(r, 500));
        const second = await rejection(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] }));
        expect(second.type).toBe(ProjectRejection.RequestPending);
        release();
        expect((await first).phase).toBe('prototyping');
      },
      {
        recordProjectTransition: async () => {
          calls += 1;
          if (calls === 2) await gate;
        },
      },
    );
  });

  it('keeps going when the projection fails for a while (PostgreSQL down): the activity is retried', async () => {
    let attempts = 0;
    await withWorker(
      async ({ taskQueue }) => {
        const handle = await start(taskQueue);
        const state = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] });
        expect(state.phase).toBe('prototyping');
        expect(attempts).toBeGreaterThanOrEqual(4);
      },
      {
        recordProjectTransition: async () => {
          attempts += 1;
          if (attempts <= 3) throw new Error('connection refused');
        },
      },
    );
  });

  it('applies an update retried with the same update id once', async () => {
    await withWorker(async ({ taskQueue, recorded }) => {
      const handle = await start(taskQueue);
      const a = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }], updateId: 'same' });
      const b = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }], updateId: 'same' });
      expect(a.phase).toBe('prototyping');
      expect(b.phase).toBe('prototyping');
      expect(recorded).toHaveLength(2);
    });
  });

  it('records a cancellation requested through Temporal itself', async () => {
    await withWorker(async ({ taskQueue, recorded }) => {
      const handle = await start(taskQueue);
      await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] });
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'cancelled', actor: 'temporal', toPhase: 'prototyping' });
    });
  });

  describe('members gate', () => {
    const vote = (decisionId: string, memberId: string, optionId: string) =>
      ts.env.client.workflow.getHandle(decisionWorkflowId(decisionId)).executeUpdate(answerDecisionUpdate, { args: [{ memberId, optionId, via: 'api' }] });

    it("an advance opens a members' vote; the project moves on when they approve", async () => {
      await withWorker(async ({ taskQueue, recorded }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const opened = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator', note: 'design done' }] });
        expect(opened.phase).toBe('rnd');
        expect(opened.gateVote).toMatchObject({ fromPhase: 'rnd', toPhase: 'prototyping', voters: 3, status: 'open' });
        const decisionId = opened.gateVote!.decisionId;
        // While the vote is open the coordinator cannot push the project on alone.
        expect((await rejection(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] }))).type).toBe(ProjectRejection.VoteOpen);
        await vote(decisionId, 'm-a', 'approve');
        await vote(decisionId, 'm-c', 'approve');
        await ts.env.sleep('1 minute');
        const state = await handle.query(getProjectStatusQuery);
        expect(state).toMatchObject({ phase: 'prototyping', gateVote: { status: 'approved' } });
        expect(recorded.map((r) => `${r.transition.kind}:${r.transition.toPhase}`)).toEqual(['started:rnd', 'vote-opened:rnd', 'skipped:prototyping']);
        expect(recorded[2].transition.actor).toBe(`members-vote:${decisionId}`);
      }, threeOwners);
    });

    it('stays in its phase when the vote is not approved by the deadline, and can vote again', async () => {
      await withWorker(async ({ taskQueue, recorded }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const first = (await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] })).gateVote!;
        await vote(first.decisionId, 'm-b', 'reject');
        await ts.env.sleep('73 hours'); // past the 72 h deadline: 1 reject of 1 vote cast
        const state = await handle.query(getProjectStatusQuery);
        expect(state).toMatchObject({ phase: 'rnd', gateVote: { status: 'not-approved' } });
        expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'vote-failed', toPhase: 'rnd' });
        const second = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
        expect(second.gateVote!.decisionId).not.toBe(first.decisionId);
        expect(second.gateVote!.status).toBe('open');
      }, threeOwners);
    });

    it('refuses to open a vote nobody can take part in', async () => {
      await withWorker(async ({ taskQueue }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const refused = await rejection(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] }));
        expect(refused.type).toBe(ProjectRejection.NoVoters);
        expect(refused.message).toBe('the asset has no active member owners to vote on this gate');
        expect(await handle.query(getProjectStatusQuery)).toMatchObject({ phase: 'rnd', pendingRequest: null });
      });
    });

    it('cancelling the project withdraws the open vote', async () => {
      await withWorker(async ({ taskQueue, recorded, decisions }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const { gateVote } = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
        await vote(gateVote!.decisionId, 'm-a', 'approve');
        const state = await handle.executeUpdate(cancelProjectUpdate, { args: [{ actor: 'coordinator', reason: 'stop' }] });
        expect(state).toMatchObject({ status: 'cancelled', gateVote: { status: 'cancelled' } });
        expect(decisions).toEqual([expect.objectContaining({ status: 'cancelled', answered: 1 })]);
        expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'cancelled' });
        const child = await ts.env.client.workflow.getHandle(decisionWorkflowId(gateVote!.decisionId)).describe();
        expect(child.status.name).toBe('CANCELLED');
      }, threeOwners);
    });

    it('cancelling the project through Temporal also withdraws the open vote before it ends', async () => {
      await withWorker(async ({ taskQueue, recorded, decisions }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const { gateVote } = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
        await handle.cancel();
        await expect(handle.result()).rejects.toThrow();
        expect(decisions).toEqual([expect.objectContaining({ decisionId: gateVote!.decisionId, status: 'cancelled' })]);
        expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'cancelled', actor: 'temporal' });
        const child = await ts.env.client.workflow.getHandle(decisionWorkflowId(gateVote!.decisionId)).describe();
        expect(child.status.name).toBe('CANCELLED');
      }, threeOwners);
    });
  });
});
