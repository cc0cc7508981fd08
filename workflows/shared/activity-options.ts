/**
 * Activity options shared by the workflows, so that the same kind of step is retried the same way
 * everywhere.
 */
import type { Duration } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';

/** Retried like `options`, except failures of these types: those are final (a retry cannot help). */
export function finalOn(options: ActivityOptions, ...types: string[]): ActivityOptions {
  return { ...options, retry: { ...options.retry, nonRetryableErrorTypes: types } };
}

/**
 * Projections and money already promised: they must land eventually, so they are retried with
 * backoff and without a limit on attempts (a PostgreSQL outage only delays them).
 */
export const MUST_LAND: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A write PostgreSQL may refuse for its data (DATA_REJECTED: a NUL in a text, say): retried like
 * `MUST_LAND` until then; the refusal is final and the workflow handles it (tells the coordinator
 * and goes on, or stops cleanly).
 */
export const MUST_LAND_UNLESS_REJECTED = finalOn(MUST_LAND, DATA_REJECTED);

/**
 * Email: an SMTP outage is retried for half a day; an address the server refuses for good is not
 * retried (MailRejected). Callers never let a mail failure block the process.
 */
export const MAIL: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '12 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['MailRejected'] },
};

/**
 * One kind of mail queued into the outbox for a whole audience (thousands of members), in chunks:
 * it heartbeats, and a retry resumes where it stopped; retried for half a day. Data PostgreSQL
 * refuses is final (the workflow tells the coordinator).
 */
export const QUEUE_MAIL: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '12 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [DATA_REJECTED] },
};

/**
 * A signed webhook to a node: one delivery an attempt (at most 30 s), retried with the same event
 * id and a doubling backoff (at most an hour apart) until `giveUpAfter`. How soon the first retry
 * comes, how long it is worth trying and which failures are final depend on what is sent.
 */
export function webhookDelivery(o: { firstRetryAfter: Duration; giveUpAfter: Duration; nonRetryableErrorTypes?: string[] }): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: o.giveUpAfter,
    retry: {
      initialInterval: o.firstRetryAfter,
      backoffCoefficient: 2,
      maximumInterval: '1 hour',
      ...(o.nonRetryableErrorTypes ? { nonRetryableErrorTypes: o.nonRetryableErrorTypes } : {}),
    },
  };
}

/**
 * A job's webhooks (the offer it waits on, and everything its notification children send): retried
 * (5xx, 408, 429 with Retry-After, network errors) for more than a day; the activity answers
 * `failed` at once for a final refusal (other 4xx, 410), and `skipped` when what it announces is no
 * longer current.
 */
export const JOB_WEBHOOK = webhookDelivery({ firstRetryAfter: '1 second', giveUpAfter: '26 hours' });

/**
 * A node being wired may take days to answer its first signed ping: retried for a week (each
 * attempt is one webhook delivery, recorded in webhook_attempts), then the check fails. An unknown
 * node is final.
 */
export const NODE_CHECK = webhookDelivery({ firstRetryAfter: '5 seconds', giveUpAfter: '7 days', nonRetryableErrorTypes: ['NodeNotFound'] });

/** A quarter's production plan to the asset's node: retried for a day; the cycle goes on either way. */
export const PLAN_TO_NODE = webhookDelivery({ firstRetryAfter: '5 seconds', giveUpAfter: '1 day' });
