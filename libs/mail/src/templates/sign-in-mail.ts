import { html } from '../html';
import { SIGN_IN_LINK_MINUTES } from '../member-links';
import { RenderedMail } from './decision-mail';

/** The email behind the sign-in page: one button, no password. */
export function renderSignInMail(d: { memberName: string; link: string }): RenderedMail {
  return {
    subject: 'Your sign-in link for DPN',
    text:
      `Hello ${d.memberName},\n\nOpen this link to sign in to DPN (it works once, for ${SIGN_IN_LINK_MINUTES} minutes):\n${d.link}\n\n` +
      `If you did not ask for it, ignore this email: nobody can sign in without the link.\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p>
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">Sign in to DPN</a></p>
<p style="font-size: 0.9rem">The link works once, for ${SIGN_IN_LINK_MINUTES} minutes. If you did not ask for it, ignore this email: nobody can sign in without the link.</p>
</body></html>`.value,
  };
}
