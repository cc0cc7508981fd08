/**
 * signInMailWorkflow: emails a member the sign-in link they asked for on the sign-in page. One
 * step, retried for as long as a 15-minute link is worth sending; the link is signed when the mail
 * is sent, so it is good for 15 minutes from then.
 *
 * The function name is stored in histories: never rename it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SessionActivities } from '../../apps/worker/src/activities/session.activities';
import type { SignInMailInput } from '../../libs/contracts/src/sign-in';

const { sendSignInMail } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['MailRejected'] },
});

export async function signInMailWorkflow(input: SignInMailInput): Promise<void> {
  await sendSignInMail(input);
}
