/**
 * FundingRepository against a real PostgreSQL: pledges of many members at once, one member's
 * racing changes, the close racing pledges, settlement pages racing each other and their retries.
 * After each: the pledge rows, the running total's shards and the hold accounts agree, and the
 * ledger balances.
 */
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { beginWith, dataSourceOptions, FundingRepository, insertRoundRow, LedgerService, PledgeRefusedError } from '@app/db';
import { createTestDatabase, TestDatabase } from '../support/stack';

describe('FundingRepository (pledges in PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  let funding: FundingRepository;
  let projectId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ ...dataSourceOptions(db.url), extra: { max: 20 } }).initialize();
    ledger = new LedgerService(ds);
    funding = new FundingRepository(ds, ledger);
    projectId = randomUUID();
    await ds.query(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES ($1, 'p', 'rnd', 'active', $2, 't')`, [projectId, `project-${projectId}`]);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  async function members(n: number, money = 10_000n): Promise<string[]> {
    const rows = (await ds.query(`INSERT INTO members (name, email) SELECT 'm' || g, $2 || g || '@t.example' FROM generate_series(1, $1) g RETURNING id`, [n, randomUUID()])) as Array<{
      id: string;
    }>;
    const ids = rows.map((r) => r.id);
    const ext = await ledger.account('external', null, 'EUR');
    const wallets = await ledger.accounts('member', ids, 'EUR');
    await ledger.post({
      idempotencyKey: `seed-${randomUUID()}`,
      kind: 'deposit',
      currency: 'EUR',
      entries: [{ accountId: ext.id, amount: -money * BigInt(ids.length) }, ...ids.map((id) => ({ accountId: wallets.get(id)!, amount: money }))],
    });
    return ids;
  }
  async function round(over: { goal?: bigint; closeWhenGoalMet?: boolean } = {}): Promise<string> {
    const id = randomUUID();
    await insertRoundRow(ds, {
      id,
      projectId,
      assetId: null,
      goal: String(over.goal ?? 1_000_000n),
      currency: 'EUR',
      minPledge: '100',
      deadline: new Date(Date.now() + 3_600_000),
      closeWhenGoalMet: over.closeWhenGoalMet ?? false,
      payoutApproval: 'coordinator',
      operator: null,
      documents: [],
      createdBy: 't',
    });
    return id;
  }
  const balanceOf = async (kind: string, owner: string, scope: string | null = null) =>
    BigInt(
      ((await ds.query(
        `SELECT COALESCE(SUM(e.amount), 0)::text AS b FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = $1 AND a.owner_id = $2 AND a.scope_id IS NOT DISTINCT FROM $3`,
        [kind, owner, scope],
      )) as Array<{ b: string }>)[0].b,
    );
  /** The round's rows agree: pledges = shards = holds, and the ledger sums to zero. */
  async function consistent(roundId: string): Promise<{ total: bigint; backers: number }> {
    const [p] = (await ds.query(`SELECT COALESCE(SUM(amount), 0)::text AS total, COUNT(*) FILTER (WHERE amount > 0)::int AS backers FROM funding_pledges WHERE round_id = $1`, [
      roundId,
    ])) as Array<{ total: string; backers: number }>;
    const shards = await funding.liveTally(roundId);
    expect(shards).toEqual({ total: BigInt(p.total), backers: p.backers });
    expect(await funding.escrow(roundId)).toBe(BigInt(p.total));
    const [{ sum }] = (await ds.query(`SELECT COALESCE(SUM(amount), 0)::text AS sum FROM ledger_entries`)) as Array<{ sum: string }>;
    expect(sum).toBe('0');
    return shards;
  }

  it('takes many members’ pledges at once; the total, the shards and the holds agree', async () => {
    const ids = await members(200);
    const r = await round();
    await Promise.all(ids.map((m, i) => funding.setPledge(r, m, BigInt(100 + i))));
    await Promise.all(ids.slice(0, 50).map((m) => funding.setPledge(r, m, 0n))); // withdrawn
    await Promise.all(ids.slice(50, 100).map((m, i) => funding.setPledge(r, m, BigInt(5_000 + i)))); // raised
    const t = await consistent(r);
    expect(t.backers).toBe(150);
    const again = await funding.setPledge(r, ids[60], 5_010n); // the same pledge again: nothing moves
    expect(again.changed).toBe(false);
    expect(await balanceOf('member', ids[60])).toBe(10_000n - 5_010n);
  });

  it('serializes one member’s racing changes: the hold is always exactly the pledge', async () => {
    const [m] = await members(1);
    const r = await round();
    const results = await Promise.allSettled(['1000', '2500', '700', '9000', '300', '4000'].map((a) => funding.setPledge(r, m, BigInt(a))));
    expect(results.every((x) => x.status === 'fulfilled')).toBe(true);
    const [row] = (await ds.query(`SELECT amount::text, seq FROM funding_pledges WHERE round_id = $1 AND member_id = $2`, [r, m])) as Array<{ amount: string; seq: number }>;
    expect(await balanceOf('hold', m, r)).toBe(BigInt(row.amount));
    expect(await balanceOf('member', m)).toBe(10_000n - BigInt(row.amount));
    await consistent(r);
  });

  it('refuses what the round does not take: too little money, under the minimum, once closed', async () => {
    const [m] = await members(1, 500n);
    const r = await round();
    await expect(funding.setPledge(r, m, 50n)).rejects.toMatchObject({ code: 'below_minimum' });
    const poor = await funding.setPledge(r, m, 600n).catch((e: unknown) => e);
    expect(poor).toBeInstanceOf(PledgeRefusedError);
    expect(poor).toMatchObject({ code: 'insufficient_funds' });
    expect((poor as Error).message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/); // no internal account ids for members
    await funding.setPledge(r, m, 500n);
    await funding.close(r, 1);
    await expect(funding.setPledge(r, m, 400n)).rejects.toMatchObject({ code: 'closed' });
    await expect(funding.setPledge(randomUUID(), m, 400n)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('one statement and the fallback through post agree: a hold posted before under the same key is replayed, not moved twice; no account means refused, nothing written', async () => {
    const [m] = await members(1, 1_000n);
    const r = await round();
    // The very posting the first change will make, posted ahead through post (as a crashed try
    // whose pledge row was lost would have): the one statement finds its key used and falls back,
    // and post replays it, because the hash SQL computes is the hash post computes.
    const wallet = (await ledger.account('member', m, 'EUR')).id;
    const hold = (await ledger.account('hold', m, 'EUR', undefined, r)).id;
    await ledger.post({ idempotencyKey: `round:${r}:hold:${m}:1`, kind: 'pledge-hold', currency: 'EUR', entries: [{ accountId: wallet, amount: -400n }, { accountId: hold, amount: 400n }], memo: `funding round ${r}` });
    const out = await funding.setPledge(r, m, 400n);
    expect(out).toMatchObject({ changed: true, amount: 400n, total: 400n, backers: 1 });
    expect(await balanceOf('hold', m, r)).toBe(400n);
    expect(await balanceOf('member', m)).toBe(600n);
    await consistent(r);
    // The next change goes through the one statement again.
    expect(await funding.setPledge(r, m, 900n)).toMatchObject({ changed: true, total: 900n });
    expect(await balanceOf('member', m)).toBe(100n);

    const [walletless] = (await ds.query(`INSERT INTO members (name, email) VALUES ('w', $1) RETURNING id`, [`${randomUUID()}@t.example`])) as Array<{ id: string }>;
    await expect(funding.setPledge(r, walletless.id, 500n)).rejects.toMatchObject({ code: 'insufficient_funds' });
    const [rows] = (await ds.query(`SELECT (SELECT count(*) FROM funding_pledges WHERE member_id = $1)::int AS pledges, (SELECT count(*) FROM ledger_accounts WHERE owner_id = $1 AND kind = 'hold')::int AS holds`, [
      walletless.id,
    ])) as Array<{ pledges: number; holds: number }>;
    expect(rows).toEqual({ pledges: 0, holds: 0 });
    await consistent(r);
  });

  it('closing waits for the pledges in flight and none lands after it: the closing tally is exact', async () => {
    const ids = await members(120);
    const r = await round();
    const pledging = ids.map((m) => funding.setPledge(r, m, 1_000n).then(
      () => 'in',
      (e: unknown) => (e instanceof PledgeRefusedError ? e.code : 'error'),
    ));
    await new Promise((res) => setTimeout(res, 15));
    const tally = await funding.close(r, 7);
    const outcomes = await Promise.all(pledging);
    expect(outcomes.every((o) => o === 'in' || o === 'closed')).toBe(true);
    // Every pledge accepted is in the tally the close returned; none after it.
    expect(tally.backers).toBe(outcomes.filter((o) => o === 'in').length);
    expect(tally.total).toBe(1_000n * BigInt(tally.backers));
    await consistent(r);
    const [row] = (await ds.query(`SELECT status, record_seq, total::text FROM funding_rounds WHERE id = $1`, [r])) as Array<{ status: string; record_seq: number; total: string }>;
    expect(row).toEqual({ status: 'closing', record_seq: 7, total: String(tally.total) });
  });

  it('the close waits at the gate for a pledge in flight however the round id is written (upper case included)', async () => {
    const [m] = await members(1);
    const r = await round({ goal: 1_000n, closeWhenGoalMet: true });
    await funding.setPledge(r, m, 1_000n);
    // A pledge in flight: its transaction holds the gate (shared) until it ends.
    const inFlight = await beginWith(ds, [`SELECT * FROM dpn_pledge_begin('${r}', '${m}', 1000, false)`]);
    let closed: boolean | undefined;
    const closing = funding.closeOnGoal(r.toUpperCase()).then((c) => (closed = c));
    await new Promise((res) => setTimeout(res, 300));
    expect(closed).toBeUndefined();
    await inFlight.commit();
    expect(await closing).toBe(true);
  });

  it('closes a round on its goal under the lock, once', async () => {
    const ids = await members(3);
    const r = await round({ goal: 3_000n, closeWhenGoalMet: true });
    await funding.setPledge(r, ids[0], 1_000n);
    expect(await funding.closeOnGoal(r)).toBe(false);
    await funding.setPledge(r, ids[1], 1_000n);
    const last = await funding.setPledge(r, ids[2], 1_000n);
    expect(last.mayCloseOnGoal).toBe(true);
    const closers = await Promise.all([funding.closeOnGoal(r), funding.closeOnGoal(r), funding.closeOnGoal(r)]);
    expect(closers.filter(Boolean)).toHaveLength(1);
    await expect(funding.setPledge(r, ids[0], 2_000n)).rejects.toMatchObject({ code: 'closed' });
  });

  it('a crowd that meets the goal exactly, all at once, still closes the round, once (the last commit sees the whole total)', async () => {
    const ids = await members(80);
    const r = await round({ goal: 80_000n, closeWhenGoalMet: true });
    // As the API does it: the pledge's transaction, then (a raise in a round that closes on its goal) the close check.
    const closed = await Promise.all(
      ids.map(async (m) => {
        const out = await funding.setPledge(r, m, 1_000n);
        return out.mayCloseOnGoal ? funding.closeOnGoal(r) : false;
      }),
    );
    expect(closed.filter(Boolean)).toHaveLength(1);
    const [{ status }] = (await ds.query(`SELECT status FROM funding_rounds WHERE id = $1`, [r])) as Array<{ status: string }>;
    expect(status).toBe('closing');
    expect((await consistent(r)).total).toBe(80_000n);
  });

  it('captures each hold once, even with two settlers racing and a retried page; refunds each once', async () => {
    const ids = await members(57);
    const r = await round();
    await Promise.all(ids.map((m, i) => funding.setPledge(r, m, BigInt(200 + i))));
    const { total } = await funding.close(r, 1);
    // Two settlers (an activity and its retry after a timeout) walk the pages at the same time.
    const walk = async () => {
      for (let after: string | null = null; ; ) {
        const p = await funding.capturePage(r, 'EUR', after, 10);
        if (p.count === 0) return;
        after = p.last;
      }
    };
    await Promise.all([walk(), walk()]);
    expect(await funding.escrow(r)).toBe(0n);
    expect(await balanceOf('round', r)).toBe(total);
    expect((await funding.capturePage(r, 'EUR', null, 10)).count).toBe(0); // a retry after the end: nothing
    const contributions = await funding.contributions(r);
    expect(contributions.reduce((s, c) => s + c.amount, 0n)).toBe(total);

    await Promise.all([
      (async () => {
        for (let after: string | null = null; ; ) {
          const p = await funding.refundPage(r, 'EUR', after, 8);
          if (p.count === 0) return;
          after = p.last;
        }
      })(),
      funding.refundPage(r, 'EUR', null, 8),
    ]);
    expect(await balanceOf('round', r)).toBe(0n);
    for (const m of ids) expect(await balanceOf('member', m)).toBe(10_000n);
  });

  it('releases what each hold account actually holds, and a posting into a busy account does not wait for it', async () => {
    const ids = await members(30);
    const r = await round();
    await Promise.all(ids.map((m) => funding.setPledge(r, m, 1_000n)));
    await Promise.all(ids.slice(0, 10).map((m) => funding.setPledge(r, m, 0n)));
    await funding.close(r, 1);
    // A posting paying from the round's account holds its lock: captures into it (credits) must not queue.
    const roundAccount = await ledger.account('round', r, 'EUR');
    const locker = new PgClient({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM ledger_accounts WHERE id = $1 FOR NO KEY UPDATE', [roundAccount.id]);
    try {
      const captured = await funding.capturePage(r, 'EUR', null, 5);
      expect(captured.count).toBe(5);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    for (let after: string | null = null; ; ) {
      const p = await funding.releasePage(r, 'EUR', after, 7);
      if (p.count === 0) break;
      after = p.last;
    }
    expect(await funding.escrow(r)).toBe(0n);
    // The five captured stay in the round's account; the rest are home.
    expect(await balanceOf('round', r)).toBe(5_000n);
    const home = await Promise.all(ids.map((m) => balanceOf('member', m)));
    expect(home.filter((b) => b === 10_000n)).toHaveLength(25);
  });

  it('a late status write (an older sequence) changes nothing', async () => {
    const r = await round();
    await funding.recordStatus(r, 5, 'awaiting-payout', null);
    await funding.recordStatus(r, 3, 'open', null); // a retry of an earlier write, landing late
    const [row] = (await ds.query(`SELECT status, record_seq FROM funding_rounds WHERE id = $1`, [r])) as Array<{ status: string; record_seq: number }>;
    expect(row).toEqual({ status: 'awaiting-payout', record_seq: 5 });
  });

  it('reads what the API and the round mail need: open rounds with live totals, a member’s pledges, the mail audiences page by page', async () => {
    const ids = (await members(5)).sort();
    const r = await round();
    await funding.setPledge(r, ids[1], 300n);
    await funding.setPledge(r, ids[3], 400n);
    const open = await funding.openRounds();
    expect(open.find((x) => x.id === r)).toMatchObject({ total: 700n, backers: 2 });
    const deadlines = open.map((x) => x.deadline.getTime());
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    expect((await funding.pledgesOf(ids[1])).map((p) => [p.roundId, p.amount])).toEqual([[r, 300n]]);
    expect((await funding.findPledge(r, ids[3]))?.amount).toBe(400n);
    expect(await funding.findPledge(r, ids[0])).toBeNull();

    const everyone = async (audience: 'members' | 'not-pledged' | 'backers') => {
      const seen: Array<{ id: string; pledged: string | null }> = [];
      for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
        const page = await funding.mailAudiencePage(r, audience, after, 2);
        if (page.length === 0) return seen;
        seen.push(...page.map((m) => ({ id: m.id, pledged: m.pledged })));
        after = page[page.length - 1].id;
      }
    };
    expect((await everyone('backers')).filter((m) => ids.includes(m.id))).toEqual([
      { id: ids[1], pledged: '300' },
      { id: ids[3], pledged: '400' },
    ]);
    const notPledged = (await everyone('not-pledged')).map((m) => m.id);
    expect(notPledged).toEqual(expect.arrayContaining([ids[0], ids[2], ids[4]]));
    expect(notPledged).not.toContain(ids[1]);
    const all = await everyone('members');
    expect(all.find((m) => m.id === ids[3])?.pledged).toBe('400');
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort());
  });

  it('knows which round is buying an asset, and deletes only an unstarted round nobody pledged to', async () => {
    const assetId = (
      (await ds.query(`INSERT INTO assets (name, kind, identifier, total_parts) VALUES ('GH', 'greenhouse', $1, 100) RETURNING id`, [`GH-${randomUUID()}`])) as Array<{ id: string }>
    )[0].id;
    expect(await funding.roundBuying(assetId)).toBeNull();
    const buying = randomUUID();
    await funding.createRound({
      id: buying,
      projectId,
      assetId,
      goal: '1000',
      currency: 'EUR',
      minPledge: '10',
      deadline: new Date(Date.now() + 3_600_000),
      closeWhenGoalMet: false,
      payoutApproval: 'coordinator',
      operator: null,
      documents: [],
      createdBy: 't',
    });
    expect(await funding.roundBuying(assetId)).toBe(buying);
    await funding.recordStatus(buying, 1, 'failed', 'goal not met');
    expect(await funding.roundBuying(assetId)).toBeNull();

    const [m] = await members(1);
    const pledged = await round();
    await funding.setPledge(pledged, m, 500n);
    await funding.deleteUnstarted(pledged);
    expect(await funding.find(pledged)).not.toBeNull();
    const empty = await round();
    await funding.deleteUnstarted(empty);
    expect(await funding.find(empty)).toBeNull();
  });

  it('(rounds that keep pledges in the workflow) moves a hold once per sequence, keeps the totals, and never moves a finished round back', async () => {
    const [m] = await members(1, 1_000n);
    const r = await round();
    await funding.moveLegacyHold({ roundId: r, memberId: m, currency: 'EUR', delta: 600n, seq: 1 });
    await funding.moveLegacyHold({ roundId: r, memberId: m, currency: 'EUR', delta: 600n, seq: 1 }); // a retry: nothing twice
    await funding.moveLegacyHold({ roundId: r, memberId: m, currency: 'EUR', delta: -100n, seq: 2 });
    expect(await balanceOf('member', m)).toBe(500n);
    expect(await balanceOf('escrow', r)).toBe(500n);
    expect((await funding.find(r))).toMatchObject({ total: 500n, backers: 1 });
    // Not enough money: the ledger refuses and nothing is written.
    await expect(funding.moveLegacyHold({ roundId: r, memberId: m, currency: 'EUR', delta: 900n, seq: 3 })).rejects.toMatchObject({ code: 'insufficient_funds' });
    expect((await funding.findPledge(r, m))?.amount).toBe(500n);
    // Withdrawn to zero: the row goes, the totals follow.
    await funding.moveLegacyHold({ roundId: r, memberId: m, currency: 'EUR', delta: -500n, seq: 4 });
    expect(await funding.findPledge(r, m)).toBeNull();
    expect(await funding.find(r)).toMatchObject({ total: 0n, backers: 0 });

    await funding.recordLegacyRound({ roundId: r, status: 'funded', reason: null, total: '500', backers: 1 });
    await funding.recordLegacyRound({ roundId: r, status: 'open', reason: null, total: '0', backers: 0 }); // a late retry
    expect(await funding.find(r)).toMatchObject({ status: 'funded', total: 500n, backers: 1 });
  });
});
