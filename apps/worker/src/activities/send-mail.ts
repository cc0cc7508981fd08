import { ApplicationFailure } from '@temporalio/activity';
import { Mailer, MailRejectedError, OutgoingMail, SendResult } from '@app/mail';

/**
 * `Mailer.sendOnce` inside an activity: an address the SMTP server refused for good becomes the
 * non-retryable `MailRejected` failure that the workflows' MAIL options name; anything else is
 * thrown as it is, for Temporal to retry.
 */
export async function sendMailOnce(mailer: Mailer, key: string, mail: OutgoingMail): Promise<SendResult> {
  try {
    return await mailer.sendOnce(key, mail);
  } catch (err) {
    if (err instanceof MailRejectedError) throw ApplicationFailure.nonRetryable(err.message, 'MailRejected');
    throw err;
  }
}
