import type { DecisionOption, DecisionOutcome } from '@app/contracts';
import { html, Html } from '../html';

export interface DecisionMailData {
  kind: 'prompt' | 'reminder' | 'outcome';
  memberName: string;
  title: string;
  question: string;
  context: Array<{ label: string; value: string }>;
  options: DecisionOption[];
  deadline: Date;
  /** The member's signed link: to answer (prompt and reminder), to see the result (outcome). */
  link?: string;
  outcome?: DecisionOutcome | null;
  /** The member's own answer, if any (outcome mail). */
  ownAnswer?: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Made once: `toLocaleString` builds a new formatter on every call (0.5 ms, once per member of a mail). */
const DEADLINE_FORMAT = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

/** "Sat, 28 Nov 2026, 14:00 UTC": unambiguous for members in any time zone. */
export function formatDeadline(d: Date): string {
  return `${DEADLINE_FORMAT.format(d)} UTC`;
}

export function outcomeText(o: DecisionOutcome, options: DecisionOption[]): string {
  const label = (id: string | null) => options.find((x) => x.id === id)?.label ?? id ?? '';
  switch (o.status) {
    case 'decided':
      return o.optionId ? `Decided: ${label(o.optionId)}. ${o.reason}.` : `Closed: ${o.reason}.`;
    case 'defaulted':
      return o.optionId ? `No decision in time; the default applies: ${label(o.optionId)}. ${o.reason}.` : `Closed with defaults: ${o.reason}.`;
    case 'undecided':
      return `Not decided: ${o.reason}.`;
    case 'cancelled':
      return 'This decision was withdrawn before it closed.';
  }
}

const layout = (title: string, body: Html) => html`<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
${body}
<p style="color: #616e7c; font-size: 0.85rem">Distributed Production Network. You receive this because you are a member asked in this decision.</p>
</body></html>`;

export function renderDecisionMail(d: DecisionMailData): RenderedMail {
  const deadline = formatDeadline(d.deadline);
  const facts = d.context.map((c) => `  ${c.label}: ${c.value}`).join('\n');
  const factsHtml = html`<table style="border-collapse: collapse">${d.context.map(
    (c) => html`<tr><th style="text-align: left; padding: 0.1rem 1rem 0.1rem 0">${c.label}</th><td>${c.value}</td></tr>`,
  )}</table>`;

  if (d.kind === 'outcome') {
    const result = d.outcome ? outcomeText(d.outcome, d.options) : 'The decision has closed.';
    const own = d.ownAnswer ? `Your answer: ${d.options.find((o) => o.id === d.ownAnswer)?.label ?? d.ownAnswer}.` : 'You did not answer.';
    return {
      subject: `Result: ${d.title}`,
      text: `Hello ${d.memberName},\n\n${d.question}\n\n${result}\n${own}\n\n${facts}\n${d.link ? `\nSee it: ${d.link}\n` : ''}`,
      html: layout(
        d.title,
        html`<p>Hello ${d.memberName},</p><p>${d.question}</p><p><strong>${result}</strong><br>${own}</p>${factsHtml}${d.link ? html`<p><a href="${d.link}">See the decision</a></p>` : ''}`,
      ).value,
    };
  }

  const reminder = d.kind === 'reminder';
  const options = d.options.map((o) => `  - ${o.label}`).join('\n');
  return {
    subject: `${reminder ? 'Reminder, decision needed: ' : 'Decision needed: '}${d.title}`,
    text:
      `Hello ${d.memberName},\n\n` +
      (reminder ? `You have not answered yet; the decision closes ${deadline}.\n\n` : '') +
      `${d.question}\n\n${facts}\n\nOptions:\n${options}\n\n` +
      `Answer here (the link is yours alone and signs you in; it works until ${deadline}):\n${d.link}\n\n` +
      `Your answer is final once given.\n`,
    html: layout(
      d.title,
      html`<p>Hello ${d.memberName},</p>
${reminder ? html`<p><strong>You have not answered yet.</strong> The decision closes ${deadline}.</p>` : ''}
<p>${d.question}</p>
${factsHtml}
<p>Options:</p><ul>${d.options.map((o) => html`<li>${o.label}</li>`)}</ul>
<p><a href="${d.link ?? ''}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">Answer now</a></p>
<p style="font-size: 0.9rem">The link is yours alone and works until ${deadline}. Your answer is final once given.</p>`,
    ).value,
  };
}
