/**
 * Paid work in jobWorkflow (patch `2026-12-job-priced`) on the time-skipping test server: the price
 * reserved on acceptance, paid once on a confirmed delivery (after rework too), released or paid
 * by progress on a cancel, a counter-offer's price within the ceiling, and a job that waits for
 * money until its account is topped up. The activities are stubs typed against the real classes;
 * the money stub keeps a tiny ledger keyed like `JobPaymentsRepository` (the repository's own
 * test and the e2e test use PostgreSQL).
 */
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { PaymentActivities } from '../../apps/worker/src/activities/payment.activities';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  completeJobUpdate,
  getJobQuery,
  JobInput,
  JobRejection,
  JobView,
  jobWorkflowId,
  moneyAddedSignal,
  reportProgressUpdate,
} from '@app/contracts';
import { WORKFLOWS_ENTRY } from '@app/temporal';
import { jobWorkflow } from '../../workflows';
import { ballotBox, createTimeSkippingEnv, recordHistoriesIfAsked, updateRefusal } from '../support/temporal';
import { DAY, jobInput } from '../support/job-input';

type Activities = { [K in keyof JobActivities]: JobActivities[K] } & { [K in keyof DecisionActivities]: DecisionActivities[K] } & { [K in keyof PaymentActivities]: PaymentActivities[K] };

/** The money side as the repository keeps it: the payer's balance, the job's hold, what the node owner got, every call. */
interface Money {
  payer: bigint;
  hold: bigint;
  owner: bigint;
  state: 'none' | 'waiting' | 'reserved' | 'paid' | 'released' | 'part-paid';
  /** The node's latest progress report (the job row's), for a cancel that pays progress. */
  percent: number;
  calls: string[];
}

describe('jobWorkflow: paid work', () => {
  const ts = {} as { env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap };
  beforeAll(async () => {
    ts.bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  });
  beforeEach(async () => {
    ts.env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await ts.env?.teardown();
  });

  const input = (over: Partial<JobInput> = {}): Promise<JobInput> => jobInput(ts.env, { price: { amount: '48000', currency: 'EUR' }, ...over });

  async function withWorker<T>(payer: bigint, fn: (ctx: { taskQueue: string; m: Money; decisions: string[]; box: ReturnType<typeof ballotBox> }) => Promise<T>): Promise<T> {
    const m: Money = { payer, hold: 0n, owner: 0n, state: 'none', percent: 0, calls: [] };
    const decisions: string[] = [];
    const taskQueue = `wf-${randomUUID()}`;
    const box = ballotBox(() => ts.env.client);
    const acts: Activities = {
      pickNode: async ({ exclude }) => (exclude.includes('n-1') ? { kind: 'none' } : { kind: 'node', nodeId: 'n-1' }),
      sendJobEvent: async () => 'delivered',
      recordJob: async () => undefined,
      recordOfferOutcome: async () => ({ suspended: false, expiredInRow: 0, ownerMemberId: 'owner', nodeName: 'n-1' }),
      notify: async () => undefined,
      announceCapacity: async () => 0,
      createRemainderJob: async () => {
        throw ApplicationFailure.nonRetryable('a priced job is never split');
      },
      ...box.activities,
      openDecisionBallot: async (req) => {
        decisions.push(req.decisionId);
        return box.activities.openDecisionBallot(req);
      },
      reserveJobPrice: async ({ amount }) => {
        m.calls.push(`reserve:${amount}`);
        if (m.state !== 'none' && m.state !== 'waiting') return { reserved: true };
        if (m.payer < BigInt(amount)) {
          m.state = 'waiting';
          return { reserved: false, available: String(m.payer), asked: amount };
        }
        m.payer -= BigInt(amount);
        m.hold += BigInt(amount);
        m.state = 'reserved';
        return { reserved: true };
      },
      payJobPrice: async ({ run }) => {
        m.calls.push(`pay:${run}`);
        if (m.state !== 'reserved') return { paid: '0', released: '0' };
        const paid = m.hold;
        m.owner += paid;
        m.hold = 0n;
        m.state = 'paid';
        return { paid: String(paid), released: '0' };
      },
      settleCancelledJob: async ({ payProgress }) => {
        m.calls.push(`settle:${payProgress}`);
        if (m.state !== 'reserved') return { paid: '0', released: '0' };
        const paid = payProgress ? (m.hold * BigInt(m.percent)) / 100n : 0n;
        const released = m.hold - paid;
        m.owner += paid;
        m.payer += released;
        m.hold = 0n;
        m.state = paid > 0n ? 'part-paid' : 'released';
        return { paid: String(paid), released: String(released) };
      },
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, m, decisions, box }));
  }

  const start = (taskQueue: string, i: JobInput) => ts.env.client.workflow.start(jobWorkflow, { taskQueue, workflowId: jobWorkflowId(i.jobId), args: [i] });
  const until = async (h: { query: (q: typeof getJobQuery) => Promise<JobView> }, ok: (v: JobView) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const v = await h.query(getJobQuery);
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job never reached the expected state: ${JSON.stringify(await h.query(getJobQuery))}`);
  };
  const answer = async (box: ReturnType<typeof ballotBox>, decisions: string[], optionId: 'confirm' | 'reject') => {
    expect(await box.answer(decisions.at(-1)!, 'recipient', optionId, optionId === 'reject' ? 'holes off by 2 mm' : null)).toBe('recorded');
  };

  it('reserves the price on acceptance and pays it to the node owner once the delivery is confirmed', async () => {
    await withWorker(100_000n, async ({ taskQueue, m, decisions, box }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      expect(await until(h, (v) => v.status === 'offered')).toMatchObject({ price: { amount: '48000', currency: 'EUR' }, payment: null });
      expect(m.calls).toEqual([]); // nothing is reserved for an offer
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await until(h, (v) => v.payment === 'reserved');
      expect({ payer: m.payer, hold: m.hold }).toEqual({ payer: 52_000n, hold: 48_000n });
      await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 50 }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => decisions.length === 1);
      await answer(box, decisions, 'confirm');
      expect(await h.result()).toMatchObject({ status: 'confirmed', payment: 'paid' });
      expect(m.calls).toEqual(['reserve:48000', 'pay:1']);
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 52_000n, hold: 0n, owner: 48_000n });
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'priced-reserved-and-paid_v0.5.0' }]);
    });
  });

  it('a rejected delivery pays nothing; the rework, once confirmed, is paid once (from the one reservation)', async () => {
    await withWorker(100_000n, async ({ taskQueue, m, decisions, box }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => decisions.length === 1);
      await answer(box, decisions, 'reject');
      await until(h, (v) => v.status === 'offered' && v.nodeId === null);
      expect(m.calls).toEqual(['reserve:48000']);
      expect(m.owner).toBe(0n);
      // A rework is made at the reserved price: a price counter now is refused.
      expect((await updateRefusal(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', price: '40000' }] }))).type).toBe(JobRejection.CounterAboveCeiling);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 1 }] });
      await until(h, () => decisions.length === 2);
      await answer(box, decisions, 'confirm');
      expect(await h.result()).toMatchObject({ status: 'confirmed', payment: 'paid', runCount: 2 });
      expect(m.calls).toEqual(['reserve:48000', 'pay:2']);
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 52_000n, hold: 0n, owner: 48_000n });
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'priced-rework-paid-once_v0.5.0' }]);
    });
  });

  it('takes a counter-offer price within the ceiling (the reservation is that price) and refuses one above it or on a job without a ceiling', async () => {
    await withWorker(100_000n, async ({ taskQueue, m }) => {
      const fixed = await start(taskQueue, await input());
      await until(fixed, (v) => v.status === 'offered');
      expect((await updateRefusal(fixed.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', price: '47000' }] }))).type).toBe(JobRejection.CounterAboveCeiling);
      await fixed.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await fixed.result();

      const i = await input({ priceCeiling: '52000' });
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      const above = await updateRefusal(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', price: '52001' }] }));
      expect(above).toMatchObject({ type: JobRejection.CounterAboveCeiling, message: expect.stringContaining('above') });
      const taken = await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', price: '51000', note: 'tool wear' }] });
      expect(taken).toMatchObject({ status: 'accepted', price: { amount: '51000', currency: 'EUR' } });
      expect(taken.offers.at(-1)).toMatchObject({ answer: 'countered', reason: expect.stringContaining('price 51000 EUR') });
      await until(h, (v) => v.payment === 'reserved');
      expect(m.calls).toEqual(['settle:false', 'reserve:51000']);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      expect(await h.result()).toMatchObject({ status: 'cancelled', payment: 'released' });
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 100_000n, hold: 0n, owner: 0n });
    });
  });

  it('a cancel mid-work releases the reservation; with payProgressOnCancel it pays the progress the node reported and releases the rest', async () => {
    await withWorker(100_000n, async ({ taskQueue, m }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 40 }] });
      m.percent = 40;
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'design changed' }] });
      expect(await h.result()).toMatchObject({ status: 'cancelled', payment: 'released' });
      expect(m.calls).toEqual(['reserve:48000', 'settle:false']);
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 100_000n, hold: 0n, owner: 0n });
    });
    await withWorker(100_000n, async ({ taskQueue, m }) => {
      const i = await input({ payProgressOnCancel: true });
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 40 }] });
      m.percent = 40;
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'design changed' }] });
      expect(await h.result()).toMatchObject({ status: 'cancelled', payment: 'part-paid' });
      expect(m.calls).toEqual(['reserve:48000', 'settle:true']);
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 100_000n - 19_200n, hold: 0n, owner: 19_200n });
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'priced-cancel-pays-progress_v0.5.0' }]);
    });
  });

  it('waits for money when the paying account cannot hold the price; a top-up (moneyAdded) unblocks it', async () => {
    await withWorker(10_000n, async ({ taskQueue, m, decisions, box }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      expect(await until(h, (v) => v.status === 'waiting-for-money')).toMatchObject({ nodeId: 'n-1', payment: 'waiting' });
      // The node cannot start on work that is not paid for yet.
      expect((await updateRefusal(h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 5 }] }))).type).toBe(JobRejection.Closed);
      m.payer += 50_000n; // the coordinator records a deposit into the project's account
      await h.signal(moneyAddedSignal);
      expect(await until(h, (v) => v.status === 'accepted')).toMatchObject({ payment: 'reserved' });
      expect(m.calls).toEqual(['reserve:48000', 'reserve:48000']);
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => decisions.length === 1);
      await answer(box, decisions, 'confirm');
      expect(await h.result()).toMatchObject({ status: 'confirmed', payment: 'paid' });
      expect({ payer: m.payer, owner: m.owner }).toEqual({ payer: 12_000n, owner: 48_000n });
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'priced-waits-for-money_v0.5.0' }]);
    });
  });

  it('waiting for money, it tries again on its own timer (doubling, at most 6 h apart), and a cancel while it waits reserves nothing', async () => {
    await withWorker(0n, async ({ taskQueue, m }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await until(h, (v) => v.status === 'waiting-for-money');
      await ts.env.sleep(2 * DAY);
      const tries = m.calls.filter((c) => c.startsWith('reserve')).length;
      // 1 + 1, 2, 4, … 256 min, then every 6 h: about a dozen in two days, not one a minute.
      expect(tries).toBeGreaterThan(5);
      expect(tries).toBeLessThan(20);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'no money' }] });
      expect(await h.result()).toMatchObject({ status: 'cancelled', payment: null });
      expect(m.calls.at(-1)).toBe('settle:false');
      expect({ payer: m.payer, hold: m.hold, owner: m.owner }).toEqual({ payer: 0n, hold: 0n, owner: 0n });
    });
  });
});
