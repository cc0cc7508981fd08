/**
 * Activity options shared by the workflows, so that the same kind of step is retried the same way
 * everywhere.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Projections and money already promised: they must land eventually, so they are retried with
 * backoff and without a limit on attempts (a PostgreSQL outage only delays them).
 */
export const MUST_LAND: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Email: an SMTP outage is retried for half a day; an address the server refuses for good is not
 * retried (MailRejected). Callers never let a mail failure block the process.
 */
export const MAIL: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '12 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['MailRejected'] },
};
