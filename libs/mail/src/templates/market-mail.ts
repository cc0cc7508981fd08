import { html } from '../html';
import { RenderedMail } from './decision-mail';

export interface MarketTradeMailData {
  side: 'seller' | 'buyer';
  memberName: string;
  otherName: string;
  assetName: string;
  /** e.g. "5 of 100 parts" */
  parts: string;
  /** Per part and in all, formatted with the currency. */
  pricePerPart: string;
  amount: string;
  /** The member's market page. */
  link: string;
}

/** A trade of asset parts settled: what moved, at what price, and with whom. */
export function renderMarketTradeMail(d: MarketTradeMailData): RenderedMail {
  const line =
    d.side === 'seller'
      ? `You sold ${d.parts} of "${d.assetName}" to ${d.otherName} at ${d.pricePerPart} a part. ${d.amount} went to your account, and the parts are theirs.`
      : `You bought ${d.parts} of "${d.assetName}" from ${d.otherName} at ${d.pricePerPart} a part, ${d.amount} in all, paid from the money held for your order. The parts are yours.`;
  return {
    subject: d.side === 'seller' ? `Sold: ${d.parts} of "${d.assetName}" for ${d.amount}` : `Bought: ${d.parts} of "${d.assetName}" for ${d.amount}`,
    text: `Hello ${d.memberName},\n\n${line}\n\nYour listings, bids and trades: ${d.link}\n`,
    html: html`<!doctype html><html><head><meta charset="utf-8"></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36rem; margin: 0 auto; padding: 1rem">
<p>Hello ${d.memberName},</p><p>${line}</p>
<p><a href="${d.link}" style="display: inline-block; background: #1d4ed8; color: #fff; padding: 0.6rem 1.2rem; border-radius: 0.3rem; text-decoration: none">See your market orders</a></p>
</body></html>`.value,
  };
}
