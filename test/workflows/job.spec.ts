/**
 * jobWorkflow on the time-skipping test server: offers, rejections, silence, counter-offers,
 * work-in-progress limits, reminders and escalations, delivery confirmation and rework. The
 * activities are stubs typed against the real class (the e2e test sends real webhooks).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  capacityFreedSignal,
  completeJobUpdate,
  DATA_REJECTED,
  getJobQuery,
  JobInput,
  JobRejection,
  jobNotificationWorkflowId,
  JobView,
  jobWorkflowId,
  OFFERS_KEPT,
  reportProgressUpdate,
  SendJobEventInput,
} from '@app/contracts';
import { jobWorkflow } from '../../workflows';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WORKFLOWS_ENTRY } from '@app/temporal';
import { ballotBox, createTimeSkippingEnv, recordHistoriesIfAsked, updateRefusal } from '../support/temporal';
import { DAY, HOUR, jobInput } from '../support/job-input';

type Activities = { [K in keyof JobActivities]: JobActivities[K] } & { [K in keyof DecisionActivities]: DecisionActivities[K] };

interface World {
  /** Nodes in the order pickNode returns them; `busy` ones count as at their limit. */
  nodes: string[];
  busy: Set<string>;
  events: SendJobEventInput[];
  emails: string[];
  expiries: Record<string, number>;
  remainders: Array<{ jobId: string; quantity: number }>;
  decisions: string[];
  failDelivery?: (e: SendJobEventInput) => boolean;
  /** A receiver that is gone: these deliveries fail with a retryable error (connection refused) every time. */
  unreachable?: (e: SendJobEventInput) => boolean;
  /** Held deliveries: the stub waits for this before it answers. */
  hold?: Promise<void>;
  /** Held emails: the stub waits for this before it sends. */
  holdMail?: Promise<void>;
  /** Every view the workflow projected. */
  records: JobView[];
  /** Views PostgreSQL refuses (DATA_REJECTED), e.g. one with a NUL in a text. */
  refuseRecord?: (v: JobView) => boolean;
  refusePick?: boolean;
  /** The run id of every pickNode call: how many runs the job went through. */
  pickRuns: string[];
}

/** Polls (real time) until the stubs saw what the test expects: notifications go out on their own. */
async function eventually(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('jobWorkflow', () => {
  // A time-skipping server per test (one bundle for the file): a job ends while the notifications
  // it abandoned (ParentClosePolicy.ABANDON children) still run, and the test server then keeps
  // time skipping locked, which stalls every later sleep of that server (temporalio/sdk-typescript
  // issue 1101; the real server has no such lock).
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
  const boxes = new Map<World, ReturnType<typeof ballotBox>>();
  const rejection = async (p: Promise<unknown>) => (await updateRefusal(p)).type;

  const input = (over: Partial<JobInput> = {}): Promise<JobInput> => jobInput(ts.env, over);

  async function withWorker<T>(world: Partial<World>, fn: (ctx: { taskQueue: string; w: World }) => Promise<T>): Promise<T> {
    const w: World = { nodes: [], busy: new Set(), events: [], emails: [], expiries: {}, remainders: [], decisions: [], records: [], pickRuns: [], ...world };
    const taskQueue = `wf-${randomUUID()}`;
    const box = ballotBox(() => ts.env.client);
    boxes.set(w, box);
    const acts: Activities = {
      pickNode: async ({ exclude }) => {
        w.pickRuns.push(Context.current().info.workflowExecution!.runId);
        if (w.refusePick) throw ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00', DATA_REJECTED);
        const capable = w.nodes.filter((n) => !exclude.includes(n));
        if (capable.length === 0) return { kind: 'none' };
        const free = capable.find((n) => !w.busy.has(n));
        return free ? { kind: 'node', nodeId: free } : { kind: 'all-busy' };
      },
      sendJobEvent: async (e) => {
        w.events.push(e);
        if (w.hold && e.type === 'job.offered') await w.hold;
        if (w.unreachable?.(e)) throw ApplicationFailure.create({ message: 'connect ECONNREFUSED 127.0.0.1:9', type: 'WebhookRetry' });
        return w.failDelivery?.(e) ? 'failed' : 'delivered';
      },
      recordJob: async ({ view }) => {
        if (w.refuseRecord?.(view)) throw ApplicationFailure.nonRetryable('unsupported Unicode escape sequence', DATA_REJECTED);
        w.records.push(JSON.parse(JSON.stringify(view)));
      },
      recordOfferOutcome: async ({ nodeId, answered }) => {
        w.expiries[nodeId] = answered ? 0 : (w.expiries[nodeId] ?? 0) + 1;
        return { suspended: w.expiries[nodeId] === 3, expiredInRow: w.expiries[nodeId], ownerMemberId: `owner-${nodeId}`, nodeName: nodeId };
      },
      notify: async ({ key }) => {
        if (w.holdMail) await w.holdMail;
        w.emails.push(key);
      },
      announceCapacity: async () => 0,
      createRemainderJob: async ({ jobId, quantity }) => {
        w.remainders.push({ jobId, quantity });
      },
      // The recipient's decision: answers live in PostgreSQL, here the ballot box (as the API answers).
      ...box.activities,
      openDecisionBallot: async (req) => {
        w.decisions.push(req.decisionId);
        return box.activities.openDecisionBallot(req);
      },
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, w }));
  }

  const start = (taskQueue: string, i: JobInput) => ts.env.client.workflow.start(jobWorkflow, { taskQueue, workflowId: jobWorkflowId(i.jobId), args: [i] });
  const offeredTo = (w: World) => w.events.filter((e) => e.type === 'job.offered').map((e) => e.nodeId);
  const until = async (h: { query: (q: typeof getJobQuery) => Promise<JobView> }, ok: (v: JobView) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const v = await h.query(getJobQuery);
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job never reached the expected state: ${JSON.stringify(await h.query(getJobQuery))}`);
  };
  const confirm = async (w: World, optionId: 'confirm' | 'reject', comment?: string) => {
    const id = w.decisions.at(-1)!;
    expect(await boxes.get(w)!.answer(id, 'recipient', optionId, comment ?? null)).toBe('recorded');
  };

  it('offers to the best node; a rejection moves on; acceptance, progress, completion and a confirmed delivery end it', async () => {
    await withWorker({ nodes: ['n-1', 'n-2'] }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      await eventually(() => offeredTo(w).length === 1, 'the offer sent');
      expect(offeredTo(w)).toEqual(['n-1']);
      // Only the node offered the job may answer, and only what makes sense now.
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] }))).toBe(JobRejection.NotYours);
      expect(await rejection(h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] }))).toBe(JobRejection.NotAccepted);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'n-1', reason: 'no capacity' }] });
      await until(h, (v) => v.offers.length === 2);
      await eventually(() => offeredTo(w).length === 2, 'the second offer sent');
      expect(offeredTo(w)).toEqual(['n-1', 'n-2']);
      const accepted = await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] });
      expect(accepted).toMatchObject({ status: 'accepted', nodeId: 'n-2' });
      // A repeat changes nothing and takes no update (the API answers it with the current state).
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] }))).toBe(JobRejection.Repeat);
      expect(await rejection(h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 10 }] }))).toBe(JobRejection.NotYours);
      expect((await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-2', percent: 60, note: 'milling' }] })).status).toBe('in-progress');
      const done = await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-2', made: 10, scrapped: 2 }] });
      expect(done.status).toBe('delivered');
      expect(await rejection(h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-2', made: 10, scrapped: 2 }] }))).toBe(JobRejection.Repeat);
      await until(h, () => w.decisions.length === 1);
      await confirm(w, 'confirm');
      const end = await h.result();
      expect(end).toMatchObject({ status: 'confirmed', runs: [{ made: 10, scrapped: 2, confirmation: 'confirmed' }] });
      expect(end.offers.map((o) => o.answer)).toEqual(['rejected', 'accepted']);
      await eventually(() => w.events.length === 3, 'delivery.confirmed sent');
      expect(w.events.map((e) => e.type)).toEqual(['job.offered', 'job.offered', 'delivery.confirmed']);
      // The same event id on every retry: ids are stable and unique per event.
      expect(new Set(w.events.map((e) => e.eventId)).size).toBe(3);
    });
  });

  it('re-offers after an offer expires (each expiry counted against the node); no node left → the coordinator is told', async () => {
    await withWorker({ nodes: ['silent', 'also-silent'] }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input({ offerTimeoutMs: HOUR }));
      await until(h, (v) => v.status === 'offered');
      await ts.env.sleep(HOUR + 1000);
      await until(h, (v) => v.offers.length === 2);
      expect(offeredTo(w)).toEqual(['silent', 'also-silent']);
      expect(w.events.filter((e) => e.type === 'offer.withdrawn').map((e) => e.nodeId)).toEqual(['silent']);
      await ts.env.sleep(HOUR + 1000);
      const v = await until(h, (x) => x.status === 'no-node');
      expect(v.offers.map((o) => o.answer)).toEqual(['expired', 'expired']);
      expect(w.expiries).toEqual({ silent: 1, 'also-silent': 1 });
      expect(w.emails.filter((k) => k.endsWith(':no node left'))).toHaveLength(1);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'done elsewhere' }] });
      expect((await h.result()).status).toBe('cancelled');
    });
  });

  it('takes a counter-offer within the rules (later date, part of the quantity: the rest becomes its own job) and refuses one beyond them', async () => {
    await withWorker({ nodes: ['n-1', 'n-2', 'n-3'] }, async ({ taskQueue, w }) => {
      const i = await input({ maxDelayMs: DAY });
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      const tooLate = new Date(Date.parse(i.dueAt) + 3 * DAY).toISOString();
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', dueAt: tooLate }] });
      await until(h, (v) => v.offers.length === 2);
      expect((await h.query(getJobQuery)).offers[0]).toMatchObject({ answer: 'countered', reason: expect.stringContaining('refused') });
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-2', quantity: 10 }] }))).toBe(JobRejection.InvalidCounter);
      const later = new Date(Date.parse(i.dueAt) + 12 * HOUR).toISOString();
      const taken = await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-2', quantity: 6, dueAt: later }] });
      expect(taken).toMatchObject({ status: 'accepted', nodeId: 'n-2', quantity: 6, dueAt: later });
      expect(w.remainders).toEqual([{ jobId: taken.remainderJobIds[0], quantity: 4 }]);
      const rest = ts.env.client.workflow.getHandle(jobWorkflowId(taken.remainderJobIds[0]));
      const restView = await until(rest, (v) => v.status === 'offered');
      // The rest goes to a node that neither refused the job nor makes its first part.
      expect(restView).toMatchObject({ quantity: 4, offers: [{ nodeId: 'n-3' }] });
      await rest.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await rest.result();
      await h.result();
    });
  });

  it('waits while every capable node is at its limit, and is offered as soon as one frees a slot', async () => {
    await withWorker({ nodes: ['n-1'], busy: new Set(['n-1']) }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'waiting-for-capacity');
      expect(offeredTo(w)).toEqual([]);
      w.busy.clear();
      await h.signal(capacityFreedSignal, { nodeId: 'n-1' });
      await until(h, (v) => v.status === 'offered');
      expect(offeredTo(w)).toEqual(['n-1']);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.result();
    });
  });

  it('reminds the node a day before the due date and tells the coordinator when it is late', async () => {
    await withWorker({ nodes: ['n-1'] }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await ts.env.sleep(9 * DAY + HOUR);
      expect(w.events.filter((e) => e.type === 'job.reminder')).toHaveLength(1);
      expect(w.emails.filter((k) => k.includes(':overdue'))).toHaveLength(0);
      await ts.env.sleep(DAY);
      expect(w.emails.filter((k) => k.includes(':overdue'))).toHaveLength(1);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.result();
    });
  });

  it('a rejected delivery goes back to the same node for rework, with the reason and the scrap kept', async () => {
    await withWorker({ nodes: ['n-1', 'n-2'] }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 1 }] });
      await until(h, () => w.decisions.length === 1);
      await confirm(w, 'reject', 'holes are 2 mm off');
      const rework = await until(h, (v) => v.status === 'offered' && v.offers.length === 2);
      expect(rework.offers[1].nodeId).toBe('n-1'); // the same node first
      expect(rework.runs[0]).toMatchObject({ confirmation: 'rejected', reason: 'holes are 2 mm off' });
      await eventually(() => w.events.some((e) => e.type === 'job.offered' && e.data.rework === true), 'the rework offer sent');
      expect(w.events.find((e) => e.type === 'job.offered' && e.data.rework === true)?.nodeId).toBe('n-1');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 3 }] });
      await until(h, () => w.decisions.length === 2);
      await confirm(w, 'confirm');
      const end = await h.result();
      expect(end.runs.map((r) => [r.made, r.scrapped, r.confirmation])).toEqual([
        [10, 1, 'rejected'],
        [10, 3, 'confirmed'],
      ]);
    });
  });

  it('an undeliverable offer moves on; cancelling tells the node that holds the job', async () => {
    await withWorker({ nodes: ['gone', 'n-2'], failDelivery: (e) => e.nodeId === 'gone' }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input());
      const v = await until(h, (x) => x.status === 'offered' && x.offers.length === 2);
      expect(v.offers[0]).toMatchObject({ nodeId: 'gone', answer: 'undeliverable' });
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] });
      const cancelled = await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'project stopped' }] });
      expect(cancelled.status).toBe('cancelled');
      await h.result();
      await eventually(() => w.events.at(-1)?.type === 'job.cancelled', 'job.cancelled sent');
      expect(w.events.at(-1)).toMatchObject({ type: 'job.cancelled', nodeId: 'n-2' });
    });
  });

  it('an answer that comes while the offer webhook is still being retried counts; it never carries over to the next offer', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    await withWorker({ nodes: ['slow', 'n-2'], hold, failDelivery: (e) => e.nodeId === 'slow' }, async ({ taskQueue }) => {
      const h = await start(taskQueue, await input());
      await until(h, (v) => v.status === 'offered');
      // The node saw the offer in its list before the webhook got through, and rejects it.
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'slow', reason: 'busy' }] });
      release(); // the webhook now fails for good: the rejection stays with its own offer
      const v = await until(h, (x) => x.offers.length === 2);
      expect(v.offers.map((o) => [o.nodeId, o.answer])).toEqual([
        ['slow', 'rejected'],
        ['n-2', null],
      ]);
      expect(v.nodeId).toBeNull();
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.result();
    });
  });

  it('a cancel that races an answer or a progress report never leaves the job hanging', async () => {
    await withWorker({ nodes: ['n-1'] }, async ({ taskQueue }) => {
      const a = await start(taskQueue, await input());
      await until(a, (v) => v.status === 'offered');
      await Promise.allSettled([
        a.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] }),
        a.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'race' }] }),
      ]);
      expect((await a.result()).status).toBe('cancelled');

      const b = await start(taskQueue, await input());
      await until(b, (v) => v.status === 'offered');
      await b.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      // (Raced with a progress report: a completion that wins would start the delivery question,
      // and the time-skipping server stalls when that child is cancelled with its mail in flight.)
      const [, reported] = await Promise.allSettled([
        b.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'race' }] }),
        b.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 50 }] }),
      ]);
      const end = await b.result();
      // Either the report came first (then the cancel followed) or it was refused as too late.
      expect(end.status).toBe('cancelled');
      if (reported.status === 'rejected') expect(String(reported.reason)).toMatch(/update|cancel/i);
    });
  });
  // ---- Bounded history (issue 18) and hard edges (issue 19) ----

  it('a job waiting for capacity for weeks continues as new (state carried as JSON) and is then offered, made and confirmed', async () => {
    await withWorker({ nodes: ['n-1', 'n-2'], busy: new Set(['n-1', 'n-2']) }, async ({ taskQueue, w }) => {
      const i = await input({ historyEventLimit: 60, excludeNodeIds: ['n-2'], dueAt: new Date((await ts.env.currentTimeMs()) + 60 * DAY).toISOString() });
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'waiting-for-capacity');
      await ts.env.sleep(4 * DAY); // an hourly look each hour: ~96 looks
      const runs = new Set(w.pickRuns);
      expect(runs.size).toBeGreaterThanOrEqual(3);
      w.busy.clear();
      await h.signal(capacityFreedSignal, { nodeId: 'n-1' });
      const offered = await until(h, (v) => v.status === 'offered');
      // The exclusions survive every run: only n-1 is ever offered the job.
      expect(offeredTo(w)).toEqual(['n-1']);
      expect(offered.offerCount).toBe(1);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => w.decisions.length === 1);
      await confirm(w, 'confirm');
      const end = await h.result();
      expect(end).toMatchObject({ status: 'confirmed', runCount: 1, yield: { made: 10, scrapped: 0 } });
      // Each run's history stays near the limit (60, plus one offer-to-confirmation cycle of about
      // 60 events), however long the job waited: without continue-as-new these ~96 hourly looks
      // alone would be over 1,000 events.
      const last = await h.fetchHistory();
      expect(last.events!.length).toBeLessThan(200);
      // Projection writes stay ordered across runs (the sequence is carried).
      const seqs = w.records.length;
      expect(seqs).toBeGreaterThan(2);
      const first = await ts.env.client.workflow.getHandle(jobWorkflowId(i.jobId), w.pickRuns[0]).fetchHistory();
      expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
      expect(first.events!.length).toBeLessThan(200);
      await recordHistoriesIfAsked(ts.env.client, [
        { workflowId: jobWorkflowId(i.jobId), runId: w.pickRuns[0], scenario: 'waiting-continued-as-new_v0.4.0' },
        { workflowId: jobWorkflowId(i.jobId), scenario: 'continued-then-confirmed_v0.4.0' },
      ]);
    });
  });

  it('keeps the latest offers in its state and results, with a count; the daily retry remembers the input exclusions', async () => {
    await withWorker({ nodes: ['excluded', 'n-1'] }, async ({ taskQueue, w }) => {
      const i = await input({ excludeNodeIds: ['excluded'], offerTimeoutMs: 2 * DAY, dueAt: new Date((await ts.env.currentTimeMs()) + 60 * DAY).toISOString() });
      const h = await start(taskQueue, i);
      const total = OFFERS_KEPT + 3;
      for (let n = 1; n <= total; n++) {
        await until(h, (v) => v.status === 'offered' && v.offerCount === n);
        await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'n-1', reason: `not today (${n})` }] });
        await until(h, (v) => v.status === 'no-node');
        await ts.env.sleep(DAY + HOUR); // the daily retry
      }
      const v = await until(h, (x) => x.status === 'offered' && x.offerCount === total + 1);
      expect(offeredTo(w).every((n) => n === 'n-1')).toBe(true);
      expect(v.offers).toHaveLength(OFFERS_KEPT);
      expect(v.offers.at(-1)!.offerId).toBe(`${i.jobId}:${total + 1}`);
      expect(v.offers[0].offerId).toBe(`${i.jobId}:${total + 2 - OFFERS_KEPT}`);
      // What it projects is bounded the same way: the API keeps the whole list in PostgreSQL.
      expect(w.records.every((r) => r.offers.length <= OFFERS_KEPT)).toBe(true);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.result();
      // (No history recorded: 14 offers make 780 events for commands the other histories replay.)
    });
  });

  it('refuses quantities beyond the business bound and free text beyond its limit', async () => {
    await withWorker({ nodes: ['n-1', 'n-2'] }, async ({ taskQueue, w }) => {
      const h = await start(taskQueue, await input({ quantity: 5 }));
      await until(h, (v) => v.status === 'offered');
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'n-1', reason: 'x'.repeat(5000) }] }))).toBe(JobRejection.TextTooLong);
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'counter', nodeId: 'n-1', quantity: 2, note: 'y'.repeat(5000) }] }))).toBe(JobRejection.TextTooLong);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      expect(await rejection(h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 5, note: 'z'.repeat(5000) }] }))).toBe(JobRejection.TextTooLong);
      expect(await rejection(h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 1e20, scrapped: 0 }] }))).toBe(JobRejection.InvalidReport);
      expect(await rejection(h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 30, scrapped: 21 }] }))).toBe(JobRejection.InvalidReport);
      // Up to ten times the quantity is a plausible report (extra parts, set-up scrap).
      expect((await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 30, scrapped: 20 }] })).status).toBe('delivered');
      await until(h, () => w.decisions.length === 1);
      await confirm(w, 'confirm');
      expect((await h.result()).yield).toEqual({ made: 30, scrapped: 20 });
    });
  });

  it('a delivery nobody confirmed ends the job at once, though the escalation mail is stuck: no open run is left for a cancel to wait on', async () => {
    let releaseMail!: () => void;
    const holdMail = new Promise<void>((r) => (releaseMail = r));
    await withWorker({ nodes: ['n-1'], holdMail }, async ({ taskQueue, w }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => w.decisions.length === 1);
      // Nobody answers; the escalation email is stuck (SMTP down): the job must still end. (Waiting
      // on the result lets time pass to the decision's deadline.)
      const end = await h.result();
      expect(end.status).toBe('delivered');
      expect(end.runs[0].confirmation).toBe('unanswered');
      expect(w.emails.some((k) => k.includes(':delivery-unconfirmed'))).toBe(false); // still stuck
      expect((await h.describe()).status.name).toBe('COMPLETED');
      releaseMail();
      await eventually(() => w.emails.some((k) => k.includes(':delivery-unconfirmed')), 'the escalation sent once SMTP is back');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'unanswered-ends-despite-stuck-mail_v0.4.0' }]);
    });
  });

  it('a confirmed job ends when the recipient confirms, though the node’s receiver is gone; late notices go out on their own', async () => {
    await withWorker({ nodes: ['n-1'], unreachable: (e) => e.type === 'delivery.confirmed' }, async ({ taskQueue, w }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] });
      await until(h, () => w.decisions.length === 1);
      const confirmedAt = await ts.env.currentTimeMs();
      await confirm(w, 'confirm');
      expect((await h.result()).status).toBe('confirmed');
      // Closed within minutes of the confirmation (workflow time), not after a day of retries.
      const closed = (await h.describe()).closeTime!.getTime();
      expect(closed - confirmedAt).toBeLessThan(10 * 60_000);
      await eventually(() => w.events.filter((e) => e.type === 'delivery.confirmed').length >= 2, 'the notice still being retried on its own');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'confirmed-receiver-gone_v0.4.0' }]);
    });
  });

  it('a cancelled job ends at once, though the node’s receiver is gone', async () => {
    await withWorker({ nodes: ['n-1'], unreachable: (e) => e.type === 'job.cancelled' }, async ({ taskQueue, w }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      const cancelledAt = await ts.env.currentTimeMs();
      expect((await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'project stopped' }] })).status).toBe('cancelled');
      expect((await h.result()).status).toBe('cancelled');
      expect((await h.describe()).closeTime!.getTime() - cancelledAt).toBeLessThan(10 * 60_000);
      await eventually(() => w.events.some((e) => e.type === 'job.cancelled'), 'job.cancelled tried');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'cancelled-receiver-gone_v0.4.0' }]);
    });
  });

  it('a record PostgreSQL refuses (DATA_REJECTED) is not retried: the coordinator is told, what can be stored is stored, and the job goes on', async () => {
    await withWorker({ nodes: ['n-1', 'n-2'], refuseRecord: (v) => JSON.stringify(v).includes('\\u0000') }, async ({ taskQueue, w }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'n-1', reason: 'no\u0000pe' }] });
      const v = await until(h, (x) => x.status === 'offered' && x.offers.length === 2);
      expect(v.offers[1].nodeId).toBe('n-2');
      expect(v.offers[0].reason).not.toContain('\u0000');
      expect(w.records.some((r) => r.offers[0]?.answer === 'rejected')).toBe(true);
      await eventually(() => w.emails.some((k) => k.startsWith(`job:${i.jobId}:data-rejected`)), 'the coordinator told');
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      expect((await h.result()).status).toBe('cancelled');
      await recordHistoriesIfAsked(ts.env.client, [
        { workflowId: jobWorkflowId(i.jobId), scenario: 'data-rejected-goes-on_v0.4.0' },
        { workflowId: jobNotificationWorkflowId(i.jobId, 1), scenario: 'mail-sent_v0.4.0' },
      ]);
    });
  });

  it('an activity that refuses its data for good fails the job cleanly: recorded as failed, the coordinator told', async () => {
    await withWorker({ nodes: ['n-1'], refusePick: true }, async ({ taskQueue, w }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      const err = await h.result().then(
        () => undefined,
        (e: Error & { cause?: { cause?: { type?: string } } }) => e,
      );
      expect(err).toBeDefined();
      expect(w.records.at(-1)?.status).toBe('failed');
      await eventually(() => w.emails.some((k) => k.startsWith(`job:${i.jobId}:data-rejected`)), 'the coordinator told');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: jobWorkflowId(i.jobId), scenario: 'data-rejected-fails-cleanly_v0.4.0' }]);
    });
  });

  it('only the first progress report of a run reaches the workflow; every Update it takes is bounded', async () => {
    await withWorker({ nodes: ['n-1'] }, async ({ taskQueue }) => {
      const i = await input();
      const h = await start(taskQueue, i);
      await until(h, (v) => v.status === 'offered');
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] });
      expect((await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 10 }] })).status).toBe('in-progress');
      const accepted = async () => (await h.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      const before = await accepted();
      // Later reports are refused as already applied (the node API records them in PostgreSQL), and
      // so is a repeated acceptance: a refused update is no Update of the run (Temporal's limit
      // counts accepted ones; the real server also leaves no event for it).
      for (let n = 0; n < 20; n++) {
        expect(await rejection(h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 10 + n }] }))).toBe(JobRejection.Repeat);
        expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-1' }] }))).toBe(JobRejection.Repeat);
      }
      expect(await accepted()).toBe(before);
      await h.executeUpdate(cancelJobUpdate, { args: [{ actor: 'coordinator', reason: 'test over' }] });
      await h.result();
    });
  });
});
