/**
 * JobPaymentsRepository against a real PostgreSQL: a job's price reserved from the project's
 * account into the job's own hold, paid once to the node owner, released (or paid by progress) on
 * a cancel; not enough money moves nothing and says `waiting`; every step retried is a no-op; the
 * trial balance stays 0.
 */
import { randomUUID } from 'node:crypto';
import { JobPaymentsRepository, JobsRepository, LedgerService, NewJobRow, UnsettleableJob } from '@app/db';
import { seedNodeWithOwner, useTestDataSource } from '../support/database';

const t = useTestDataSource();
let ledger: LedgerService;
let payments: JobPaymentsRepository;
let jobs: JobsRepository;
let nodeId: string;
let ownerId: string;

beforeAll(async () => {
  ledger = new LedgerService(t.ds);
  payments = new JobPaymentsRepository(t.ds, ledger);
  jobs = new JobsRepository(t.ds);
  ({ nodeId, ownerId } = await seedNodeWithOwner(t.ds));
});

/** A project account holding `money`, and a priced job it pays for, held by the node. */
async function pricedJob(money: bigint, over: { status?: string; percent?: number } = {}) {
  const projectId = randomUUID();
  const project = await ledger.account('project', projectId, 'EUR');
  if (money > 0n) {
    const ext = await ledger.account('external', null, 'EUR');
    await ledger.post({ idempotencyKey: `seed-${randomUUID()}`, kind: 'deposit', currency: 'EUR', entries: [{ accountId: ext.id, amount: -money }, { accountId: project.id, amount: money }] });
  }
  const row: NewJobRow = {
    id: randomUUID(),
    capability: 'cnc-milling',
    quantity: 4,
    unit: 'parts',
    specUrl: 'https://spec.example/1',
    dueAt: '2030-01-10T00:00:00Z',
    recipient: { type: 'member', id: randomUUID() },
    demand: { type: 'project', id: projectId },
    createdBy: 'coordinator',
    price: { amount: 48_000n, currency: 'EUR', ceiling: 52_000n, payerAccountId: project.id, payProgressOnCancel: true },
  };
  await jobs.create(row);
  // As the workflow and the node API leave it: accepted by the node, its progress in the row.
  await t.ds.query(`UPDATE jobs SET node_id = $2, status = $3, progress = $4 WHERE id = $1`, [row.id, nodeId, over.status ?? 'in-progress', over.percent === undefined ? null : JSON.stringify({ percent: over.percent, note: null })]);
  return { jobId: row.id, projectAccount: project.id, projectId };
}

const balanceOf = async (kind: 'project' | 'member' | 'hold', owner: string, scope: string | null = null) => ledger.balance((await ledger.account(kind, owner, 'EUR', undefined, scope)).id);
const row = async (jobId: string) => (await jobs.findById(jobId))!;

describe('JobPaymentsRepository', () => {
  it('reserves the price (the counter-offer taken) into the job’s hold once, pays it once to the node owner, and a retry of either moves nothing', async () => {
    const { jobId, projectAccount, projectId } = await pricedJob(100_000n);
    const ownerBefore = await balanceOf('member', ownerId);
    expect(await payments.reserve(jobId, 50_000n)).toEqual({ reserved: true });
    expect(await payments.reserve(jobId, 50_000n)).toEqual({ reserved: true });
    expect(await ledger.balance(projectAccount)).toBe(50_000n);
    expect(await balanceOf('hold', projectId, jobId)).toBe(50_000n);
    expect(await row(jobId)).toMatchObject({ payment: 'reserved', priceAmount: 50_000n });
    expect(await payments.pay(jobId, 1)).toEqual({ paid: '50000', released: '0' });
    // Paid once: a retry, or another run, pays nothing more; a cancel afterwards moves nothing.
    expect(await payments.pay(jobId, 1)).toEqual({ paid: '0', released: '0' });
    expect(await payments.pay(jobId, 2)).toEqual({ paid: '0', released: '0' });
    expect(await payments.settleCancelled(jobId, true)).toEqual({ paid: '0', released: '0' });
    expect(await balanceOf('member', ownerId)).toBe(ownerBefore + 50_000n);
    expect(await balanceOf('hold', projectId, jobId)).toBe(0n);
    expect(await row(jobId)).toMatchObject({ payment: 'paid', paidAmount: 50_000n });
    expect(Object.values(await ledger.trialBalance()).every((v) => v === 0n)).toBe(true);
  });

  it('not enough money: nothing moves, the row says waiting with the figures answered; after a top-up the reservation goes through', async () => {
    const { jobId, projectAccount } = await pricedJob(10_000n);
    expect(await payments.reserve(jobId, 48_000n)).toEqual({ reserved: false, available: '10000', asked: '48000' });
    expect(await payments.reserve(jobId, 48_000n)).toEqual({ reserved: false, available: '10000', asked: '48000' });
    expect(await ledger.balance(projectAccount)).toBe(10_000n);
    expect((await row(jobId)).payment).toBe('waiting');
    expect(await payments.waitingOn(projectAccount)).toEqual([jobId]);
    const ext = await ledger.account('external', null, 'EUR');
    await ledger.post({ idempotencyKey: `top-up-${jobId}`, kind: 'deposit', currency: 'EUR', entries: [{ accountId: ext.id, amount: -40_000n }, { accountId: projectAccount, amount: 40_000n }] });
    // The refused attempt left no key behind: the same key now reserves.
    expect(await payments.reserve(jobId, 48_000n)).toEqual({ reserved: true });
    expect(await ledger.balance(projectAccount)).toBe(2_000n);
    expect(await payments.waitingOn(projectAccount)).toEqual([]);
  });

  it('a cancel releases the reservation; paying progress pays the reported share (rounded down) and releases the rest, once', async () => {
    const released = await pricedJob(100_000n, { percent: 40 });
    await payments.reserve(released.jobId, 48_000n);
    expect(await payments.settleCancelled(released.jobId, false)).toEqual({ paid: '0', released: '48000' });
    expect(await ledger.balance(released.projectAccount)).toBe(100_000n);
    expect((await row(released.jobId)).payment).toBe('released');

    const ownerBefore = await balanceOf('member', ownerId);
    const part = await pricedJob(100_000n, { percent: 33 });
    await payments.reserve(part.jobId, 48_001n);
    expect(await payments.settleCancelled(part.jobId, true)).toEqual({ paid: '15840', released: '32161' });
    expect(await payments.settleCancelled(part.jobId, true)).toEqual({ paid: '0', released: '0' });
    expect(await balanceOf('member', ownerId)).toBe(ownerBefore + 15_840n);
    expect(await ledger.balance(part.projectAccount)).toBe(100_000n - 15_840n);
    expect(await row(part.jobId)).toMatchObject({ payment: 'part-paid', paidAmount: 15_840n });

    // Nothing reserved (it was waiting): the cancel moves nothing and clears the wait.
    const waiting = await pricedJob(0n);
    expect((await payments.reserve(waiting.jobId, 48_000n)).reserved).toBe(false);
    expect(await payments.settleCancelled(waiting.jobId, true)).toEqual({ paid: '0', released: '0' });
    expect((await row(waiting.jobId)).payment).toBeNull();
    expect(Object.values(await ledger.trialBalance()).every((v) => v === 0n)).toBe(true);
  });

  it('a delivery nobody answered keeps its price reserved until a treasurer settles it: paid or released once, the other way refused', async () => {
    const unanswered = async (jobId: string) =>
      t.ds.query(`UPDATE jobs SET status = 'delivered', runs = $2 WHERE id = $1`, [jobId, JSON.stringify([{ run: 1, made: 4, scrapped: 0, confirmation: 'unanswered' }])]);
    const ownerBefore = await balanceOf('member', ownerId);
    const paid = await pricedJob(100_000n);
    await payments.reserve(paid.jobId, 48_000n);
    // Still in progress, or delivered and waiting for its answer: not settled by hand.
    await expect(payments.settleUnanswered(paid.jobId, 'pay')).rejects.toMatchObject({ reason: 'not_unanswered' });
    await t.ds.query(`UPDATE jobs SET status = 'delivered', runs = $2 WHERE id = $1`, [paid.jobId, JSON.stringify([{ run: 1, made: 4, scrapped: 0, confirmation: null }])]);
    await expect(payments.settleUnanswered(paid.jobId, 'pay')).rejects.toBeInstanceOf(UnsettleableJob);
    await unanswered(paid.jobId);
    expect(await payments.settleUnanswered(paid.jobId, 'pay')).toEqual({ paid: '48000', released: '0' });
    // Again: the same answer, nothing more moves; the other way is refused.
    expect(await payments.settleUnanswered(paid.jobId, 'pay')).toEqual({ paid: '48000', released: '0' });
    await expect(payments.settleUnanswered(paid.jobId, 'release')).rejects.toMatchObject({ reason: 'settled', payment: 'paid' });
    expect(await balanceOf('member', ownerId)).toBe(ownerBefore + 48_000n);
    expect(await row(paid.jobId)).toMatchObject({ payment: 'paid', paidAmount: 48_000n });

    const back = await pricedJob(100_000n);
    await payments.reserve(back.jobId, 48_000n);
    await unanswered(back.jobId);
    expect(await payments.settleUnanswered(back.jobId, 'release')).toEqual({ paid: '0', released: '48000' });
    expect(await payments.settleUnanswered(back.jobId, 'release')).toEqual({ paid: '0', released: '48000' });
    await expect(payments.settleUnanswered(back.jobId, 'pay')).rejects.toMatchObject({ reason: 'settled', payment: 'released' });
    expect(await ledger.balance(back.projectAccount)).toBe(100_000n);
    expect(await balanceOf('hold', back.projectId, back.jobId)).toBe(0n);
    expect(await balanceOf('member', ownerId)).toBe(ownerBefore + 48_000n);
    expect(Object.values(await ledger.trialBalance()).every((v) => v === 0n)).toBe(true);
  });

  it('refuses a price whose payer is missing (the row check) and an unknown job', async () => {
    await expect(payments.reserve(randomUUID(), 1n)).rejects.toThrow(/priced job/);
    await expect(
      jobs.create({
        id: randomUUID(),
        capability: 'x',
        quantity: 1,
        unit: 'u',
        specUrl: 'https://s.example',
        dueAt: '2030-01-10T00:00:00Z',
        recipient: { type: 'member', id: randomUUID() },
        demand: { type: 'project', id: randomUUID() },
        createdBy: 't',
        price: { amount: -1n, currency: 'EUR', ceiling: null, payerAccountId: randomUUID(), payProgressOnCancel: false },
      }),
    ).rejects.toThrow(/ck_jobs_price/);
  });
});
