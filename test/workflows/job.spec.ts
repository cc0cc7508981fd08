/**
 * jobWorkflow on the time-skipping test server: offers, rejections, silence, counter-offers,
 * work-in-progress limits, reminders and escalations, delivery confirmation and rework. The
 * activities are stubs typed against the real class (the e2e test sends real webhooks).
 */
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  capacityFreedSignal,
  completeJobUpdate,
  getJobQuery,
  JobInput,
  JobRejection,
  JobView,
  jobWorkflowId,
  reportProgressUpdate,
  SendJobEventInput,
} from '@app/contracts';
import { jobWorkflow } from '../../workflows';
import { ballotBox, updateRefusal, useTimeSkipping } from '../support/temporal';

type Activities = { [K in keyof JobActivities]: JobActivities[K] } & { [K in keyof DecisionActivities]: DecisionActivities[K] };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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
  /** Held deliveries: the stub waits for this before it answers. */
  hold?: Promise<void>;
}

describe('jobWorkflow', () => {
  const ts = useTimeSkipping();
  const boxes = new Map<World, ReturnType<typeof ballotBox>>();
  const rejection = async (p: Promise<unknown>) => (await updateRefusal(p)).type;

  const input = async (over: Partial<JobInput> = {}): Promise<JobInput> => ({
    jobId: randomUUID(),
    capability: 'cnc-milling',
    quantity: 10,
    unit: 'parts',
    specUrl: 'https://designs.example.org/bracket.step',
    dueAt: new Date((await ts.env.currentTimeMs()) + 10 * DAY).toISOString(),
    recipient: { type: 'member', id: 'recipient', confirmerId: 'recipient' },
    demand: { type: 'project', id: 'p-1' },
    locationId: null,
    offerTimeoutMs: HOUR,
    maxDelayMs: 2 * DAY,
    allowPartial: true,
    confirmWithinMs: 2 * DAY,
    createdBy: 'coordinator',
    ...over,
  });

  async function withWorker<T>(world: Partial<World>, fn: (ctx: { taskQueue: string; w: World }) => Promise<T>): Promise<T> {
    const w: World = { nodes: [], busy: new Set(), events: [], emails: [], expiries: {}, remainders: [], decisions: [], ...world };
    const taskQueue = `wf-${randomUUID()}`;
    const box = ballotBox(() => ts.env.client);
    boxes.set(w, box);
    const acts: Activities = {
      pickNode: async ({ exclude }) => {
        const capable = w.nodes.filter((n) => !exclude.includes(n));
        if (capable.length === 0) return { kind: 'none' };
        const free = capable.find((n) => !w.busy.has(n));
        return free ? { kind: 'node', nodeId: free } : { kind: 'all-busy' };
      },
      sendJobEvent: async (e) => {
        w.events.push(e);
        if (w.hold && e.type === 'job.offered') await w.hold;
        return w.failDelivery?.(e) ? 'failed' : 'delivered';
      },
      recordJob: async () => undefined,
      recordOfferOutcome: async ({ nodeId, answered }) => {
        w.expiries[nodeId] = answered ? 0 : (w.expiries[nodeId] ?? 0) + 1;
        return { suspended: w.expiries[nodeId] === 3, expiredInRow: w.expiries[nodeId], ownerMemberId: `owner-${nodeId}`, nodeName: nodeId };
      },
      notify: async ({ key }) => {
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
      expect(offeredTo(w)).toEqual(['n-1']);
      // Only the node offered the job may answer, and only what makes sense now.
      expect(await rejection(h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] }))).toBe(JobRejection.NotYours);
      expect(await rejection(h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-1', made: 10, scrapped: 0 }] }))).toBe(JobRejection.NotAccepted);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'reject', nodeId: 'n-1', reason: 'no capacity' }] });
      await until(h, (v) => v.offers.length === 2);
      expect(offeredTo(w)).toEqual(['n-1', 'n-2']);
      const accepted = await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] });
      expect(accepted).toMatchObject({ status: 'accepted', nodeId: 'n-2' });
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId: 'n-2' }] }); // a repeat is harmless
      expect(await rejection(h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-1', percent: 10 }] }))).toBe(JobRejection.NotYours);
      expect((await h.executeUpdate(reportProgressUpdate, { args: [{ nodeId: 'n-2', percent: 60, note: 'milling' }] })).status).toBe('in-progress');
      const done = await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-2', made: 10, scrapped: 2 }] });
      expect(done.status).toBe('delivered');
      await h.executeUpdate(completeJobUpdate, { args: [{ nodeId: 'n-2', made: 10, scrapped: 2 }] }); // a repeat is harmless
      await until(h, () => w.decisions.length === 1);
      await confirm(w, 'confirm');
      const end = await h.result();
      expect(end).toMatchObject({ status: 'confirmed', runs: [{ made: 10, scrapped: 2, confirmation: 'confirmed' }] });
      expect(end.offers.map((o) => o.answer)).toEqual(['rejected', 'accepted']);
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
      // The view says `offered` before the webhook activity has run: wait for it.
      for (let i = 0; i < 100 && !w.events.some((e) => e.type === 'job.offered' && e.data.rework === true); i++) await new Promise((r) => setTimeout(r, 50));
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
});
