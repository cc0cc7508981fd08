/**
 * The server-rendered decision page: plain HTML with a form, no JavaScript, readable on a phone.
 * Every value is escaped by `html` (libs/mail).
 */
import type { DecisionOption } from '@app/contracts';
import type { DecisionEntity, DecisionVoterEntity } from '@app/db';
import { formatDeadline, html, Html, outcomeText } from '@app/mail';

const STYLE = `
body{font-family:system-ui,-apple-system,sans-serif;line-height:1.5;color:#1f2933;background:#f5f7fa;margin:0}
main{max-width:36rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:1.35rem;margin-top:0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
fieldset{border:1px solid #cbd2d9;border-radius:.4rem;padding:.75rem 1rem}legend{font-weight:600;padding:0 .3rem}
label.opt{display:block;padding:.4rem 0;cursor:pointer}textarea{width:100%;box-sizing:border-box}
button{background:#1d4ed8;color:#fff;border:0;padding:.6rem 1.4rem;border-radius:.3rem;font-size:1rem;cursor:pointer;margin-top:1rem}
.note{color:#52606d;font-size:.9rem}.ok{background:#e3f9e5;border-left:4px solid #31b237;padding:.6rem 1rem}
.warn{background:#fffbea;border-left:4px solid #f0b429;padding:.6rem 1rem}.err{background:#ffeeee;border-left:4px solid #e12d39;padding:.6rem 1rem}`;

export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  // The link is a credential: never cache the page, never send it on as a Referer, never index it.
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · DPN</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`.value;
}

const label = (options: DecisionOption[], id: string | null) => options.find((o) => o.id === id)?.label ?? id ?? '';

function facts(d: DecisionEntity): Html {
  return html`<p>${d.question}</p>
<dl>${d.context.map((c) => html`<dt>${c.label}</dt><dd>${c.value}</dd>`)}<dt>Deadline</dt><dd>${formatDeadline(d.deadline)}</dd></dl>`;
}

export function formPage(d: DecisionEntity, memberName: string, error?: string): string {
  return page(
    d.title,
    html`<h1>${d.title}</h1>
<p>Hello ${memberName},</p>
${facts(d)}
${error ? html`<p class="err" role="alert">${error}</p>` : ''}
<form method="post">
<fieldset><legend>Your answer</legend>
${d.options.map((o) => html`<label class="opt"><input type="radio" name="option" value="${o.id}" required> ${o.label}</label>`)}
</fieldset>
<p><label for="comment">Comment (optional)</label><br><textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>
<p class="note">Your answer is final once sent: it cannot be changed, so that the decision can close as soon as its outcome is certain.</p>
<button type="submit">Send my answer</button>
</form>`,
  );
}

export function answeredPage(d: DecisionEntity, v: DecisionVoterEntity, justNow: boolean): string {
  const result = d.outcome ? html`<p><strong>${outcomeText(d.outcome, d.options)}</strong></p>` : html`<p class="note">The decision is still open until ${formatDeadline(d.deadline)}; everyone asked will get the result by email.</p>`;
  return page(
    d.title,
    html`<h1>${d.title}</h1>
${justNow ? html`<p class="ok" role="status">Thank you: your answer is recorded.</p>` : html`<p class="warn">This link has been used: you already answered.</p>`}
<p>Your answer: <strong>${label(d.options, v.optionId)}</strong>${v.answeredAt ? html` (${formatDeadline(v.answeredAt)})` : ''}.</p>
${result}
${facts(d)}`,
  );
}

export function closedPage(d: DecisionEntity, why: 'closed' | 'expired'): string {
  return page(
    d.title,
    html`<h1>${d.title}</h1>
<p class="warn">${why === 'expired' ? 'This link has expired: the decision closed ' : 'This decision has closed '}without an answer from you.</p>
${d.outcome ? html`<p><strong>${outcomeText(d.outcome, d.options)}</strong></p>` : ''}
${facts(d)}`,
  );
}

export function problemPage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p class="err">${message}</p><p class="note">If you think this is a mistake, ask your network's coordinator.</p>`);
}
