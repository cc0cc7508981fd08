import { Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { QueryDefinition } from '@temporalio/common';
import { ProblemException } from './problem';

/** Temporal answers an update to a run that has ended with not-found, or with this message. */
export function isWorkflowClosed(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message));
}

/**
 * The problem a failed update becomes: a typed refusal from the workflow's validator or handler
 * (by `ApplicationFailure.type`), the run having ended, or no confirmation in time (504: the caller
 * may send the same request again). Anything else is returned as it is, to be rethrown.
 */
export function updateProblem(
  err: unknown,
  opts: { refusals: Record<string, (message: string) => ProblemException>; closed: () => ProblemException; timeout: string },
): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && opts.refusals[err.cause.type]) {
    return opts.refusals[err.cause.type](err.cause.message);
  }
  if (isWorkflowClosed(err)) return opts.closed();
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return new ProblemException(504, 'workflow_timeout', opts.timeout);
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
