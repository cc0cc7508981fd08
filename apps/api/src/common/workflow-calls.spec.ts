import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { CommonRefusals, DecisionRefusals, JobRefusals, JobRejection, OrderRefusals, ProjectRefusals, ProjectRejection, RoundRefusals, RoundRejection } from '@app/contracts';
import { ProblemException } from './problem';
import { isWorkflowClosed, workflowCallProblem } from './workflow-calls';

const refused = (type: string, message: string) => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(message, type));
const ctx = { closed: () => new ProblemException(409, 'thing_closed', 'it has ended'), retry: 'send it again' };
const answer = (err: unknown) => {
  const p = workflowCallProblem(err, ctx);
  return p instanceof ProblemException ? { status: p.status, code: p.code, detail: p.detail, fields: p.errors?.map((e) => e.field) } : p;
};

describe('workflowCallProblem: one way from a Temporal failure to a problem document', () => {
  it('answers each typed refusal by its table, with the workflow’s own words', () => {
    expect(answer(refused(RoundRejection.NotOpen, 'the round is closing'))).toEqual({ status: 409, code: 'round_closed', detail: 'the round is closing', fields: undefined });
    expect(answer(refused(ProjectRejection.VoteOpen, 'a vote is open'))).toEqual({ status: 409, code: 'gate_vote_open', detail: 'a vote is open', fields: undefined });
    expect(answer(refused(JobRejection.DocumentsRequired, 'attach the test report'))).toEqual({ status: 422, code: 'documents_required', detail: 'attach the test report', fields: ['documents'] });
    expect(answer(refused('InvalidArgument', 'reason is required'))).toEqual({ status: 400, code: 'validation_failed', detail: 'reason is required', fields: ['reason'] });
  });

  it('says the run has ended by the error type, never by its message text', () => {
    expect(answer(new WorkflowNotFoundError('workflow execution already completed', 'round-1', undefined))).toMatchObject({ status: 409, code: 'thing_closed' });
    expect(answer(refused('AcceptedUpdateCompletedWorkflow', 'Workflow Update failed because the Workflow completed before the Update completed.'))).toMatchObject({ status: 409, code: 'thing_closed' });
  });

  it('answers 409 (closed) when the run was cancelled through Temporal while the Update was in flight, not 500', () => {
    // What the SDK fails an accepted Update with when the workflow's cancellation reaches its handler
    // (workflow/src/internals.ts: a TemporalFailure from the handler becomes the Update's failure).
    const waitingOnTimer = new WorkflowUpdateFailedError('Workflow Update failed', new CancelledFailure('Workflow cancelled'));
    const waitingOnActivity = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      new ActivityFailure('Activity task cancelled', 'placeOperatorPledge', '12', RetryState.NON_RETRYABLE_FAILURE, 'worker', new CancelledFailure('Activity cancelled')),
    );
    for (const err of [waitingOnTimer, waitingOnActivity]) {
      expect(isWorkflowClosed(err)).toBe(true);
      expect(answer(err)).toMatchObject({ status: 409, code: 'thing_closed' });
    }
    // An activity that failed (not cancelled) inside the handler is no closed run: it stays a 500.
    const failedActivity = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      new ActivityFailure('Activity task failed', 'placeOperatorPledge', '12', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', ApplicationFailure.create({ message: 'db down' })),
    );
    expect(isWorkflowClosed(failedActivity)).toBe(false);
    expect(workflowCallProblem(failedActivity, ctx)).toBe(failedActivity);
  });

  it('answers a timeout 504 and an unreachable Temporal 503, the same for every capability', () => {
    expect(answer(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: new Error('deadline') }))).toEqual({ status: 504, code: 'workflow_timeout', detail: 'send it again', fields: undefined });
    const deadline = Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4, details: 'deadline', metadata: {} });
    expect(answer(new ServiceError('Workflow Update failed', { cause: deadline }))).toMatchObject({ status: 504, code: 'workflow_timeout' });
    const unavailable = Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: 'no connection', metadata: {} });
    expect(answer(new ServiceError('Workflow Update failed', { cause: unavailable }))).toMatchObject({ status: 503, code: 'temporal_unavailable' });
  });

  it('returns anything else as it is (an unknown refusal type, a bug), to be rethrown as a 500', () => {
    const unknown = refused('SomethingNew', 'surprise');
    expect(workflowCallProblem(unknown, ctx)).toBe(unknown);
    const bug = new TypeError('x is undefined');
    expect(workflowCallProblem(bug, ctx)).toBe(bug);
  });

  it('has one answer per refusal type across every contract (no type answered two ways)', () => {
    const tables = [CommonRefusals, ProjectRefusals, RoundRefusals, JobRefusals, DecisionRefusals, OrderRefusals];
    const types = tables.flatMap((t) => Object.keys(t));
    expect(new Set(types).size).toBe(types.length);
  });
});
