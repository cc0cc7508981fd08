/**
 * A funding round at crowd scale, end to end (the real API, worker, ledger in PostgreSQL and the
 * Temporal dev server): a network of 2,500 members opens a round (before: one mail activity per
 * member, beyond Temporal's 2,000 pending activities, and the round never opened); 1,300 backers
 * change their pledges 2,600 times (before: every change an Update, so the 2,001st was refused and
 * the history outgrew Temporal's limit near 1,200 backers, stranding the money); the payout is still
 * approved and a round of 1,600 changes is still cancelled (both Updates); every hold is
 * captured once or released once, and the books balance.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions, FundingRepository, LedgerService } from '@app/db';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { workflowStepEvents } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const NETWORK = 2_500;
const BACKERS = 1_300;
const DEPOSIT = 100_000n;

/** Runs `tasks` with at most `n` at a time; returns their results in order. */
async function pool<T>(n: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

describe('a funding round at crowd scale', () => {
  const t = useTestSystem();
  let ds: DataSource;
  const members: Array<{ id: string; bearer: string }> = [];
  /** The pledge transaction itself, in this process: what the route runs after its guard (half the changes skip HTTP to keep the file short). */
  let funding: FundingRepository;

  beforeAll(async () => {
    ds = await new DataSource(dataSourceOptions(t.db.url)).initialize();
    // The network: 2,500 active members with money, 1,300 of them with a member token.
    const rows = (await ds.query(
      `INSERT INTO members (name, email) SELECT 'Member ' || g, 'm' || g || '@crowd.example' FROM generate_series(1, $1) g RETURNING id`,
      [NETWORK],
    )) as Array<{ id: string }>;
    const ledger = new LedgerService(ds);
    funding = new FundingRepository(ds, ledger);
    const external = await ledger.account('external', null, 'EUR');
    const wallets = await ledger.accounts('member', rows.map((r) => r.id), 'EUR');
    await ledger.post({
      idempotencyKey: 'crowd-seed',
      kind: 'deposit',
      currency: 'EUR',
      entries: [{ accountId: external.id, amount: -DEPOSIT * BigInt(rows.length) }, ...rows.map((r) => ({ accountId: wallets.get(r.id)!, amount: DEPOSIT }))],
    });
    for (const r of rows.slice(0, BACKERS)) {
      const token = `dpn_mbr_${randomBytes(32).toString('base64url')}`;
      members.push({ id: r.id, bearer: `Bearer ${token}` });
      await ds.query(`INSERT INTO member_tokens (member_id, name, token_hash) VALUES ($1, 'crowd', $2)`, [r.id, createHash('sha256').update(token).digest('hex')]);
    }
  }, 120_000);
  afterAll(async () => {
    await ds?.destroy();
  });

  const pledge = (m: { bearer: string }, roundId: string, amount: bigint) =>
    t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Authorization', m.bearer).send({ amount: String(amount) });
  const direct = (m: { id: string }, roundId: string, amount: bigint) => funding.setPledge(roundId, m.id, amount);
  const status = async (roundId: string) => ((await ds.query(`SELECT status FROM funding_rounds WHERE id = $1`, [roundId])) as Array<{ status: string }>)[0].status;
  const held = async (roundId: string) =>
    BigInt(
      ((await ds.query(`SELECT COALESCE(SUM(e.amount), 0)::text AS held FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'hold' AND a.scope_id = $1`, [roundId])) as Array<{
        held: string;
      }>)[0].held,
    );
  const historyOf = async (roundId: string) => (await t.sys.temporal.workflow.getHandle(`round-${roundId}`).fetchHistory()).events ?? [];

  it('opens in a network of 2,500, takes 2,600 pledge changes from 1,300 backers, closes on its goal, captures each hold once and pays out', async () => {
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Crowd greenhouse' }).expect(201)).body;
    // Each backer pledges a first amount, then raises it: the goal is the sum of the raised
    // pledges, so the round closes on the last change (the total only grows).
    const first = (i: number) => 1_000n + BigInt(i % 50);
    const final = (i: number) => 2_000n + BigInt(i % 70);
    const goal = members.reduce((s, _, i) => s + final(i), 0n);
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const round = (await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ goal: String(goal), currency: 'EUR', minPledge: '100', deadline, closeWhenGoalMet: true }).expect(201)).body;

    // Opening told the whole network in one activity (the outbox holds one mail per member).
    await eventually(async () => Number(((await ds.query(`SELECT COUNT(*)::int AS n FROM mail_outbox WHERE key LIKE $1`, [`round:${round.roundId}:opened:%`])) as Array<{ n: number }>)[0].n) === NETWORK, 60_000);
    const pending = (await t.sys.temporal.workflow.getHandle(`round-${round.roundId}`).describe()).raw.pendingActivities ?? [];
    expect(pending.length).toBeLessThanOrEqual(2);

    // The first 1,300 changes through the pledge transaction, the raises over HTTP (the raise that
    // meets the goal must go through the API, which tells the workflow).
    const firsts = await pool(16, members.map((m, i) => () => direct(m, round.roundId, first(i))));
    expect(firsts.map((r) => r.status).filter((s) => s !== 'open')).toEqual([]);
    const finals = await pool(32, members.map((m, i) => () => pledge(m, round.roundId, final(i))));
    expect(finals.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    // Live total for the public, and what one pledge answers: constant in size.
    expect(finals.at(-1)!.body).toMatchObject({ backers: expect.any(Number), goal: String(goal) });
    expect(JSON.stringify(finals.at(-1)!.body).length).toBeLessThan(400);

    await eventually(async () => (await status(round.roundId)) === 'awaiting-payout', 60_000);
    const pub = (await t.http.get(`/public/rounds/${round.roundId}`).expect(200)).body;
    expect(pub).toMatchObject({ total: String(goal), backers: BACKERS });
    // After 2,600 changes the payout is still an Update the round takes.
    const paid = await t.http.post(`/admin/rounds/${round.roundId}/payout/approve`).set(auth).send({}).expect(200);
    expect(paid.body.status).toBe('funded');

    // Every hold captured exactly once; the project has the money; the books balance.
    const [{ captured, n }] = (await ds.query(`SELECT COALESCE(SUM(captured_amount), 0)::text AS captured, COUNT(*)::int AS n FROM funding_pledges WHERE round_id = $1 AND captured_amount = amount AND amount > 0`, [
      round.roundId,
    ])) as Array<{ captured: string; n: number }>;
    expect({ captured, n }).toEqual({ captured: String(goal), n: BACKERS });
    expect(await held(round.roundId)).toBe(0n);
    const [{ project: projectBalance }] = (await ds.query(
      `SELECT COALESCE(SUM(e.amount), 0)::text AS project FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'project' AND a.owner_id = $1`,
      [project.id],
    )) as Array<{ project: string }>;
    expect(projectBalance).toBe(String(goal));
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });

    // The history holds the lifecycle, not the crowd: one Update (the payout), one signal (the goal).
    const events = await historyOf(round.roundId);
    expect(workflowStepEvents(events).length).toBeLessThan(150);
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(1);
  }, 600_000);

  it('a round of 1,300 backers is cancelled and every hold is released once, withdrawn ones included', async () => {
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Crowd kiln' }).expect(201)).body;
    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const round = (await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ goal: '999999999', currency: 'EUR', minPledge: '100', deadline }).expect(201)).body;
    const pledged = await pool(16, members.map((m) => () => direct(m, round.roundId, 500n)));
    expect(pledged.map((r) => r.status).filter((s) => s !== 'open')).toHaveLength(0);
    const withdrawn = await pool(32, members.slice(0, 300).map((m) => () => pledge(m, round.roundId, 0n)));
    expect(withdrawn.filter((r) => r.status !== 200)).toHaveLength(0);
    expect((await t.http.get(`/public/rounds/${round.roundId}`).expect(200)).body).toMatchObject({ total: String(500n * BigInt(BACKERS - 300)), backers: BACKERS - 300 });

    const cancelled = await t.http.post(`/admin/rounds/${round.roundId}/cancel`).set(auth).send({ reason: 'the kiln was sold elsewhere' }).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await held(round.roundId)).toBe(0n);
    const [{ wallets }] = (await ds.query(
      `SELECT COUNT(*)::int AS wallets FROM (SELECT a.owner_id FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'member' GROUP BY a.owner_id HAVING SUM(e.amount) <> $1) x`,
      [String(DEPOSIT)],
    )) as Array<{ wallets: number }>;
    // Only the backers of the first round are short (by what they gave it); nobody lost money here.
    expect(wallets).toBe(BACKERS);
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
    const late = await pledge(members[0], round.roundId, 700n).expect(409);
    expect(late.body.code).toBe('round_closed');
  }, 600_000);
});
