/**
 * The chaos runner's invariant checker (scripts/chaos-invariants.ts) can fail: it is fed a real
 * database with settled rounds (written by the real FundingRepository and LedgerService), finds
 * nothing wrong there, and then reports each kind of broken state written into it — an unbalanced
 * posting, a hold left in a finished round, a pledge settled twice, an account below zero, a stuck
 * or mismatched workflow. Each corruption runs inside a transaction on the checker's own connection
 * and is rolled back after the check.
 */
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, FundingRepository, insertRoundRow, LedgerService } from '@app/db';
import { checkInvariants, InvariantInput, RoundOutcome } from '../../scripts/chaos-invariants';
import { createTestDatabase, TestDatabase } from '../support/stack';

describe('chaos invariants (scripts/chaos-invariants.ts)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  let funding: FundingRepository;
  let pg: PgClient;
  let connection: Connection;
  let temporal: Client;
  let projectId: string;
  let members: Record<'a' | 'b' | 'c', string>;
  /** A funded round (a 3000, b 2000; c withdrew), a failed one (a 1000, c 500), one cancelled after its capture (b 1500). */
  const round = { funded: '', failed: '', refunded: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    ledger = new LedgerService(ds);
    funding = new FundingRepository(ds, ledger);
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    connection = await Connection.connect({ address: process.env.DPN_TEST_TEMPORAL_ADDRESS });
    temporal = new Client({ connection });

    projectId = randomUUID();
    await ds.query(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES ($1, 'p', 'rnd', 'active', $2, 't')`, [projectId, `project-${projectId}`]);
    const ids = ((await ds.query(`INSERT INTO members (name, email) SELECT 'm' || g, $1 || g || '@t.example' FROM generate_series(1, 3) g RETURNING id`, [randomUUID()])) as Array<{ id: string }>).map(
      (r) => r.id,
    );
    members = { a: ids[0], b: ids[1], c: ids[2] };
    const ext = await ledger.account('external', null, 'EUR');
    const wallets = await ledger.accounts('member', ids, 'EUR');
    await ledger.post({
      idempotencyKey: `deposit-${randomUUID()}`,
      kind: 'deposit',
      currency: 'EUR',
      entries: [{ accountId: ext.id, amount: -30_000n }, ...ids.map((id) => ({ accountId: wallets.get(id)!, amount: 10_000n }))],
    });

    const open = async () => {
      const id = randomUUID();
      await insertRoundRow(ds, {
        id,
        projectId,
        assetId: null,
        goal: '5000',
        currency: 'EUR',
        minPledge: '100',
        deadline: new Date(Date.now() + 3_600_000),
        closeWhenGoalMet: false,
        payoutApproval: 'coordinator',
        operator: null,
        documents: [],
        createdBy: 't',
      });
      return id;
    };
    const settle = async (page: (id: string, c: 'EUR', after: string | null, limit: number) => Promise<{ count: number; last: string | null }>, id: string) => {
      for (let after: string | null = null; ; ) {
        const done = await page(id, 'EUR', after, 1); // one pledge a page: several pages, as in the runner
        if (done.count === 0) return;
        after = done.last;
      }
    };

    round.funded = await open();
    await funding.setPledge(round.funded, members.a, 3000n);
    await funding.setPledge(round.funded, members.b, 2000n);
    await funding.setPledge(round.funded, members.c, 1000n);
    await funding.setPledge(round.funded, members.c, 0n);
    await funding.close(round.funded, 1);
    await settle((...a) => funding.capturePage(...a), round.funded);
    const from = await ledger.account('round', round.funded, 'EUR');
    const to = await ledger.account('project', projectId, 'EUR');
    await ledger.post({ idempotencyKey: `round:${round.funded}:payout`, kind: 'round-payout', currency: 'EUR', entries: [{ accountId: from.id, amount: -5000n }, { accountId: to.id, amount: 5000n }] });
    await funding.recordStatus(round.funded, 2, 'funded', 'payout approved by test');

    round.failed = await open();
    await funding.setPledge(round.failed, members.a, 1000n);
    await funding.setPledge(round.failed, members.c, 500n);
    await funding.close(round.failed, 1);
    await settle((...a) => funding.releasePage(...a), round.failed);
    await funding.recordStatus(round.failed, 2, 'failed', 'goal not reached');

    round.refunded = await open();
    await funding.setPledge(round.refunded, members.b, 1500n);
    await funding.close(round.refunded, 1);
    await settle((...a) => funding.capturePage(...a), round.refunded);
    await settle((...a) => funding.releasePage(...a), round.refunded);
    await settle((...a) => funding.refundPage(...a), round.refunded);
    await funding.recordStatus(round.refunded, 2, 'cancelled', 'cancelled by test');
  });
  afterAll(async () => {
    await pg?.end();
    await connection?.close();
    await ds?.destroy();
    await db?.drop();
  });

  const outcome = (id: string, dbStatus: string, workflow: RoundOutcome['workflow'] = { kind: 'completed', status: dbStatus }): RoundOutcome => ({
    roundId: id,
    index: Object.values(round).indexOf(id),
    dbStatus,
    reason: null,
    workflow,
  });
  const input = (over: Partial<Record<string, RoundOutcome>> = {}): InvariantInput => {
    const outcomes = new Map<string, RoundOutcome>([
      [round.funded, outcome(round.funded, 'funded')],
      [round.failed, outcome(round.failed, 'failed')],
      [round.refunded, outcome(round.refunded, 'cancelled')],
    ]);
    for (const [id, o] of Object.entries(over)) outcomes.set(id, o!);
    return {
      rounds: Object.values(round).map((id, index) => ({ id, index, projectId, assetId: null, temporalCancels: 0 })),
      outcomes,
      temporal: temporal.workflow,
    };
  };
  /** The invariants reported after `corrupt` ran (rolled back afterwards). */
  async function violatedAfter(corrupt: () => Promise<unknown>, over: Partial<Record<string, RoundOutcome>> = {}): Promise<string[]> {
    await pg.query('BEGIN');
    try {
      await corrupt();
      return [...new Set((await checkInvariants(pg, input(over))).map((v) => v.invariant))].sort();
    } finally {
      await pg.query('ROLLBACK');
    }
  }
  const q = (sql: string, params: unknown[] = []) => pg.query(sql, params);
  const accountId = async (kind: string, owner: string, scope: string | null = null) =>
    ((await q(`SELECT id FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND scope_id IS NOT DISTINCT FROM $3`, [kind, owner, scope])).rows as Array<{ id: string }>)[0].id;
  /** A posting written straight into the tables, as a bug would (no LedgerService rules). */
  async function rawPosting(kind: string, key: string, entries: Array<[string, bigint]>): Promise<void> {
    const [t] = (await q(`INSERT INTO ledger_transactions (idempotency_key, request_hash, kind, currency) VALUES ($1, repeat('0', 64), $2, 'EUR') RETURNING id`, [key, kind])).rows as Array<{
      id: string;
    }>;
    for (const [account, amount] of entries) await q(`INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ($1, $2, $3)`, [t.id, account, String(amount)]);
  }

  it('finds nothing wrong in rounds the real repository settled', async () => {
    expect(await checkInvariants(pg, input())).toEqual([]);
    expect(await violatedAfter(async () => undefined)).toEqual([]);
  });

  it('Σ debits ≠ Σ credits: a posting with one leg', async () => {
    const wallet = await accountId('member', members.a);
    expect(await violatedAfter(() => rawPosting('transfer', 'one-leg', [[wallet, 700n]]))).toEqual(expect.arrayContaining(['trial-balance', 'balanced-postings']));
  });

  it('escrow of a finished round not 0: a hold moved into a failed round after its release', async () => {
    const wallet = await accountId('member', members.a);
    const hold = await accountId('hold', members.a, round.failed);
    const found = await violatedAfter(() =>
      rawPosting('pledge-hold', `round:${round.failed}:hold:${members.a}:9`, [
        [wallet, -400n],
        [hold, 400n],
      ]),
    );
    expect(found).toEqual(expect.arrayContaining(['escrow-zero', 'pledge-settled-once']));
    expect(found).not.toContain('trial-balance');
  });

  it('a pledge captured twice (a capture page retried without its idempotency)', async () => {
    const wallet = await accountId('member', members.a);
    const hold = await accountId('hold', members.a, round.funded);
    const roundAccount = await accountId('round', round.funded);
    const found = await violatedAfter(async () => {
      await rawPosting('pledge-hold', `round:${round.funded}:hold:${members.a}:9`, [
        [wallet, -3000n],
        [hold, 3000n],
      ]);
      await rawPosting('pledge-capture', `round:${round.funded}:capture:again`, [
        [hold, -3000n],
        [roundAccount, 3000n],
      ]);
    });
    expect(found).toEqual(expect.arrayContaining(['pledge-settled-once', 'round-account-zero']));
  });

  it('a pledge both captured and released', async () => {
    expect(await violatedAfter(() => q(`UPDATE funding_pledges SET returned_at = now() WHERE round_id = $1 AND member_id = $2`, [round.funded, members.b])))
      .toEqual(['pledge-settled-once']);
    expect(await violatedAfter(() => q(`UPDATE funding_pledges SET captured_at = now(), captured_amount = amount WHERE round_id = $1 AND member_id = $2`, [round.failed, members.c])))
      .toEqual(expect.arrayContaining(['pledge-settled-once']));
  });

  it('an account below zero', async () => {
    const wallet = await accountId('member', members.c);
    const [{ id: ext }] = (await q(`SELECT id FROM ledger_accounts WHERE kind = 'external'`)).rows as Array<{ id: string }>;
    expect(
      await violatedAfter(() =>
        rawPosting('withdrawal', 'overdraft', [
          [wallet, -25_000n],
          [ext, 25_000n],
        ]),
      ),
    ).toEqual(expect.arrayContaining(['no-negative-account']));
  });

  it('paid out twice, or a project holding what no round raised', async () => {
    const to = await accountId('project', projectId);
    const wallet = await accountId('member', members.b);
    const found = await violatedAfter(() =>
      rawPosting('transfer', 'stray-money', [
        [wallet, -100n],
        [to, 100n],
      ]),
    );
    expect(found).toEqual(expect.arrayContaining(['project-account', 'member-money']));
    expect(await violatedAfter(() => q(`UPDATE ledger_transactions SET idempotency_key = $1 WHERE kind = 'pledge-capture' AND idempotency_key LIKE $2`, [`round:${round.refunded}:payout`, `round:${round.refunded}:capture:%`]))).toContain(
      'payout-once',
    );
  });

  it('a round tally that disagrees with its pledges', async () => {
    expect(await violatedAfter(() => q(`UPDATE funding_rounds SET total = total + 1 WHERE id = $1`, [round.funded]))).toEqual(['round-tally']);
  });

  it('a workflow stuck, failed, or ending other than its row says', async () => {
    const none = async () => undefined;
    expect(await violatedAfter(none, { [round.failed]: outcome(round.failed, 'failed', { kind: 'stuck' }) })).toEqual(['stuck']);
    expect(await violatedAfter(none, { [round.failed]: outcome(round.failed, 'failed', { kind: 'failed', error: 'boom' }) })).toEqual(['workflow-failed']);
    expect(await violatedAfter(none, { [round.funded]: outcome(round.funded, 'funded', { kind: 'completed', status: 'failed' }) })).toEqual(['status-matches-workflow']);
    // Cancelled through Temporal, but nobody sent a cancellation.
    expect(await violatedAfter(none, { [round.refunded]: outcome(round.refunded, 'cancelled', { kind: 'cancelled' }) })).toEqual(['status-matches-workflow']);
  });
});
