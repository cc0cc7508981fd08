/**
 * productionProjectWorkflow on the time-skipping test server. Activities are stubs typed against
 * the real activity class; the real ones are exercised by the e2e tests.
 */
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { ProjectActivities } from '../../apps/worker/src/activities/project.activities';
import { ApplicationFailure } from '@temporalio/common';
import {
  advancePhaseUpdate,
  cancelProjectUpdate,
  DATA_REJECTED,
  DecisionOutcome,
  decisionWorkflowId,
  PhasePlan,
  ProductionProjectInput,
  getProjectStatusQuery,
  ProjectRejection,
  RecordProjectTransitionInput,
  startPhaseUpdate,
  WorkingPhase,
} from '@app/contracts';
import { productionProjectWorkflow } from '../../workflows';
import { ballotBox, recordHistoriesIfAsked, updateRefusal, useTimeSkipping, workflowStepEvents } from '../support/temporal';


type Activities = { [K in keyof ProjectActivities]: ProjectActivities[K] } & { [K in keyof DecisionActivities]: DecisionActivities[K] };

describe('productionProjectWorkflow', () => {
  const main = useTimeSkipping();
  /** The test server the current test runs on (the continue-as-new test has its own; see below). */
  let ts = main;
  const rejection = updateRefusal;

  /** Runs `fn` with a worker whose projection activity records what it was given. */
  /**
   * Runs `fn` with a worker whose projection activity records what it was given. The decision
   * activities (a members gate runs memberDecisionWorkflow as a child) record closed decisions.
   */
  async function withWorker<T>(
    fn: (ctx: { taskQueue: string; recorded: RecordProjectTransitionInput[]; decisions: DecisionOutcome[]; box: ReturnType<typeof ballotBox> }) => Promise<T>,
    activities?: Partial<Activities>,
    /** The members a gate's audience resolves to (the asset's owners or the project's funders). */
    voters: string[] = [],
  ): Promise<T> {
    const taskQueue = `wf-${randomUUID()}`;
    const recorded: RecordProjectTransitionInput[] = [];
    // A members gate runs memberDecisionWorkflow as a child; its answers live in the ballot box.
    const box = ballotBox(() => ts.env.client, { resolve: () => voters });
    const acts: Activities = {
      recordProjectTransition: async (input) => {
        recorded.push(input);
      },
      resolveGateVoters: async () => voters,
      countGateVoters: async () => voters.length,
      reportProjectProblem: async () => undefined,
      ...box.activities,
      ...activities,
    };
    // A phase with nothing to do (no budget, tasks or nodes) only records its steps.
    const phase = { recordPhase: async () => undefined, discardPhaseRows: async () => undefined };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: { ...phase, ...acts } });
    // Every project a test started ends (cancelled, with its vote) while the worker still runs.
    // A vote left open, even terminated, leaves timers on the time-skipping server that make every
    // later skip in this file crawl at wall-clock pace (a 73-hour skip took over two minutes).
    const endStarted = async () => {
      const ids = started.splice(0);
      await Promise.all(
        ids.map(async (id) => {
          const handle = ts.env.client.workflow.getHandle(id);
          await handle.cancel().catch(() => undefined); // already ended
          await handle.result().catch(() => undefined); // cancelled (or failed in the test itself)
        }),
      );
    };
    return worker.runUntil(fn({ taskQueue, recorded, decisions: box.outcomes, box }).finally(endStarted));
  }

  const started: string[] = [];
  const start = (taskQueue: string, over: Partial<ProductionProjectInput> = {}) => {
    const projectId = randomUUID();
    started.push(`project-${projectId}`);
    return ts.env.client.workflow.start(productionProjectWorkflow, {
      taskQueue,
      workflowId: `project-${projectId}`,
      args: [{ projectId, name: 'Test project', createdBy: 'coordinator', ...over }],
    });
  };

  const membersGate: ProductionProjectInput['gate'] = { mode: 'members', voters: 'owners', assetId: randomUUID(), rule: { kind: 'majority' }, votingHours: 72 };
  const threeOwners = ['m-a', 'm-b', 'm-c'];

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

  it('a step whose note PostgreSQL refuses is recorded without it, the coordinator is told, and the project goes on', async () => {
    const problems: unknown[] = [];
    const recorded: RecordProjectTransitionInput[] = [];
    await withWorker(
      async ({ taskQueue }) => {
        const handle = await start(taskQueue);
        const state = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c', note: 'bad\u0000note' }] });
        expect(state.phase).toBe('prototyping');
        expect(recorded.map((r) => r.transition.note)).toEqual([null, 'the note of this step could not be stored; the coordinator was told']);
        expect(problems).toEqual([expect.objectContaining({ seq: 2, projectId: state.projectId })]);
        expect((await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'c' }] })).phase).toBe('node-buildout');
        await recordHistoriesIfAsked(ts.env.client, [{ workflowId: handle.workflowId, scenario: 'note-data-rejected_v0.4.0' }]);
      },
      {
        recordProjectTransition: async (input) => {
          if (input.transition.note?.includes('\u0000')) throw ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00', DATA_REJECTED);
          recorded.push(input);
        },
        reportProjectProblem: async (input) => {
          problems.push(input);
        },
      },
    );
  });

  describe('members gate', () => {

    it("an advance opens a members' vote; the project moves on when they approve", async () => {
      await withWorker(async ({ taskQueue, recorded, box }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const opened = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator', note: 'design done' }] });
        expect(opened.phase).toBe('rnd');
        expect(opened.gateVote).toMatchObject({ fromPhase: 'rnd', toPhase: 'prototyping', voters: 3, status: 'open' });
        const decisionId = opened.gateVote!.decisionId;
        // While the vote is open the coordinator cannot push the project on alone.
        expect((await rejection(handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] }))).type).toBe(ProjectRejection.VoteOpen);
        // The vote asks the asset's owners, resolved in the database: no list of voters in the request.
        expect(box.latest()).toMatchObject({ decisionId, voterIds: [], audience: { kind: 'asset-owners', assetId: membersGate.assetId } });
        expect(await box.answer(decisionId, 'm-a', 'approve')).toBe('recorded');
        expect(await box.answer(decisionId, 'm-c', 'approve')).toBe('recorded');
        await ts.env.sleep('1 minute');
        const state = await handle.query(getProjectStatusQuery);
        expect(state).toMatchObject({ phase: 'prototyping', gateVote: { status: 'approved' } });
        expect(recorded.map((r) => `${r.transition.kind}:${r.transition.toPhase}`)).toEqual(['started:rnd', 'vote-opened:rnd', 'skipped:prototyping']);
        expect(recorded[2].transition.actor).toBe(`members-vote:${decisionId}`);
        // Neither history carries the voters' ids.
        for (const id of [handle.workflowId, decisionWorkflowId(decisionId)]) {
          expect(JSON.stringify(await ts.env.client.workflow.getHandle(id).fetchHistory())).not.toContain('m-a');
        }
        await recordHistoriesIfAsked(ts.env.client, [{ workflowId: handle.workflowId, scenario: 'members-gate-audience-approved_v0.4.0' }]);
      }, undefined, threeOwners);
    });

    it('stays in its phase when the vote is not approved by the deadline, and can vote again', async () => {
      await withWorker(async ({ taskQueue, recorded, box }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const first = (await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] })).gateVote!;
        await box.answer(first.decisionId, 'm-b', 'reject');
        await ts.env.sleep('73 hours'); // past the 72 h deadline: 1 reject of 1 vote cast
        const state = await handle.query(getProjectStatusQuery);
        expect(state).toMatchObject({ phase: 'rnd', gateVote: { status: 'not-approved' } });
        expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'vote-failed', toPhase: 'rnd' });
        const second = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
        expect(second.gateVote!.decisionId).not.toBe(first.decisionId);
        expect(second.gateVote!.status).toBe('open');
      }, undefined, threeOwners);
    });

    it('keeps only the latest 20 transitions in its live state (every update answers it), while the count and the projection go on', async () => {
      await withWorker(async ({ taskQueue, recorded }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        let state;
        for (let i = 0; i < 11; i++) {
          state = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] }); // opens a vote nobody answers
          await ts.env.sleep('73 hours'); // it fails at its deadline
        }
        state = await handle.query(getProjectStatusQuery);
        expect(recorded.map((r) => r.transition.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
        expect(state.lastSeq).toBe(23);
        expect(state.transitions.map((t) => t.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
      }, undefined, ['m-a']);
    }, 180_000);

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
      await withWorker(async ({ taskQueue, recorded, decisions, box }) => {
        const handle = await start(taskQueue, { gate: membersGate });
        const { gateVote } = await handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator' }] });
        await box.answer(gateVote!.decisionId, 'm-a', 'approve');
        const state = await handle.executeUpdate(cancelProjectUpdate, { args: [{ actor: 'coordinator', reason: 'stop' }] });
        expect(state).toMatchObject({ status: 'cancelled', gateVote: { status: 'cancelled' } });
        expect(decisions).toEqual([expect.objectContaining({ status: 'cancelled', answered: 1 })]);
        expect(recorded.at(-1)?.transition).toMatchObject({ kind: 'cancelled' });
        const child = await ts.env.client.workflow.getHandle(decisionWorkflowId(gateVote!.decisionId)).describe();
        expect(child.status.name).toBe('CANCELLED');
      }, undefined, threeOwners);
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
      }, undefined, threeOwners);
    });
  });

  /**
   * On its own test server: an update that lands while a run continues as new can hang on the
   * time-skipping server (temporalio/sdk-java#1903), and what such an update leaves behind made
   * every later test in the file crawl (the members-gate tests timed out after it in CI-like runs).
   */
  describe('continue-as-new', () => {
    const own = useTimeSkipping();
    beforeAll(() => {
      ts = own;
    });
    afterAll(() => {
      ts = main;
    });

    it('continues as new at an idle point once its history is long, carrying its state, and goes on: phases, advances, completion', async () => {
      await withWorker(async ({ taskQueue, recorded }) => {
        const projectId = randomUUID();
        const first = await ts.env.client.workflow.start(productionProjectWorkflow, {
          taskQueue,
          workflowId: `project-${projectId}`,
          // A low threshold for the test; in production Temporal's suggestion or 10,000 events.
          args: [{ projectId, name: 'Long project', createdBy: 'coordinator', continueAsNewAfterEvents: 40 }],
        });
        const handle = ts.env.client.workflow.getHandle(first.workflowId); // follows the runs
        const empty = (phase: WorkingPhase): PhasePlan => ({ phase, summary: 'already in place', tasks: [], budget: null, gate: null, nodes: [] });
        const status = () => handle.query(getProjectStatusQuery);
        /**
         * Sends an update the way a caller that cannot tell a lost answer from a slow one does: an
         * update that lands while the run is continuing as new can hang on the time-skipping test
         * server (temporalio/sdk-java#1903), so each try is bounded, and before trying again the
         * project's state says whether the first one was applied (then it is not sent twice).
         */
        const send = async (update: () => Promise<unknown>, applied: () => Promise<boolean>) => {
          for (let attempt = 1; ; attempt++) {
            let timer: NodeJS.Timeout | undefined;
            try {
              await Promise.race([update(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000)))]);
              return;
            } catch (err) {
              if (await applied()) return;
              if (attempt === 4) throw err;
            } finally {
              clearTimeout(timer);
            }
          }
        };
        for (const phase of ['rnd', 'prototyping', 'node-buildout', 'upgrade'] as const) {
          await send(
            () => handle.executeUpdate(startPhaseUpdate, { args: [{ actor: 'coordinator', phase, plan: empty(phase), carried: { fundedRoundId: null, doneTaskKeys: [] } }] }),
            async () => (await status()).phases?.[phase] !== undefined,
          );
          for (let i = 0; (await status()).phases?.[phase]?.status !== 'done'; i++) {
            if (i > 1_200) throw new Error(`${phase} never finished`);
            await new Promise((r) => setTimeout(r, 25));
          }
          await send(
            () => handle.executeUpdate(advancePhaseUpdate, { args: [{ actor: 'coordinator', fromPhase: phase }] }),
            async () => (await status()).phase !== phase,
          );
        }
        const result = await handle.result();
        expect(result.status).toBe('completed');

        // The runs: each but the last ended by continuing as new, each below the threshold plus one step.
        const runs: string[] = [first.firstExecutionRunId];
        for (;;) {
          const events = (await ts.env.client.workflow.getHandle(first.workflowId, runs.at(-1)).fetchHistory()).events ?? [];
          const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
          if (!next) break;
          // Past the threshold a run finishes at most the step it is in and one request accepted
          // before it went idle. Workflow-task events are left out of the count: a loaded machine
          // times tasks out and retries them, which adds events that are not the workflow's steps.
          const steps = workflowStepEvents(events);
          expect(steps.length).toBeLessThan(40 + 30);
          const acceptedAfterThreshold = events.filter((e) => Number(e.eventId) > 40 && e.workflowExecutionUpdateAcceptedEventAttributes);
          expect(acceptedAfterThreshold.length).toBeLessThanOrEqual(2);
          runs.push(next);
        }
        expect(runs.length).toBeGreaterThanOrEqual(2);
        // One timeline across the runs: every step projected once, in order, none lost or repeated.
        const seqs = recorded.map((r) => r.transition.seq);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
        expect(recorded.map((r) => r.transition.kind)).toEqual([
          'started',
          ...['rnd', 'prototyping', 'node-buildout'].flatMap(() => ['phase-started', 'phase-done', 'advanced']),
          'phase-started',
          'phase-done',
          'completed',
        ]);
        expect(result.transitions.at(-1)).toMatchObject({ seq: 13, kind: 'completed' });
        expect(result.phases).toMatchObject({ rnd: { status: 'done' }, upgrade: { status: 'done' } });
        await recordHistoriesIfAsked(ts.env.client, [
          { workflowId: first.workflowId, runId: runs[0], scenario: 'continued-as-new_v0.4.0' },
          { workflowId: first.workflowId, runId: runs[1], scenario: 'resumed-after-continue-as-new_v0.4.0' },
        ]);
      });
    }, 180_000);
  });
});
