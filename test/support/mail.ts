import type { CaughtMail } from '../../libs/dev-stack/src/mail-catcher';

/** The decision link in a mail's text part. */
export function linkIn(mail: CaughtMail): string {
  const m = /https?:\/\/\S+\/decide\/[\w.-]+/.exec(mail.text);
  if (!m) throw new Error(`no decision link in "${mail.subject}"`);
  return m[0];
}
