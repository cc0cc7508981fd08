import type { SendRoundMailInput } from '@app/contracts';
import { html } from '../html';
import { formatDeadline, RenderedMail } from './decision-mail';

export interface RoundMailData {
  kind: SendRoundMailInput['kind'];
  memberName: string;
  projectName: string;
  goal: string;
  total: string;
  deadline: Date;
  minPledge: string;
  reason: string | null;
  /** The member's link to the round's page (live total, their pledge, the documents). */
  link: string;
  /** The member's own pledge, if any. */
  pledged: string | null;
}

const SUBJECTS: Record<RoundMailData['kind'], (p: string) => string> = {
  opened: (p) => `Funding round open: ${p}`,
  reminder: (p) => `Reminder: the funding round for ${p} closes soon`,
  funded: (p) => `Funded: ${p}`,
  failed: (p) => `Not funded: ${p}`,
  cancelled: (p) => `Cancelled: the funding round for ${p}`,
};

/** The emails of a funding round: it opened, it closes soon, and how it ended. */
export function renderRoundMail(d: RoundMailData): RenderedMail {
  const lines: string[] = [];
  switch (d.kind) {
    case 'opened':
      lines.push(`A funding round for "${d.projectName}" is open: it needs ${d.goal} by ${formatDeadline(d.deadline)}.`, `The minimum pledge is ${d.minPledge}. Money moves only if the goal is met; until then your pledge is held and you can change or withdraw it.`);
      break;
    case 'reminder':
      lines.push(`The funding round for "${d.projectName}" closes ${formatDeadline(d.deadline)}. So far ${d.total} of ${d.goal} is pledged.`);
      break;
    case 'funded':
      lines.push(`The round for "${d.projectName}" reached its goal: ${d.total} of ${d.goal}. Your pledge of ${d.pledged ?? '0'} was captured.`, d.reason ?? '');
      break;
    case 'failed':
      lines.push(`The round for "${d.projectName}" did not go ahead (${d.reason ?? 'the goal was not met'}). Your pledge of ${d.pledged ?? '0'} was released or refunded in full.`);
      break;
    case 'cancelled':
      lines.push(`The round for "${d.projectName}" was cancelled (${d.reason ?? 'by the coordinator'}). Your pledge of ${d.pledged ?? '0'} was released or refunded in full.`);
      break;
  }
  const body = lines.filter(Boolean);
  const action = d.kind === 'opened' || d.kind === 'reminder' ? 'Pledge or change your pledge' : 'See the round';
  return {
    subject: SUBJECTS[d.kind](`"${d.projectName}"`),
    text: `Hello ${d.memberName},\n\n${body.join('\n\n')}\n\n${action}: ${d.link}\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p>${body.map((l) => html`<p>${l}</p>`)}
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">${action}</a></p></body></html>`.value,
  };
}
