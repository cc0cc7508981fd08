import { html } from '../html';
import { RenderedMail } from './decision-mail';

export interface OrderMailProduct {
  name: string;
  unit: string;
  capacityPerUnit: number;
  leadTimeDays: number;
}

export interface OrderMailData {
  kind: 'opened' | 'reminder' | 'allocated';
  memberName: string;
  assetName: string;
  quarter: string;
  /** When the window closes, in words (UTC and the asset's local time). */
  closes: string;
  capacity: number;
  capacityUnit: string;
  /** The member's output share in words, e.g. "30 % = 120 m2 of 400 m2". */
  share: string;
  products: OrderMailProduct[];
  /** What the member was allocated (allocation mail): product name, asked, granted, unit. */
  allocation?: Array<{ name: string; unit: string; requested: number; granted: number }>;
  /** The member's link to the order page of the asset. */
  link: string;
}

const SUBJECTS: Record<OrderMailData['kind'], (d: OrderMailData) => string> = {
  opened: (d) => `Order now: what "${d.assetName}" grows for you in ${d.quarter}`,
  reminder: (d) => `Reminder: order for "${d.assetName}", ${d.quarter}, closes soon`,
  allocated: (d) => `Your share of "${d.assetName}" for ${d.quarter}: what you get`,
};

/** The order window opened, closes soon, or was allocated: each links to the order page. */
export function renderOrderMail(d: OrderMailData): RenderedMail {
  const products = d.products.map((p) => `  - ${p.name}, per ${p.unit}: ${p.capacityPerUnit} ${d.capacityUnit} of capacity, ready ${p.leadTimeDays} days into the quarter`);
  const lines: string[] = [];
  if (d.kind === 'allocated') {
    lines.push(`The order window for ${d.quarter} of "${d.assetName}" has closed and the quarter's capacity is shared out. Your share: ${d.share}.`);
    const got = (d.allocation ?? []).map((a) => `  - ${a.name}: ${a.granted} ${a.unit} of the ${a.requested} you asked for`);
    lines.push(got.length ? `What you get:\n${got.join('\n')}` : 'You did not order anything for this quarter, so nothing is grown for you.');
    lines.push('The order page explains how it was shared: your share first, then what others left unused, by share.');
  } else {
    lines.push(
      `${d.kind === 'reminder' ? 'You have not ordered yet. ' : ''}The order window for ${d.quarter} of "${d.assetName}" is open until ${d.closes}.`,
      `Your output share: ${d.share}. What others leave unused is shared among those who ask for more.`,
      `What it can grow:\n${products.join('\n')}`,
    );
  }
  const action = d.kind === 'allocated' ? 'See what you get' : 'Place your order';
  return {
    subject: SUBJECTS[d.kind](d),
    text: `Hello ${d.memberName},\n\n${lines.join('\n\n')}\n\n${action}: ${d.link}\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p>${lines.map((l) => html`<p style="white-space: pre-line">${l}</p>`)}
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">${action}</a></p>
</body></html>`.value,
  };
}
