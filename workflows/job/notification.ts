/**
 * jobNotificationWorkflow: one notification that follows a job's business (a webhook to a node,
 * an email to the coordinator or a node's operator), sent on its own.
 *
 * The job starts it as a child with ParentClosePolicy.ABANDON and goes on at once: a node whose
 * receiver is gone, or an SMTP outage, never holds the job (or the phase waiting for it) open;
 * the job ends when its outcome is known. Chosen over a webhook outbox table because Temporal
 * already gives what the outbox would need (durable retries with backoff, the same event id on
 * every attempt, visibility in the UI), with no poller to run or scale. The webhook activity
 * checks before each attempt that what it announces is still current, and drops it otherwise.
 *
 * The function name is stored in histories: never rename it.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { JobNotification } from '../../libs/contracts/src/job';
import { JOB_WEBHOOK, MAIL } from '../shared/activity-options';
import { causeOf } from '../shared/failures';

const { sendJobEvent } = proxyActivities<JobActivities>(JOB_WEBHOOK);
const { notify } = proxyActivities<JobActivities>(MAIL);

export async function jobNotificationWorkflow(n: JobNotification): Promise<'delivered' | 'sent' | 'skipped' | 'failed'> {
  try {
    if (n.kind === 'webhook') return await sendJobEvent(n.event);
    await notify(n.mail);
    return 'sent';
  } catch (err) {
    // Given up after its retries, or refused for good: every attempt is recorded
    // (webhook_attempts, mail_outbox) and nothing waits for it.
    log.warn('a job notification was given up; nothing waits for it', {
      kind: n.kind,
      ...(n.kind === 'webhook' ? { nodeId: n.event.nodeId, type: n.event.type, eventId: n.event.eventId } : { key: n.mail.key }),
      error: causeOf(err),
    });
    return 'failed';
  }
}
