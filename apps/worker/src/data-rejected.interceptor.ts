import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { DATA_REJECTED } from '@app/contracts';
import { sqlStateOf } from '@app/db';

/**
 * Attempts an integrity-constraint violation (SQLSTATE class 23) gets before it counts as the
 * data's fault: a unique or foreign-key violation can be a race that the next attempt resolves
 * (the row it collided with is there by then); one that keeps failing is the data.
 */
export const CONSTRAINT_ATTEMPTS = 3;

/**
 * Whether an activity's failure is its data's fault, so that retrying the same input cannot
 * succeed: a data exception (class 22: invalid byte sequence, character not in repertoire, value
 * out of range...) at once, an integrity-constraint violation (class 23) from its
 * `CONSTRAINT_ATTEMPTS`th attempt on.
 */
export function isDataRejection(sqlState: string | undefined, attempt: number): boolean {
  if (!sqlState) return false;
  if (sqlState.startsWith('22')) return true;
  return sqlState.startsWith('23') && attempt >= CONSTRAINT_ATTEMPTS;
}

/**
 * The worker's second line of defence behind the API's input guard: an activity that PostgreSQL
 * refuses because of its data fails for good with `DataRejected` (non-retryable) instead of being
 * retried forever, so the workflow learns of it, records it and tells the coordinator.
 */
export class DataRejectedInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      const sqlState = sqlStateOf(err);
      if (!isDataRejection(sqlState, this.ctx.info.attempt)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.log.warn(`activity ${this.ctx.info.activityType} rejected by PostgreSQL (SQLSTATE ${sqlState}); not retried: ${message}`);
      throw ApplicationFailure.create({
        type: DATA_REJECTED,
        message: `PostgreSQL refused the data of ${this.ctx.info.activityType} (SQLSTATE ${sqlState}): ${message}`,
        nonRetryable: true,
        details: [{ sqlState, activityType: this.ctx.info.activityType }],
        cause: err instanceof Error ? err : undefined,
      });
    }
  }
}

/** The worker's activity interceptors (`WorkerOptions.interceptors.activity`). */
export const ACTIVITY_INTERCEPTORS: ActivityInterceptorsFactory[] = [(ctx) => ({ inbound: new DataRejectedInterceptor(ctx) })];
