import { Logger } from '@nestjs/common';
import {
  Client,
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure } from '@temporalio/common';
import type { QueryDefinition } from '@temporalio/common';
import { CommonRefusals, DecisionRefusals, JobRefusals, OrderRefusals, ProjectRefusals, RefusalAnswer, RoundRefusals } from '@app/contracts';
import { ProblemException, Problems } from './problem';

/** Every workflow refusal type and its answer: the tables next to each type's definition, in one place. */
const REFUSALS: Readonly<Record<string, RefusalAnswer>> = {
  ...CommonRefusals,
  ...ProjectRefusals,
  ...RoundRefusals,
  ...JobRefusals,
  ...DecisionRefusals,
  ...OrderRefusals,
};

/**
 * The failure type Temporal gives an accepted Update whose workflow completed before the Update
 * did (an Update not yet accepted gets NOT_FOUND, i.e. `WorkflowNotFoundError`).
 */
const UPDATE_ON_COMPLETED_WORKFLOW = 'AcceptedUpdateCompletedWorkflow';

/** The workflow refused the call with a typed `ApplicationFailure`: its type and message, else null. */
export function refusalOf(err: unknown): { type: string; message: string } | null {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type) {
    return { type: err.cause.type, message: err.cause.message };
  }
  return null;
}

/**
 * An accepted Update whose handler was cancelled: the run was cancelled through Temporal while the
 * handler waited (on a timer or condition: `CancelledFailure`; on an activity or child:
 * `ActivityFailure`/`ChildWorkflowFailure` caused by one). The SDK fails such an Update with that
 * failure (a `TemporalFailure`), not with an `ApplicationFailure`.
 */
function isCancelledUpdate(err: unknown): boolean {
  if (!(err instanceof WorkflowUpdateFailedError)) return false;
  const cause = err.cause;
  return cause instanceof CancelledFailure || ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause instanceof CancelledFailure);
}

/**
 * The run has ended (or is ending): Temporal answers an Update or signal to it with not-found, a
 * completed-before-the-Update failure, or (the run cancelled while the Update was in flight) a
 * cancelled Update.
 */
export function isWorkflowClosed(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || refusalOf(err)?.type === UPDATE_ON_COMPLETED_WORKFLOW || isCancelledUpdate(err);
}

/** Temporal did not answer in time (an Update not confirmed, or any call past its deadline). */
export function isTemporalTimeout(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err);
}

/** Temporal could not be reached at all (a deadline is a timeout, not this). */
export function isTemporalUnavailable(err: unknown): boolean {
  if (isTemporalTimeout(err)) return false;
  return err instanceof ServiceError || (err instanceof Error && err.name === 'TransportError') || (isGrpcServiceError(err) && err.code === 14 /* UNAVAILABLE */);
}

/** The answer to one refusal, by the table: a problem document with the workflow's own message. */
export function refusalProblem(type: string, message: string, table: Readonly<Record<string, RefusalAnswer>> = REFUSALS): ProblemException | null {
  const answer = table[type];
  if (!answer) return null;
  return new ProblemException(answer.status, answer.code, message, answer.field ? [{ field: answer.field, code: answer.code === 'validation_failed' ? 'invalid' : answer.code, message }] : undefined);
}

export interface WorkflowCallContext {
  /** The problem when the workflow's run has ended (each capability says it in its own words). */
  closed: () => ProblemException;
  /** What the caller should do when no confirmation came in time (retry with the same key, it is idempotent…). */
  retry: string;
}

/**
 * The one way a failed Temporal call becomes a problem document, for every service:
 * - a typed refusal → its status and code from the refusal tables in `@app/contracts`;
 * - the run has ended → `ctx.closed()`;
 * - no confirmation in time → 504 `workflow_timeout` (the caller may send the same request again);
 * - Temporal unreachable → 503 `temporal_unavailable`.
 * Anything else is returned as it is, to be rethrown (the problem filter answers it as a 500).
 */
export function workflowCallProblem(err: unknown, ctx: WorkflowCallContext): unknown {
  const refusal = refusalOf(err);
  if (refusal && refusal.type !== UPDATE_ON_COMPLETED_WORKFLOW) {
    const problem = refusalProblem(refusal.type, refusal.message);
    if (problem) return problem;
  }
  if (isWorkflowClosed(err)) return ctx.closed();
  if (isTemporalTimeout(err)) return new ProblemException(504, 'workflow_timeout', ctx.retry);
  if (isTemporalUnavailable(err)) return Problems.temporalUnavailable();
  return err;
}

/** A workflow's live state within `timeoutMs`, or null (ended long ago, or Temporal unreachable), logged. */
export async function queryLive<T>(temporal: Client, workflowId: string, query: QueryDefinition<T, []>, logger: Logger, timeoutMs = 3000): Promise<T | null> {
  try {
    return await temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflow.getHandle(workflowId).query(query));
  } catch (err) {
    logger.warn(`live state of ${workflowId} unavailable: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}
