import { BadStatementCursorError, entryWords, PaidJobReceipt, StatementsRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { formatMoney, receiptHtml, receiptNumber } from './receipt.html';
import { StatementsService } from './statements.service';

const receipt: PaidJobReceipt = {
  jobId: 'j1',
  entryId: '42',
  transactionId: 't-1',
  paidAt: new Date('2030-03-04T10:00:00Z'),
  amount: 4_800_050n,
  currency: 'EUR',
  payment: 'paid',
  payer: `Rack <script>alert('x')</script> & "Co"`,
  payee: 'Olga <b>',
  payeeMemberId: 'm1',
  nodeId: 'n1',
  nodeName: 'Bench <i>',
  title: '40 <img src=x onerror=alert(1)> (cnc)',
  quantity: 40,
  unit: '<img src=x onerror=alert(1)>',
  made: 40,
};

function setup() {
  const repo = strictMock<StatementsRepository>();
  return { repo, service: new StatementsService(repo) };
}

describe('receipts', () => {
  it('escape every name, format money exactly from minor units, and number the receipt from its ledger entry', () => {
    const page = receiptHtml(receipt);
    expect(page).not.toMatch(/<script|<img|<b>|<i>/);
    expect(page).toContain('Rack &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(page).toContain('40 &lt;img src=x onerror=alert(1)&gt; (cnc)');
    expect(page).toContain('DPN-R-00000042');
    expect(page).toContain('€48,000.50');
    expect(page).toContain('@media print');
    expect(receiptNumber('123456789')).toBe('DPN-R-123456789');
    expect(formatMoney(-5n, 'EUR')).toBe('-€0.05');
    expect(formatMoney(90_071_992_547_409_931n, 'EUR')).toBe('€900,719,925,474,099.31');
  });

  it('a job without a payment is 404 job_not_paid; another node’s or another member’s is 404 not_found; a paid one renders', async () => {
    const s = setup();
    s.repo.jobPaymentState.mockResolvedValueOnce(null);
    await expect(s.service.receipt('j0')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    s.repo.jobPaymentState.mockResolvedValue({ nodeId: 'n1', payment: 'reserved' });
    s.repo.paidJobReceipt.mockResolvedValueOnce(null);
    await expect(s.service.receipt('j1')).rejects.toMatchObject({ status: 404, code: 'job_not_paid' });
    await expect(s.service.receipt('j1', { payeeMemberId: 'm1', nodeId: 'n2' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    s.repo.paidJobReceipt.mockResolvedValue(receipt);
    await expect(s.service.receipt('j1', { payeeMemberId: 'm9', nodeId: 'n1' })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(await s.service.receipt('j1', { payeeMemberId: 'm1', nodeId: 'n1' })).toContain('DPN-R-00000042');
  });
});

describe('statements', () => {
  it('a period that ends before it starts, and a cursor the API did not give, are 400s; an unknown project is 404', async () => {
    const s = setup();
    await expect(s.service.member('m1', { from: '2030-02-01T00:00:00Z', to: '2030-01-01T00:00:00Z' })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    s.repo.currenciesOf.mockResolvedValue([]);
    s.repo.accountOf.mockResolvedValue('a1');
    s.repo.page.mockRejectedValueOnce(new BadStatementCursorError());
    await expect(s.service.member('m1', { cursor: 'abc' })).rejects.toMatchObject({ status: 400, code: 'validation_failed', errors: [expect.objectContaining({ field: 'cursor' })] });
    expect(s.repo.accountOf).toHaveBeenCalledWith('member', 'm1', 'EUR');
    s.repo.projectName.mockResolvedValue(null);
    await expect(s.service.project('p1', {})).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('entries in words, from the account’s side', () => {
    const job = { id: 'j1', title: '4 parts (cnc)', nodeId: 'n1', payment: 'paid' };
    const hold = { kind: 'hold', name: null, scope: 'Rack', job };
    expect(entryWords('job-pay', 48_000n, hold)).toBe('Paid for job “4 parts (cnc)” for “Rack”');
    expect(entryWords('job-reserve', -48_000n, hold)).toBe('Price reserved for job “4 parts (cnc)”');
    expect(entryWords('job-release', 1_000n, hold)).toBe('Reservation for job “4 parts (cnc)” returned');
    const roundHold = { kind: 'hold', name: 'Ada', scope: 'Rack', job: null };
    expect(entryWords('pledge-hold', -500n, roundHold)).toBe('Pledge to the round of “Rack”');
    expect(entryWords('pledge-hold', 200n, roundHold)).toBe('Pledge to the round of “Rack” lowered');
    expect(entryWords('transfer', 500n, { kind: 'member', name: 'Bea', scope: null, job: null })).toBe('Transfer from Bea');
    expect(entryWords('transfer', -500n, { kind: 'project', name: null, scope: 'Rack', job: null })).toBe('Transfer to “Rack”');
    // An owner's part of an asset's income from sales, named by the asset.
    expect(entryWords('asset-income', 700n, { kind: 'asset', name: null, scope: 'Lindenau greenhouse', job: null })).toBe('Your part of the income from sales of “Lindenau greenhouse”');
    expect(entryWords('lease', -900n, { kind: 'member', name: 'Ann', scope: null, job: null })).toBe('Lease of output rights paid to Ann');
    expect(entryWords('lease-refund', 600n, { kind: 'member', name: 'Ann', scope: null, job: null })).toBe('Lease ended early: refund from Ann');
    // A kind added later still reads.
    expect(entryWords('asset-lease', 700n, { kind: 'round', name: null, scope: 'Rack', job: null })).toBe('asset-lease: from “Rack”');
  });
});
