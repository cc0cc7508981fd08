/**
 * Activity options of the job's webhooks, shared by the job workflow (the offer it waits on) and
 * the notification child (everything nobody waits for).
 */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * A webhook is retried (5xx, 408, 429 with Retry-After, network errors) for more than a day, with
 * the same event id; the activity answers `failed` at once for a final refusal (other 4xx, 410),
 * and `skipped` when what it announces is no longer current.
 */
export const WEBHOOK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '26 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour' },
};
