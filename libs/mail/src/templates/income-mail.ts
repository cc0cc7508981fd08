import { html } from '../html';
import { RenderedMail } from './decision-mail';

export interface IncomeMailData {
  memberName: string;
  assetName: string;
  quarter: string;
  /** The member's part, formatted with its currency, e.g. "14.40 EUR". */
  amount: string;
  /** The sentence stored with the member's line of the distribution. */
  explanation: string;
  /** The member's holdings page. */
  link: string;
}

/** A quarter's income from sales was shared among an asset's owners: this member's part and why. */
export function renderIncomeMail(d: IncomeMailData): RenderedMail {
  const lines = [
    `The sales of "${d.assetName}" in ${d.quarter} have been shared among its owners by output share. ${d.amount} went to your account.`,
    d.explanation,
  ];
  return {
    subject: `Your part of "${d.assetName}"'s income for ${d.quarter}: ${d.amount}`,
    text: `Hello ${d.memberName},\n\n${lines.join('\n\n')}\n\nSee your holdings: ${d.link}\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p>${lines.map((l) => html`<p>${l}</p>`)}
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">See your holdings</a></p>
</body></html>`.value,
  };
}
