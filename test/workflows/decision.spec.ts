/**
 * memberDecisionWorkflow on the time-skipping test server: the deadline rule, reminders only to
 * those who have not answered, early closing, fallbacks, refusals and withdrawal. Activities are
 * stubs typed against the real class (the e2e tests run the real ones with real SMTP).
 */
import { WorkflowFailedError, WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import {
  answerDecisionUpdate,
  DecisionOutcome,
  DecisionRejection,
  DecisionRequest,
  decisionWorkflowId,
  getDecisionQuery,
  SendDecisionMailInput,
} from '@app/contracts';
import { memberDecisionWorkflow } from '../../workflows';
import { updateRefusal, useTimeSkipping } from '../support/temporal';

type Activities = { [K in keyof DecisionActivities]: DecisionActivities[K] };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Sent extends SendDecisionMailInput {
  /** Days since the decision started, in test-server time. */
  day: number;
}

describe('memberDecisionWorkflow', () => {
  const ts = useTimeSkipping();
  const rejection = async (p: Promise<unknown>) => (await updateRefusal(p)).type;

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

  async function withWorker<T>(fn: (ctx: { taskQueue: string; sent: Sent[]; closed: DecisionOutcome[]; answers: string[] }) => Promise<T>): Promise<T> {
    const taskQueue = `wf-${randomUUID()}`;
    const sent: Sent[] = [];
    const closed: DecisionOutcome[] = [];
    const answers: string[] = [];
    const t0 = await ts.env.currentTimeMs();
    const acts: Activities = {
      openDecision: async () => undefined,
      recordDecisionAnswer: async ({ answer }) => {
        answers.push(`${answer.memberId}:${answer.optionId}`);
      },
      closeDecision: async ({ outcome }) => {
        closed.push(outcome);
      },
      sendDecisionMail: async (input) => {
        sent.push({ ...input, day: ((await ts.env.currentTimeMs()) - t0) / DAY });
        return 'queued';
      },
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    return worker.runUntil(fn({ taskQueue, sent, closed, answers }));
  }

  const start = (taskQueue: string, req: DecisionRequest) =>
    ts.env.client.workflow.start(memberDecisionWorkflow, { taskQueue, workflowId: decisionWorkflowId(req.decisionId), args: [req] });

  const answer = (h: WorkflowHandle, memberId: string, optionId: string) =>
    h.executeUpdate(answerDecisionUpdate, { args: [{ memberId, optionId, via: 'api' }], updateId: `answer:${memberId}` });

  it('reminds only those who have not answered, at each reminder time, and decides by the votes cast at the deadline', async () => {
    await withWorker(async ({ taskQueue, sent, closed }) => {
      const h = await start(taskQueue, await request());
      await answer(h, 'm-a', 'approve');
      await ts.env.sleep(5 * DAY + HOUR); // past the first reminder (deadline - 2 days)
      await answer(h, 'm-b', 'reject');
      const outcome = await h.result(); // the server skips to the deadline

      expect(sent.filter((s) => s.kind === 'prompt').map((s) => s.memberId).sort()).toEqual(['m-a', 'm-b', 'm-c']);
      const reminders = sent.filter((s) => s.kind === 'reminder').sort((x, y) => x.round! - y.round! || x.memberId.localeCompare(y.memberId));
      expect(reminders.map((r) => [r.round, r.memberId])).toEqual([
        [1, 'm-b'],
        [1, 'm-c'],
        [2, 'm-c'],
      ]);
      expect(reminders[0].day).toBeCloseTo(5, 1);
      expect(reminders[2].day).toBeCloseTo(7 - 2 / 24, 1);
      // One approve, one reject, one silent: no option has more than half of the votes cast.
      expect(outcome).toMatchObject({ status: 'undecided', optionId: null, asked: 3, answered: 2, tally: { approve: 1, reject: 1 } });
      expect(Date.parse(outcome.closedAt)).toBeGreaterThanOrEqual(Date.parse((await h.query(getDecisionQuery)).deadline));
      expect(closed).toEqual([outcome]);
      expect(sent.filter((s) => s.kind === 'outcome').map((s) => s.memberId).sort()).toEqual(['m-a', 'm-b', 'm-c']);
    });
  });

  it('closes as soon as the outcome is certain, and refuses later answers', async () => {
    await withWorker(async ({ taskQueue, sent }) => {
      const h = await start(taskQueue, await request());
      await answer(h, 'm-a', 'approve');
      await answer(h, 'm-b', 'approve');
      const outcome = await h.result();
      expect(outcome).toMatchObject({ status: 'decided', optionId: 'approve', answered: 2 });
      expect(Date.parse(outcome.closedAt)).toBeLessThan(Date.parse((await h.query(getDecisionQuery)).deadline) - 6 * DAY);
      expect(sent.filter((s) => s.kind === 'reminder')).toEqual([]);
      // The workflow has completed: it takes no update any more (the API answers 409 decision_closed).
      await expect(answer(h, 'm-c', 'reject')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });
  });

  it('applies the fallback when the quorum is not met by the deadline', async () => {
    await withWorker(async ({ taskQueue }) => {
      const h = await start(taskQueue, await request({ rule: { kind: 'quorum', quorumPercent: 60 }, fallbackOptionId: 'reject' }));
      await answer(h, 'm-a', 'approve');
      const outcome = await h.result();
      expect(outcome).toMatchObject({ status: 'defaulted', optionId: 'reject', answered: 1 });
      expect(outcome.reason).toBe('1 of 3 answered; the quorum is 2; the fallback reject applies');
    });
  });

  it('"each answers for themselves": the fallback stands in for every member who did not answer', async () => {
    await withWorker(async ({ taskQueue }) => {
      const h = await start(taskQueue, await request({ rule: { kind: 'each' }, fallbackOptionId: 'approve' }));
      await answer(h, 'm-b', 'reject');
      const outcome = await h.result();
      expect(outcome.status).toBe('defaulted');
      expect(outcome.perMember).toEqual([
        { memberId: 'm-a', optionId: 'approve', defaulted: true },
        { memberId: 'm-b', optionId: 'reject', defaulted: false, comment: null },
        { memberId: 'm-c', optionId: 'approve', defaulted: true },
      ]);
    });
  });

  it('refuses members not asked, unknown options and changed answers; a repeated answer is harmless', async () => {
    await withWorker(async ({ taskQueue, answers }) => {
      const h = await start(taskQueue, await request());
      expect(await rejection(answer(h, 'stranger', 'approve'))).toBe(DecisionRejection.NotAsked);
      expect(await rejection(answer(h, 'm-a', 'maybe'))).toBe(DecisionRejection.UnknownOption);
      await answer(h, 'm-a', 'reject');
      const again = await h.executeUpdate(answerDecisionUpdate, { args: [{ memberId: 'm-a', optionId: 'reject', via: 'link' }] });
      expect(again.answers).toHaveLength(1);
      expect(await rejection(h.executeUpdate(answerDecisionUpdate, { args: [{ memberId: 'm-a', optionId: 'approve', via: 'api' }] }))).toBe(
        DecisionRejection.AlreadyAnswered,
      );
      expect(answers).toEqual(['m-a:reject']);
      await h.terminate(); // leave nothing running for the next test (it would hold the server's clock)
    });
  });

  it('closes on time even while the mail server is down (emails never hold up a decision)', async () => {
    const taskQueue = `wf-${randomUUID()}`;
    const closed: DecisionOutcome[] = [];
    let mailAttempts = 0;
    const acts: Activities = {
      openDecision: async () => undefined,
      recordDecisionAnswer: async () => undefined,
      closeDecision: async ({ outcome }) => {
        closed.push(outcome);
      },
      sendDecisionMail: async () => {
        mailAttempts += 1;
        throw new Error('connect ECONNREFUSED 127.0.0.1:25'); // retried with backoff for 12 hours
      },
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    await worker.runUntil(async () => {
      const req = await request({ deadline: new Date((await ts.env.currentTimeMs()) + 3 * HOUR).toISOString(), remindBeforeMs: [HOUR] });
      const h = await start(taskQueue, req);
      await answer(h, 'm-a', 'approve');
      await ts.env.sleep(3 * HOUR + 1000);
      // The outcome is recorded at the deadline, while prompts and reminders are still retrying.
      expect(closed).toHaveLength(1);
      expect(Date.parse(closed[0].closedAt) - Date.parse(req.deadline)).toBeLessThan(60_000);
      expect(closed[0]).toMatchObject({ status: 'decided', optionId: 'approve', answered: 1 });
      expect((await h.query(getDecisionQuery)).status).toBe('decided');
      // A late answer is refused by the closed decision, however the mail is doing.
      expect(await rejection(answer(h, 'm-b', 'reject'))).toBe(DecisionRejection.Closed);
      expect(mailAttempts).toBeGreaterThan(3);
      await h.terminate();
    });
  });

  it('records a withdrawal when it is cancelled', async () => {
    await withWorker(async ({ taskQueue, closed }) => {
      const h = await start(taskQueue, await request());
      await answer(h, 'm-a', 'approve');
      await h.cancel();
      await expect(h.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({ status: 'cancelled', optionId: null, answered: 1 });
    });
  });
});
