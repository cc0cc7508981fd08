/**
 * The worker's second line of defence: text that reached a workflow without passing the API's
 * input guard (here: a decision started straight through Temporal with a NUL in its title) makes
 * the activity that writes it fail once, as non-retryable `DataRejected`, instead of retrying
 * forever. Real worker, real PostgreSQL, real Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import { DATA_REJECTED, DecisionRequest, decisionWorkflowId, MEMBER_DECISION_WORKFLOW_TYPE } from '@app/contracts';
import { eventually, useTestSystem } from '../support/stack';

describe('an activity PostgreSQL refuses because of its data', () => {
  const ctx = useTestSystem();

  it('fails at its first attempt as non-retryable DataRejected, and the workflow hears of it', async () => {
    const [member] = await ctx.db.query<{ id: string }>(`INSERT INTO members (name, email) VALUES ('Ada', $1) RETURNING id`, [`ada-${randomUUID()}@example.org`]);
    const decisionId = randomUUID();
    const request: DecisionRequest = {
      decisionId,
      kind: 'phase-gate',
      subject: { type: 'project', id: randomUUID() },
      title: 'Move on\u0000?',
      question: 'Approve?',
      context: [],
      options: [
        { id: 'approve', label: 'Approve' },
        { id: 'reject', label: 'Reject' },
      ],
      voterIds: [member.id],
      deadline: new Date(Date.now() + 86_400_000).toISOString(),
      remindBeforeMs: [],
      rule: { kind: 'majority' },
      fallbackOptionId: null,
      requestedBy: 'coordinator',
    };
    const handle = await ctx.sys.temporal.workflow.start(MEMBER_DECISION_WORKFLOW_TYPE, {
      taskQueue: ctx.sys.config.temporal.taskQueue,
      workflowId: decisionWorkflowId(decisionId),
      args: [request],
    });
    try {
      const failed = await eventually(async () => {
        const { events } = await handle.fetchHistory();
        return events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes;
      }, 30_000);
      const failure = failed.failure!;
      expect(failure.applicationFailureInfo).toMatchObject({ type: DATA_REJECTED, nonRetryable: true });
      expect(failure.message).toMatch(/SQLSTATE 22021/);
      const { events } = await handle.fetchHistory();
      const started = events!.find((e) => e.activityTaskStartedEventAttributes)!.activityTaskStartedEventAttributes!;
      expect(started.attempt).toBe(1);
      expect(await ctx.db.query('SELECT id FROM decisions WHERE id = $1', [decisionId])).toEqual([]);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});
