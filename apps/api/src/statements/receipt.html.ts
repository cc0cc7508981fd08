import type { PaidJobReceipt } from '@app/db';
import { CURRENCIES, Currency } from '@app/domain';
import { html, raw } from '@app/mail';
import { decimal } from '../me/me.service';

/** A stable receipt number: the ledger entry that credited the node owner never changes or repeats. */
export const receiptNumber = (entryId: string) => `DPN-R-${entryId.padStart(8, '0')}`;

/** Minor units in the currency, by Intl.NumberFormat from the exact decimal string (no float on the way). */
export function formatMoney(minor: bigint, currency: string): string {
  const digits = CURRENCIES[currency as Currency] ?? 2;
  // A decimal string is formatted exactly (ES2023 Intl.NumberFormat v3, in Node 20); the lib types here only know numbers.
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(decimal(minor, digits) as unknown as number);
}

/** Our own constant CSS (no input in it), inserted as is. */
const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; color: #1b1f24; margin: 0; background: #f4f5f7; }
  main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 2rem 2.25rem; border: 1px solid #d8dce1; border-radius: 8px; }
  header { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 1rem; border-bottom: 2px solid #1b1f24; padding-bottom: 1rem; }
  h1 { font-size: 1.5rem; margin: 0; }
  .muted { color: #5b6470; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.5rem; margin: 1.5rem 0; }
  dt { color: #5b6470; } dd { margin: 0; overflow-wrap: anywhere; }
  table { width: 100%; border-collapse: collapse; margin-top: 1rem; }
  th, td { text-align: left; padding: .5rem .25rem; border-bottom: 1px solid #d8dce1; vertical-align: top; overflow-wrap: anywhere; }
  .num { text-align: right; white-space: nowrap; }
  tfoot td { font-weight: 700; border-bottom: none; }
  footer { margin-top: 2rem; font-size: .85rem; }
  @media (max-width: 480px) { main { margin: 0; border: none; border-radius: 0; padding: 1.25rem; } dl { grid-template-columns: 1fr; } dt { margin-top: .5rem; } }
  @media print { body { background: #fff; font-size: 12pt; } main { margin: 0; border: none; border-radius: 0; padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
`;

/**
 * The receipt of a paid job as a whole HTML page, invoice-like and print-friendly. Every value from
 * a person (project, member, node names, the job's unit) goes through `html`, which escapes it.
 */
export function receiptHtml(r: PaidJobReceipt): string {
  const number = receiptNumber(r.entryId);
  const price = formatMoney(r.amount, r.currency);
  const paidOn = r.paidAt.toISOString().slice(0, 10);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receipt ${number}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main>
  <header>
    <div><h1>Receipt</h1><div class="muted">Distributed Production Network</div></div>
    <div><strong data-field="number">${number}</strong><br><span class="muted">Paid on <time datetime="${r.paidAt.toISOString()}" data-field="paid-on">${paidOn}</time></span></div>
  </header>
  <dl>
    <dt>Paid by</dt><dd data-field="payer">${r.payer}</dd>
    <dt>Paid to</dt><dd data-field="payee">${r.payee}</dd>
    <dt>Node</dt><dd data-field="node">${r.nodeName}</dd>
    <dt>Payment</dt><dd>${r.payment === 'part-paid' ? 'Progress paid on a cancelled job' : 'On confirmed delivery'}</dd>
  </dl>
  <table>
    <thead><tr><th scope="col">Job</th><th scope="col" class="num">Made</th><th scope="col" class="num">Amount</th></tr></thead>
    <tbody><tr><td data-field="title">${r.title}</td><td class="num" data-field="made">${r.made} ${r.unit}</td><td class="num" data-field="amount">${price}</td></tr></tbody>
    <tfoot><tr><td colspan="2">Total paid (${r.currency})</td><td class="num" data-field="total">${price}</td></tr></tfoot>
  </table>
  <footer class="muted">
    Ledger transaction <code data-field="transaction">${r.transactionId}</code> · job <code>${r.jobId}</code>.
    Amounts are integer minor units in the network's double-entry ledger; this receipt is read from it.
  </footer>
</main>
</body>
</html>
`.value;
}
