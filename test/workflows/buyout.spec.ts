/**
 * buyoutWorkflow on the time-skipping test server: years of quarters in seconds. The activities
 * are an in-memory stand-in for PostgreSQL that steps with the domain's own rules
 * (`planBuyoutStep`), once per quarter as the repository does (the real transaction is covered by
 * test/integration/buyouts.repository.spec.ts). Each quarter is one run (continue-as-new); pause,
 * resume and end are Updates with who and why; a run takes a bounded number of them.
 */
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { BuyoutActivities } from '../../apps/worker/src/activities/buyout.activities';
import { BuyoutChangeRequest, BuyoutRejection, BuyoutStatus, BuyoutStepResult, buyoutWorkflowId, changeBuyoutUpdate, CommonRejection, getBuyoutQuery, nextQuarter } from '@app/contracts';
import { BuyoutTerms, planBuyoutStep, quarterAt, quarterEndsAt, ShareLine } from '@app/domain';
import { buyoutWorkflow } from '../../workflows';
import { maxPendingActivities, recordHistoriesIfAsked, updateRefusal, useTimeSkipping, workflowStepEvents } from '../support/temporal';

type Activities = { [K in keyof BuyoutActivities]: BuyoutActivities[K] };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One agreement as PostgreSQL keeps it: its status, the table, the steps (once per quarter) and the changes. */
class AgreementRows {
  status: BuyoutStatus = 'active';
  steps = new Map<string, { parts: bigint; amount: bigint }>();
  changes: Array<BuyoutChangeRequest & { agreementId: string }> = [];
  stepCalls: string[] = [];
  /** Quarters whose income is not shared yet: how many more calls answer `not-ready`. */
  notReady = new Map<string, number>();
  constructor(
    public table: ShareLine[],
    readonly terms: BuyoutTerms,
    readonly moneyPerQuarter: bigint,
  ) {}

  activities(): Activities {
    return {
      buyoutQuarterEnd: async ({ quarter }) => ({ endsAt: quarterEndsAt(quarter, 'UTC').toISOString() }),
      runBuyoutStep: async ({ quarter, final }): Promise<BuyoutStepResult> => {
        this.stepCalls.push(quarter);
        const done = this.steps.get(quarter);
        if (done) return { outcome: 'stepped', status: this.status, parts: String(done.parts), amount: String(done.amount), money: '0', completed: this.status === 'completed', replayed: true };
        if (this.status !== 'active') return { outcome: 'not-running', status: this.status, parts: '0', amount: '0', money: '0', completed: false, replayed: false };
        const wait = this.notReady.get(quarter) ?? 0;
        if (wait > 0 && !final) {
          this.notReady.set(quarter, wait - 1);
          return { outcome: 'not-ready', status: this.status, parts: '0', amount: '0', money: '0', completed: false, replayed: false };
        }
        const plan = planBuyoutStep(this.terms, this.table, this.moneyPerQuarter);
        this.table = plan.table;
        this.steps.set(quarter, { parts: plan.parts, amount: plan.amount });
        if (plan.completed) this.status = 'completed';
        return { outcome: 'stepped', status: this.status, parts: String(plan.parts), amount: String(plan.amount), money: String(this.moneyPerQuarter), completed: plan.completed, replayed: false };
      },
      recordBuyoutChange: async (input) => {
        if (this.changes.some((c) => c.changeId === input.changeId)) return { applied: true, status: this.status };
        this.changes.push(input);
        this.status = input.action === 'pause' ? 'paused' : input.action === 'resume' ? 'active' : 'ended';
        return { applied: true, status: this.status };
      },
    };
  }
}

const parts = (t: ShareLine[], id: string) => t.find((l) => l.memberId === id)?.parts ?? 0n;
const TABLE: ShareLine[] = [
  { memberId: 'op', parts: 20n, outputParts: 40n },
  { memberId: 'ann', parts: 50n, outputParts: 37n },
  { memberId: 'ben', parts: 30n, outputParts: 23n },
];

describe('buyoutWorkflow', () => {
  const ts = useTimeSkipping();

  /** Every run of the workflow, first to last, with its history. */
  async function runsOf(workflowId: string, firstRunId: string) {
    const runs = [];
    let runId: string | undefined = firstRunId;
    while (runId) {
      const history = await ts.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      runs.push({ runId, history });
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    return runs;
  }

  const change = (action: BuyoutChangeRequest['action'], reason: string): BuyoutChangeRequest => ({ action, by: 'coordinator:c1', reason, changeId: randomUUID() });

  it('steps quarter after quarter through continue-as-new; paused quarters move nothing; ends by agreement', async () => {
    const agreementId = randomUUID();
    const taskQueue = `wf-${randomUUID()}`;
    // 1,000 a quarter at 100 a part: 10 parts a quarter towards 90 (seven quarters' worth).
    const rows = new AgreementRows(TABLE, { operatorId: 'op', targetParts: 90n, pricePerPart: 100n, source: 'pro-rata', offers: [] }, 1_000n);
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: rows.activities() });
    await worker.runUntil(async () => {
      const q0 = quarterAt(new Date(await ts.env.currentTimeMs()), 'UTC');
      const [q1, q2, q3] = [nextQuarter(q0), nextQuarter(nextQuarter(q0)), nextQuarter(nextQuarter(nextQuarter(q0)))];
      const workflowId = buyoutWorkflowId(agreementId);
      const start = await ts.env.client.workflow.start(buyoutWorkflow, { taskQueue, workflowId, args: [{ agreementId, quarter: q0, status: 'active', quartersDone: 0 }] });
      const h = ts.env.client.workflow.getHandle(workflowId);
      const skipPast = async (q: string) => ts.env.sleep(quarterEndsAt(q, 'UTC').getTime() - (await ts.env.currentTimeMs()) + HOUR);
      const waitFor = async (fn: () => Promise<boolean>) => {
        for (let k = 0; k < 200 && !(await fn()); k++) await new Promise((r) => setTimeout(r, 25));
      };

      expect(await h.query(getBuyoutQuery)).toMatchObject({ status: 'active', quarter: q0, quartersDone: 0 });
      // Nothing moves before the quarter's end.
      expect(rows.stepCalls).toEqual([]);
      await skipPast(q0);
      await waitFor(async () => (await h.query(getBuyoutQuery)).quarter === q1);
      expect(rows.steps.get(q0)).toEqual({ parts: 10n, amount: 1_000n });
      expect(await h.query(getBuyoutQuery)).toMatchObject({ status: 'active', quarter: q1, quartersDone: 1, changesThisRun: 0 });

      // Paused by agreement: Q1's end moves nothing.
      const paused = await h.executeUpdate(changeBuyoutUpdate, { args: [change('pause', 'the greenhouse is being repaired this quarter')] });
      expect(paused).toMatchObject({ status: 'paused', changesThisRun: 1 });
      expect((await updateRefusal(h.executeUpdate(changeBuyoutUpdate, { args: [change('pause', 'again')] }))).type).toBe(BuyoutRejection.NotActive);
      expect((await updateRefusal(h.executeUpdate(changeBuyoutUpdate, { args: [{ ...change('resume', ' '), reason: ' ' }] }))).type).toBe(CommonRejection.InvalidArgument);
      await skipPast(q1);
      await waitFor(async () => (await h.query(getBuyoutQuery)).quarter === q2);
      expect(rows.stepCalls).toEqual([q0]);
      expect(await h.query(getBuyoutQuery)).toMatchObject({ status: 'paused', quarter: q2, quartersDone: 2 });

      // Resumed: Q2 and Q3 step again.
      expect((await updateRefusal(h.executeUpdate(changeBuyoutUpdate, { args: [change('pause', 'still paused?')] }))).type).toBe(BuyoutRejection.NotActive);
      await h.executeUpdate(changeBuyoutUpdate, { args: [change('resume', 'repairs done')] });
      await skipPast(q2);
      await waitFor(async () => (await h.query(getBuyoutQuery)).quarter === q3);
      // Q3's income comes two days late: the run waits a day at a time, then steps.
      rows.notReady.set(q3, 2);
      await skipPast(q3);
      await ts.env.sleep(3 * DAY);
      await waitFor(async () => (await h.query(getBuyoutQuery)).quartersDone === 4);
      expect(rows.stepCalls).toEqual([q0, q2, q3, q3, q3]);
      expect([...rows.steps.keys()]).toEqual([q0, q2, q3]);
      expect(parts(rows.table, 'op')).toBe(50n);

      // Ended by agreement: the workflow finishes; nothing can change it any more.
      const ended = await h.executeUpdate(changeBuyoutUpdate, { args: [change('end', 'the operator sells the node')] });
      expect(ended.status).toBe('ended');
      expect(await h.result()).toBe('ended');
      expect(rows.changes.map((c) => [c.action, c.by, c.reason])).toEqual([
        ['pause', 'coordinator:c1', 'the greenhouse is being repaired this quarter'],
        ['resume', 'coordinator:c1', 'repairs done'],
        ['end', 'coordinator:c1', 'the operator sells the node'],
      ]);

      // One run per quarter; each small whatever the number of years.
      const runs = await runsOf(workflowId, start.firstExecutionRunId);
      expect(runs).toHaveLength(5);
      for (const { history } of runs) {
        const events = history.events ?? [];
        expect(workflowStepEvents(events).length).toBeLessThan(60);
        expect(maxPendingActivities(events)).toBeLessThanOrEqual(2);
      }
      const results = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: ts.bundle }, runs.map((r, i) => ({ workflowId: `${workflowId}#${i}`, history: r.history })))) results.push(r);
      expect(results.filter((r) => r.error).map((r) => r.error?.message)).toEqual([]);
      // `DPN_RECORD_HISTORIES=1 npx jest test/workflows/buyout.spec.ts` records these.
      await recordHistoriesIfAsked(ts.env.client, [
        { workflowId, runId: runs[0].runId, scenario: 'quarter-stepped_v0.6.0' },
        { workflowId, runId: runs[1].runId, scenario: 'paused-quarter_v0.6.0' },
        { workflowId, runId: runs[3].runId, scenario: 'income-late-two-days_v0.6.0' },
        { workflowId, runId: runs[4].runId, scenario: 'ended-by-agreement_v0.6.0' },
      ]);
    });
  });

  it('completes when the operator reaches the target, and refuses every change after', async () => {
    const agreementId = randomUUID();
    const taskQueue = `wf-${randomUUID()}`;
    // 2,500 a quarter at 100 a part against 45 parts to buy: 25, then 20 (the rest stays with the operator).
    const rows = new AgreementRows(TABLE, { operatorId: 'op', targetParts: 65n, pricePerPart: 100n, source: 'pro-rata', offers: [] }, 2_500n);
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: rows.activities() });
    await worker.runUntil(async () => {
      const q0 = quarterAt(new Date(await ts.env.currentTimeMs()), 'UTC');
      const workflowId = buyoutWorkflowId(agreementId);
      const start = await ts.env.client.workflow.start(buyoutWorkflow, { taskQueue, workflowId, args: [{ agreementId, quarter: q0, status: 'active', quartersDone: 0 }] });
      expect(await ts.env.client.workflow.getHandle(workflowId).result()).toBe('completed');
      expect([...rows.steps.values()]).toEqual([
        { parts: 25n, amount: 2_500n },
        { parts: 20n, amount: 2_000n },
      ]);
      expect(parts(rows.table, 'op')).toBe(65n);
      expect(rows.table.reduce((a, l) => a + l.parts, 0n)).toBe(100n);
      const runs = await runsOf(workflowId, start.firstExecutionRunId);
      expect(runs).toHaveLength(2);
      // The workflow has finished: a change finds nothing to change.
      await expect(ts.env.client.workflow.getHandle(workflowId).executeUpdate(changeBuyoutUpdate, { args: [change('pause', 'too late')] })).rejects.toThrow();
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId, runId: runs[1].runId, scenario: 'completed-at-target_v0.6.0' }]);
    });
  });

  it('survives a worker restart: a new worker picks the waiting agreement up and steps its quarter', async () => {
    const agreementId = randomUUID();
    const taskQueue = `wf-${randomUUID()}`;
    const rows = new AgreementRows(TABLE, { operatorId: 'op', targetParts: 90n, pricePerPart: 100n, source: 'pro-rata', offers: [] }, 1_000n);
    const workflowId = buyoutWorkflowId(agreementId);
    let q0 = '';
    // The first worker keeps no workflow in its cache, so the server gives the next task to the
    // new worker at once instead of holding it for the gone worker's sticky queue first.
    const first = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: rows.activities(), maxCachedWorkflows: 0 });
    await first.runUntil(async () => {
      q0 = quarterAt(new Date(await ts.env.currentTimeMs()), 'UTC');
      await ts.env.client.workflow.start(buyoutWorkflow, { taskQueue, workflowId, args: [{ agreementId, quarter: q0, status: 'active', quartersDone: 0 }] });
      expect(await ts.env.client.workflow.getHandle(workflowId).query(getBuyoutQuery)).toMatchObject({ quarter: q0, status: 'active' });
    });
    // The first worker is gone (shut down); a new one, with no state of its own, carries on.
    const second = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: rows.activities() });
    await second.runUntil(async () => {
      const h = ts.env.client.workflow.getHandle(workflowId);
      await ts.env.sleep(quarterEndsAt(q0, 'UTC').getTime() - (await ts.env.currentTimeMs()) + HOUR);
      for (let k = 0; k < 200 && (await h.query(getBuyoutQuery)).quarter === q0; k++) await new Promise((r) => setTimeout(r, 25));
      expect(rows.steps.get(q0)).toEqual({ parts: 10n, amount: 1_000n });
      expect(await h.query(getBuyoutQuery)).toMatchObject({ quarter: nextQuarter(q0), quartersDone: 1 });
      await h.executeUpdate(changeBuyoutUpdate, { args: [change('end', 'test over')] });
      expect(await h.result()).toBe('ended');
    });
  }, 180_000);

  it('a run takes a bounded number of changes, then continues as new within the same quarter', async () => {
    const agreementId = randomUUID();
    const taskQueue = `wf-${randomUUID()}`;
    const rows = new AgreementRows(TABLE, { operatorId: 'op', targetParts: 90n, pricePerPart: 100n, source: 'pro-rata', offers: [] }, 1_000n);
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: rows.activities() });
    await worker.runUntil(async () => {
      const q0 = quarterAt(new Date(await ts.env.currentTimeMs()), 'UTC');
      const workflowId = buyoutWorkflowId(agreementId);
      const start = await ts.env.client.workflow.start(buyoutWorkflow, { taskQueue, workflowId, args: [{ agreementId, quarter: q0, status: 'active', quartersDone: 0, changesPerRun: 4 }] });
      const h = ts.env.client.workflow.getHandle(workflowId);
      // 11 changes in one quarter: pause, resume, pause, ... (the last leaves it paused).
      for (let i = 0; i < 11; i++) {
        const request = change(i % 2 === 0 ? 'pause' : 'resume', `change ${i}`);
        // An Update sent while the run is continuing as new can hang on the time-skipping test
        // server (temporalio/sdk-java#1903): each try is bounded, and it is sent again (the same
        // changeId, so never applied twice) only if the change was not recorded.
        for (let attempt = 1; ; attempt++) {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([h.executeUpdate(changeBuyoutUpdate, { args: [request] }), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000)))]);
            break;
          } catch (err) {
            if (rows.changes.some((c) => c.changeId === request.changeId)) break;
            if (attempt === 4) throw err;
          } finally {
            clearTimeout(timer);
          }
        }
      }
      expect(rows.changes).toHaveLength(11);
      const v = await h.query(getBuyoutQuery);
      expect(v).toMatchObject({ status: 'paused', quarter: q0, quartersDone: 0 });
      const runs = await runsOf(workflowId, start.firstExecutionRunId);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      for (const { history } of runs) expect((history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBeLessThanOrEqual(4);
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId, runId: runs[0].runId, scenario: 'changes-limit-continued_v0.6.0' }]);
      // Paused at the quarter's end: nothing moves.
      await ts.env.sleep(quarterEndsAt(q0, 'UTC').getTime() - (await ts.env.currentTimeMs()) + HOUR);
      for (let k = 0; k < 200 && (await h.query(getBuyoutQuery)).quarter === q0; k++) await new Promise((r) => setTimeout(r, 25));
      expect(rows.stepCalls).toEqual([]);
      await h.executeUpdate(changeBuyoutUpdate, { args: [change('end', 'done')] });
      expect(await h.result()).toBe('ended');
    });
  }, 180_000);
});
