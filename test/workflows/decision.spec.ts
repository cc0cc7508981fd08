/**
 * memberDecisionWorkflow on the time-skipping test server: the deadline rule, reminder rounds,
 * early closing on the one `decisionCertain` signal, fallbacks, withdrawal, data PostgreSQL
 * refuses, and a decision among 2,500 members. Answers live in PostgreSQL (the API writes them);
 * here `ballotBox` (test/support/temporal.ts) stands in for it, answering as the API does. The
 * e2e tests run the real activities and API. Runs of the first design (answers as updates) are
 * covered by their recorded histories (test/replay).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import { DATA_REJECTED, DecisionAudience, DecisionRequest, decisionWorkflowId, getDecisionQuery } from '@app/contracts';
import { memberDecisionWorkflow } from '../../workflows';
import { ballotBox, maxPendingActivities, recordHistoriesIfAsked, useTimeSkipping, workflowStepEvents } from '../support/temporal';

type Activities = { [K in keyof DecisionActivities]: DecisionActivities[K] };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('memberDecisionWorkflow', () => {
  const ts = useTimeSkipping();

  const request = async (over: Partial<DecisionRequest> = {}): Promise<DecisionRequest> => ({
    decisionId: randomUUID(),
    kind: 'test',
    subject: { type: 'project', id: randomUUID() },
    title: 'Test decision',
    question: 'Approve?',
    context: [],
    options: [
      { id: 'approve', label: 'Approve' },
      { id: 'reject', label: 'Reject' },
    ],
    voterIds: ['m-a', 'm-b', 'm-c'],
    deadline: new Date((await ts.env.currentTimeMs()) + 7 * DAY).toISOString(),
    remindBeforeMs: [2 * DAY, 2 * HOUR],
    rule: { kind: 'majority' },
    fallbackOptionId: null,
    requestedBy: 'test',
    ...over,
  });

  type Box = ReturnType<typeof ballotBox>;
  /** A worker whose decision activities are the ballot box's, some replaced; mail calls are stamped with the day. */
  async function withWorker<T>(
    fn: (ctx: { taskQueue: string; box: Box; mailDays: Array<{ kind: string; round?: number; day: number }> }) => Promise<T>,
    over: (box: Box) => Partial<Activities> = () => ({}),
    resolve?: (a: DecisionAudience) => string[],
  ): Promise<T> {
    const taskQueue = `wf-${randomUUID()}`;
    const box = ballotBox(() => ts.env.client, { resolve });
    const mailDays: Array<{ kind: string; round?: number; day: number }> = [];
    const t0 = await ts.env.currentTimeMs();
    const acts: Activities = {
      ...box.activities,
      queueDecisionMail: async (input) => {
        mailDays.push({ kind: input.kind, round: input.round, day: ((await ts.env.currentTimeMs()) - t0) / DAY });
        return box.activities.queueDecisionMail(input);
      },
      ...over(box),
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, box, mailDays }));
  }

  const start = (taskQueue: string, req: DecisionRequest) =>
    ts.env.client.workflow.start(memberDecisionWorkflow, { taskQueue, workflowId: decisionWorkflowId(req.decisionId), args: [req] });

  it('prompts once, reminds at each reminder time in one activity per round, and decides by the votes cast at the deadline', async () => {
    await withWorker(async ({ taskQueue, box, mailDays }) => {
      const req = await request();
      const h = await start(taskQueue, req);
      expect(await box.answer(req.decisionId, 'm-a', 'approve')).toBe('recorded');
      await ts.env.sleep(5 * DAY + HOUR); // past the first reminder (deadline - 2 days)
      expect(await box.answer(req.decisionId, 'm-b', 'reject')).toBe('recorded');
      const outcome = await h.result(); // the server skips to the deadline

      expect(mailDays.map((m) => `${m.kind}${m.round ? `-${m.round}` : ''}`)).toEqual(['prompt', 'reminder-1', 'reminder-2', 'outcome']);
      expect(mailDays[1].day).toBeCloseTo(5, 1);
      expect(mailDays[2].day).toBeCloseTo(7 - 2 / 24, 1);
      // One approve, one reject, one silent: no option has more than half of the votes cast.
      expect(outcome).toMatchObject({ status: 'undecided', optionId: null, asked: 3, answered: 2, tally: { approve: 1, reject: 1 } });
      expect(Date.parse(outcome.closedAt)).toBeGreaterThanOrEqual(Date.parse(req.deadline));
      expect(box.outcomes).toEqual([outcome]);
      expect(await box.answer(req.decisionId, 'm-c', 'approve')).toBe('closed');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: decisionWorkflowId(req.decisionId), scenario: 'reminded-then-undecided-at-deadline_v0.4.0' }]);
    });
  });

  it('closes as soon as the answer that makes it certain signals, without reminders; later answers are refused', async () => {
    await withWorker(async ({ taskQueue, box, mailDays }) => {
      const req = await request();
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'm-a', 'approve', 'yes');
      await box.answer(req.decisionId, 'm-b', 'approve');
      const outcome = await h.result();
      expect(outcome).toMatchObject({ status: 'decided', optionId: 'approve', answered: 2 });
      expect(outcome.perMember).toEqual([
        { memberId: 'm-a', optionId: 'approve', defaulted: false, comment: 'yes' },
        { memberId: 'm-b', optionId: 'approve', defaulted: false, comment: null },
        { memberId: 'm-c', optionId: null, defaulted: false },
      ]);
      expect(Date.parse(outcome.closedAt)).toBeLessThan(Date.parse(req.deadline) - 6 * DAY);
      expect(mailDays.map((m) => m.kind)).toEqual(['prompt', 'outcome']);
      expect(await box.answer(req.decisionId, 'm-c', 'reject')).toBe('closed');
      expect((await h.query(getDecisionQuery)).status).toBe('decided');
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: decisionWorkflowId(req.decisionId), scenario: 'majority-closed-early_v0.4.0' }]);
    });
  });

  it('closes at the next reminder round when the certain answer could not signal (Temporal was unreachable)', async () => {
    await withWorker(async ({ taskQueue, box, mailDays }) => {
      const req = await request();
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'm-a', 'approve');
      // The API recorded the certain answer and moved the row to `closing`, but its signal was lost.
      await ts.env.sleep(HOUR);
      box.decisions.get(req.decisionId)!.voters.get('m-b')!.optionId = 'approve';
      box.decisions.get(req.decisionId)!.status = 'closing';
      const outcome = await h.result();
      expect(outcome).toMatchObject({ status: 'decided', optionId: 'approve', answered: 2 });
      // Closed at the first reminder time (5 days in), not at the deadline.
      expect(mailDays.map((m) => m.kind)).toEqual(['prompt', 'reminder', 'outcome']);
      expect(Date.parse(outcome.closedAt)).toBeLessThan(Date.parse(req.deadline) - DAY);
    });
  });

  it('applies the fallback when the quorum is not met by the deadline', async () => {
    await withWorker(async ({ taskQueue, box }) => {
      const req = await request({ rule: { kind: 'quorum', quorumPercent: 60 }, fallbackOptionId: 'reject' });
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'm-a', 'approve');
      const outcome = await h.result();
      expect(outcome).toMatchObject({ status: 'defaulted', optionId: 'reject', answered: 1 });
      expect(outcome.reason).toBe('1 of 3 answered; the quorum is 2; the fallback reject applies');
    });
  });

  it('"each answers for themselves": the fallback stands in for every member who did not answer', async () => {
    await withWorker(async ({ taskQueue, box }) => {
      const req = await request({ rule: { kind: 'each' }, fallbackOptionId: 'approve' });
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'm-b', 'reject', 'scratched');
      const outcome = await h.result();
      expect(outcome.status).toBe('defaulted');
      expect(outcome.perMember).toEqual([
        { memberId: 'm-a', optionId: 'approve', defaulted: true },
        { memberId: 'm-b', optionId: 'reject', defaulted: false, comment: 'scratched' },
        { memberId: 'm-c', optionId: 'approve', defaulted: true },
      ]);
    });
  });

  it('a delivery confirmation (one member, "each") closes on the answer and carries it in perMember[0]', async () => {
    await withWorker(async ({ taskQueue, box }) => {
      const req = await request({ rule: { kind: 'each' }, voterIds: ['recipient'], options: [{ id: 'confirm', label: 'OK' }, { id: 'reject', label: 'No' }] });
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'recipient', 'reject', 'burrs');
      const outcome = await h.result();
      expect(outcome.perMember[0]).toEqual({ memberId: 'recipient', optionId: 'reject', defaulted: false, comment: 'burrs' });
      expect(outcome.status).toBe('decided');
    });
  });

  it('closes on time even while mail cannot be queued (mail never holds up a decision)', async () => {
    let mailAttempts = 0;
    await withWorker(
      async ({ taskQueue, box }) => {
        const req = await request({ deadline: new Date((await ts.env.currentTimeMs()) + 3 * HOUR).toISOString(), remindBeforeMs: [HOUR] });
        const h = await start(taskQueue, req);
        await box.answer(req.decisionId, 'm-a', 'approve');
        await ts.env.sleep(3 * HOUR + 1000);
        // The outcome is recorded at the deadline, while the prompt and reminder are still retrying.
        expect(box.outcomes).toHaveLength(1);
        expect(Date.parse(box.outcomes[0].closedAt) - Date.parse(req.deadline)).toBeLessThan(60_000);
        expect(box.outcomes[0]).toMatchObject({ status: 'decided', optionId: 'approve', answered: 1 });
        expect((await h.query(getDecisionQuery)).status).toBe('decided');
        expect(await box.answer(req.decisionId, 'm-b', 'reject')).toBe('closed');
        expect(mailAttempts).toBeGreaterThan(3);
        await h.terminate();
      },
      () => ({
        queueDecisionMail: async () => {
          mailAttempts += 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); // retried with backoff for 12 hours
        },
      }),
    );
  });

  it('records a withdrawal when it is cancelled', async () => {
    await withWorker(async ({ taskQueue, box }) => {
      const req = await request();
      const h = await start(taskQueue, req);
      await box.answer(req.decisionId, 'm-a', 'approve');
      await h.cancel();
      await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(box.outcomes).toHaveLength(1);
      expect(box.outcomes[0]).toMatchObject({ status: 'cancelled', optionId: null, answered: 1 });
      await recordHistoriesIfAsked(ts.env.client, [{ workflowId: decisionWorkflowId(req.decisionId), scenario: 'withdrawn_v0.4.0' }]);
    });
  });

  it('an outcome PostgreSQL refuses to store is reported to the coordinator, and the caller still gets it', async () => {
    await withWorker(
      async ({ taskQueue, box }) => {
        const req = await request();
        const h = await start(taskQueue, req);
        await box.answer(req.decisionId, 'm-a', 'approve');
        await box.answer(req.decisionId, 'm-b', 'approve');
        const outcome = await h.result();
        expect(outcome).toMatchObject({ status: 'decided', optionId: 'approve' });
        expect(box.problems).toEqual([{ decisionId: req.decisionId, step: 'record-outcome', message: 'invalid byte sequence for encoding "UTF8": 0x00' }]);
        await recordHistoriesIfAsked(ts.env.client, [{ workflowId: decisionWorkflowId(req.decisionId), scenario: 'outcome-data-rejected_v0.4.0' }]);
      },
      () => ({
        closeDecision: async () => {
          throw ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00', DATA_REJECTED);
        },
      }),
    );
  });

  it('a decision PostgreSQL refuses to record fails cleanly at once, and the coordinator is told', async () => {
    let opens = 0;
    await withWorker(
      async ({ taskQueue, box }) => {
        const req = await request({ title: 'bad\u0000title' });
        const h = await start(taskQueue, req);
        const err = await h.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WorkflowFailedError);
        expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(DATA_REJECTED);
        expect(opens).toBe(1); // not retried
        expect(box.problems.map((p) => p.step)).toEqual(['open']);
      },
      () => ({
        openDecisionBallot: async () => {
          opens += 1;
          throw ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00', DATA_REJECTED);
        },
      }),
    );
  });

  it('among 2,500 members given as an audience: opens, takes 2,251 answers, closes early when certain, mails in 2 activities, a few pending at most', async () => {
    const members = Array.from({ length: 2500 }, (_, i) => `m-${String(i).padStart(4, '0')}`);
    const resolved: string[] = [];
    await withWorker(
      async ({ taskQueue, box, mailDays }) => {
        const req = await request({ voterIds: [], audience: { kind: 'asset-owners', assetId: 'mill' } });
        const h = await start(taskQueue, req);
        // 1,000 reject, then approvals until more than half of all 2,500 approved (the 1,251st).
        for (const m of members.slice(0, 1000)) expect(await box.answer(req.decisionId, m, 'reject')).toBe('recorded');
        for (const m of members.slice(1000, 2251)) expect(await box.answer(req.decisionId, m, 'approve')).toBe('recorded');
        const outcome = await h.result();
        expect(resolved).toEqual(['asset-owners:mill']);
        expect(outcome).toMatchObject({ status: 'decided', optionId: 'approve', asked: 2500, answered: 2251, tally: { approve: 1251, reject: 1000 } });
        expect(outcome.perMember).toEqual([]);
        expect(outcome.perMemberOmitted).toBe(true);
        expect(await box.answer(req.decisionId, members[2400], 'reject')).toBe('closed');
        expect(mailDays.map((m) => m.kind)).toEqual(['prompt', 'outcome']);

        const events = (await h.fetchHistory()).events ?? [];
        expect(maxPendingActivities(events)).toBeLessThanOrEqual(2);
        expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(5); // open, prompt, count, record, outcome
        expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(1);
        expect(workflowStepEvents(events).length).toBeLessThan(60); // 43 events with workflow tasks when measured: the same for 3 members or 2,500
        await recordHistoriesIfAsked(ts.env.client, [{ workflowId: decisionWorkflowId(req.decisionId), scenario: 'audience-2500-closed-early_v0.4.0' }]);
      },
      () => ({}),
      (a) => {
        resolved.push(`${a.kind}:${a.kind === 'asset-owners' ? a.assetId : ''}`);
        return members;
      },
    );
  });
});
