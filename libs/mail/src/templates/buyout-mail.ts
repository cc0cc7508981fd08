import { html } from '../html';
import { RenderedMail } from './decision-mail';

export interface BuyoutMailData {
  memberName: string;
  assetName: string;
  quarter: string;
  role: 'operator' | 'seller';
  /** Parts this member bought (operator) or sold (seller) in the step. */
  parts: string;
  /** What they paid or were paid, formatted with the currency. */
  amount: string;
  /** The operator: parts owned after the step and the target; a seller: parts still to be bought from them and their value. */
  standing: string;
  /** The agreement's page for the member. */
  link: string;
}

/** One quarter's step of the operator's buy-out: this member's figures. */
export function renderBuyoutMail(d: BuyoutMailData): RenderedMail {
  const lines =
    d.role === 'operator'
      ? [`This quarter's step of your buy-out of "${d.assetName}" (${d.quarter}) bought ${d.parts} parts for ${d.amount}, paid from your account.`, d.standing]
      : [`This quarter's step of the operator's buy-out of "${d.assetName}" (${d.quarter}) bought ${d.parts} of your parts; ${d.amount} went to your account.`, d.standing];
  return {
    subject: `Buy-out of "${d.assetName}", ${d.quarter}: ${d.parts} parts, ${d.amount}`,
    text: `Hello ${d.memberName},\n\n${lines.join('\n\n')}\n\nSee your buy-outs: ${d.link}\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p>${lines.map((l) => html`<p>${l}</p>`)}
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">See your buy-outs</a></p>
</body></html>`.value,
  };
}
