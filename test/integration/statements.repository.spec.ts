/**
 * StatementsRepository against a real PostgreSQL: an account's statement a page at a time by its
 * cursor (every entry once, newest first, the running balance right on every page), a period
 * (`from` inclusive, `to` exclusive) with its opening and closing balance, paid work in words,
 * and the receipt of a paid job (none for a job not paid).
 */
import { randomUUID } from 'node:crypto';
import { BadStatementCursorError, JobPaymentsRepository, JobsRepository, LedgerService, StatementsRepository } from '@app/db';
import { seedNodeWithOwner, useTestDataSource } from '../support/database';

const t = useTestDataSource();
let ledger: LedgerService;
let statements: StatementsRepository;

beforeAll(() => {
  ledger = new LedgerService(t.ds);
  statements = new StatementsRepository(t.ds);
});

const DAY = 86_400_000;
const START = Date.UTC(2030, 0, 1);

/** A member account with `amounts` posted one a day from 2030-01-01 (deposits in, withdrawals out). */
async function accountWith(amounts: bigint[]): Promise<string> {
  const memberId = randomUUID();
  const account = await ledger.account('member', memberId, 'EUR');
  const ext = await ledger.account('external', null, 'EUR');
  for (const [i, amount] of amounts.entries()) {
    const key = `st-${randomUUID()}`;
    await ledger.post({ idempotencyKey: key, kind: amount > 0n ? 'deposit' : 'withdrawal', currency: 'EUR', entries: [{ accountId: ext.id, amount: -amount }, { accountId: account.id, amount }] });
    // The posting time is the database's; the test puts each on its own day to have a period to cut.
    await t.ds.query(`UPDATE ledger_transactions SET created_at = $2 WHERE idempotency_key = $1`, [key, new Date(START + i * DAY)]);
  }
  return account.id;
}

/** Every page from the first, following `nextCursor`. */
async function allPages(accountId: string, q: { from?: Date; to?: Date; limit: number }) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const page = await statements.page(accountId, { ...q, cursor });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('StatementsRepository', () => {
  // 23 entries: money in and out, never below zero.
  const amounts = Array.from({ length: 23 }, (_, i) => (i % 3 === 2 ? -BigInt(100 + i) : BigInt(1000 + i * 7)));
  const prefix = amounts.reduce<bigint[]>((acc, a) => [...acc, (acc.at(-1) ?? 0n) + a], []);

  it('pages by cursor: every entry once, newest first, each with the balance after it; the ends of the whole history', async () => {
    const accountId = await accountWith(amounts);
    const pages = await allPages(accountId, { limit: 5 });
    expect(pages.map((p) => p.lines.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const lines = pages.flatMap((p) => p.lines);
    expect(lines.map((l) => l.amount)).toEqual([...amounts].reverse());
    expect(lines.map((l) => l.balanceAfter)).toEqual([...prefix].reverse());
    expect(new Set(lines.map((l) => l.entryId)).size).toBe(amounts.length);
    for (const p of pages) expect(p).toMatchObject({ opening: 0n, closing: prefix.at(-1), total: 23 });
    expect(lines.at(-1)!.description).toBe('Deposit');
    expect(lines.find((l) => l.amount < 0n)!.description).toBe('Withdrawal');
    expect(lines[0].other.kind).toBe('external');
  });

  it('cuts a period: from inclusive, to exclusive, the opening and closing balance, the running balance carried from the opening on every page', async () => {
    const accountId = await accountWith(amounts);
    const from = new Date(START + 4 * DAY);
    const to = new Date(START + 17 * DAY);
    const pages = await allPages(accountId, { from, to, limit: 4 });
    const lines = pages.flatMap((p) => p.lines);
    const inside = amounts.slice(4, 17);
    expect(lines.map((l) => l.amount)).toEqual([...inside].reverse());
    expect(lines.map((l) => l.balanceAfter)).toEqual(prefix.slice(4, 17).reverse());
    expect(pages[0]).toMatchObject({ opening: prefix[3], closing: prefix[16], total: 13 });
    expect(lines.every((l) => l.at >= from && l.at < to)).toBe(true);
    // Only a start, only an end, an empty period.
    const tail = await statements.page(accountId, { from: new Date(START + 20 * DAY), limit: 10 });
    expect(tail).toMatchObject({ opening: prefix[19], closing: prefix[22], total: 3 });
    expect(tail.lines.map((l) => l.balanceAfter)).toEqual([prefix[22], prefix[21], prefix[20]]);
    const head = await statements.page(accountId, { to: new Date(START + 2 * DAY), limit: 10 });
    expect(head).toMatchObject({ opening: 0n, closing: prefix[1], total: 2, nextCursor: null });
    const none = await statements.page(accountId, { from: new Date(START + 100 * DAY), limit: 10 });
    expect(none).toMatchObject({ opening: prefix[22], closing: prefix[22], total: 0, lines: [], nextCursor: null });
  });

  it('refuses a cursor it did not give; an account that does not exist yet is an empty statement', async () => {
    const accountId = await accountWith([500n]);
    await expect(statements.page(accountId, { cursor: Buffer.from('1; DROP TABLE jobs').toString('base64url'), limit: 5 })).rejects.toBeInstanceOf(BadStatementCursorError);
    await expect(statements.page(accountId, { cursor: 'not-base64-of-a-cursor', limit: 5 })).rejects.toBeInstanceOf(BadStatementCursorError);
    expect(await statements.page(null, { limit: 5 })).toEqual({ opening: 0n, closing: 0n, total: 0, lines: [], nextCursor: null });
    expect(await statements.accountOf('member', randomUUID(), 'EUR')).toBeNull();
  });

  it('paid work in words on both sides, and the receipt of the paid job (none before it is paid)', async () => {
    const { nodeId, ownerId } = await seedNodeWithOwner(t.ds);
    const projectId = randomUUID();
    await t.ds.query(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES ($1, 'Seed <rack>', 'rnd', 'active', $2, 'test')`, [projectId, `project-${projectId}`]);
    const project = await ledger.account('project', projectId, 'EUR');
    const ext = await ledger.account('external', null, 'EUR');
    await ledger.post({ idempotencyKey: `seed-${projectId}`, kind: 'deposit', currency: 'EUR', entries: [{ accountId: ext.id, amount: -100_000n }, { accountId: project.id, amount: 100_000n }] });
    const jobId = randomUUID();
    await new JobsRepository(t.ds).create({
      id: jobId,
      capability: 'cnc-milling',
      quantity: 4,
      unit: 'parts',
      specUrl: 'https://spec.example/1',
      dueAt: '2030-01-10T00:00:00Z',
      recipient: { type: 'member', id: randomUUID() },
      demand: { type: 'project', id: projectId },
      createdBy: 'coordinator',
      price: { amount: 48_000n, currency: 'EUR', ceiling: null, payerAccountId: project.id, payProgressOnCancel: false },
    });
    await t.ds.query(`UPDATE jobs SET node_id = $2, status = 'in-progress' WHERE id = $1`, [jobId, nodeId]);
    const payments = new JobPaymentsRepository(t.ds, ledger);
    await payments.reserve(jobId, 48_000n);
    expect(await statements.paidJobReceipt(jobId)).toBeNull();
    await t.ds.query(`UPDATE jobs SET status = 'confirmed', runs = $2 WHERE id = $1`, [jobId, JSON.stringify([{ made: 4, scrapped: 1, completedAt: '2030-01-05T00:00:00Z', confirmation: 'confirmed', reason: null }])]);
    await payments.pay(jobId, 1);

    const title = '4 parts (cnc-milling)';
    const owner = await statements.page(await statements.accountOf('member', ownerId, 'EUR'), { limit: 10 });
    expect(owner.lines[0].other.job?.nodeId).toBe(nodeId);
    expect(owner.lines.map((l) => [l.kind, l.description, l.amount, l.balanceAfter, l.other.job?.id, l.other.scope])).toEqual([
      ['job-pay', `Paid for job “${title}” for “Seed <rack>”`, 48_000n, 48_000n, jobId, 'Seed <rack>'],
    ]);
    const payer = await statements.page(project.id, { limit: 10 });
    expect(payer.lines.map((l) => [l.kind, l.description, l.amount, l.balanceAfter])).toEqual([
      ['job-reserve', `Price reserved for job “${title}”`, -48_000n, 52_000n],
      ['deposit', 'Deposit', 100_000n, 100_000n],
    ]);

    const receipt = await statements.paidJobReceipt(jobId);
    expect(receipt).toMatchObject({ jobId, entryId: owner.lines[0].entryId, transactionId: owner.lines[0].transactionId, amount: 48_000n, currency: 'EUR', payment: 'paid', payer: 'Seed <rack>', payee: 'Owner', payeeMemberId: ownerId, nodeId, nodeName: 'Shop', title, made: 4, unit: 'parts' });
    // Stable: asked again, the same entry and transaction.
    expect(await statements.paidJobReceipt(jobId)).toEqual(receipt);
  });
});
