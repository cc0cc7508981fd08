import { html } from '../html';
import { INVITATION_DAYS } from '../coordinator-links';
import { SIGN_IN_LINK_MINUTES } from '../member-links';
import { RenderedMail } from './decision-mail';

const ROLE_WORDS: Record<string, string> = {
  viewer: 'a viewer (you can see everything, change nothing)',
  coordinator: 'a coordinator (you run projects, rounds, jobs and the registry)',
  treasurer: 'a treasurer (a coordinator who also approves payouts and ledger postings)',
};

const shell = (body: string) => `<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">${body}</body></html>`;
const button = (link: string, label: string) =>
  html`<p><a href="${link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">${label}</a></p>`.value;

/** An invitation to the coordinator console: who invited, which role, one button. */
export function renderCoordinatorInvitationMail(d: { name: string; role: string; invitedBy: string; link: string }): RenderedMail {
  const role = ROLE_WORDS[d.role] ?? d.role;
  return {
    subject: 'You are invited to the DPN coordinator console',
    text:
      `Hello ${d.name},\n\n${d.invitedBy} invited you to the DPN coordinator console as ${role}.\n\n` +
      `Open this link to sign in (it works once, for ${INVITATION_DAYS} days; there is no password):\n${d.link}\n\n` +
      `Later, ask for a sign-in link on the console's page with this email address.\n`,
    html: shell(
      html`<p>Hello ${d.name},</p><p>${d.invitedBy} invited you to the DPN coordinator console as ${role}.</p>`.value +
        button(d.link, 'Open the console') +
        html`<p style="font-size: 0.9rem">The link works once, for ${String(INVITATION_DAYS)} days; there is no password. Later, ask for a sign-in link on the console’s page with this email address.</p>`.value,
    ),
  };
}

/** A sign-in link to the console. */
export function renderCoordinatorSignInMail(d: { name: string; link: string }): RenderedMail {
  return {
    subject: 'Your sign-in link for the DPN console',
    text:
      `Hello ${d.name},\n\nOpen this link to sign in to the DPN coordinator console (it works once, for ${SIGN_IN_LINK_MINUTES} minutes):\n${d.link}\n\n` +
      `If you did not ask for it, ignore this email: nobody can sign in without the link.\n`,
    html: shell(
      html`<p>Hello ${d.name},</p>`.value +
        button(d.link, 'Sign in to the console') +
        html`<p style="font-size: 0.9rem">The link works once, for ${String(SIGN_IN_LINK_MINUTES)} minutes. If you did not ask for it, ignore this email: nobody can sign in without the link.</p>`.value,
    ),
  };
}
