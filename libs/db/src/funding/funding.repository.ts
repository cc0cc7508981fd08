import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { PledgeRefusalCode, QueueRoundMailInput, RoundStatus } from '@app/contracts';
import { Currency, EntryDraft, formatMoney, LedgerError, movement, NON_NEGATIVE_KINDS } from '@app/domain';
import { metrics } from '@app/observability';
import { FundingPledgeEntity, FundingRoundEntity } from '../entities/funding-round.entity';
import { LedgerService } from '../ledger/ledger.service';
import { inTransactionBegunWith, integerLiteral, isUuid, preparedQuery, uuidLiteral } from '../one-trip-begin';
import { insertRoundRow, NewRoundRow } from '../row-inserts';

/** Shards of a round's running total: concurrent pledges of different members rarely share one. */
export const TALLY_SHARDS = 64;

/** The round's gate: shared by each pledge (`dpn_pledge_begin`), exclusive for the close (`pg_advisory_xact_lock*`); keyed by the round id's canonical text, however it was written. */
const GATE = (shared: boolean) => `SELECT pg_advisory_xact_lock${shared ? '_shared' : ''}(hashtextextended('funding-round:' || $1::uuid::text, 0))`;

/** Why a pledge was refused (`PledgeRejection`); the API answers each by the table next to it. */
export class PledgeRefusedError extends Error {
  override name = 'PledgeRefusedError';
  constructor(
    readonly code: PledgeRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a pledge returns: constant in size, whatever the number of backers. */
export interface PledgeOutcome {
  changed: boolean;
  roundId: string;
  memberId: string;
  /** The member's whole pledge now (minor units). */
  amount: bigint;
  status: RoundStatus;
  goal: bigint;
  currency: string;
  deadline: Date;
  /** The round's live total and backers, this pledge included. */
  total: bigint;
  backers: number;
  /**
   * The round closes when its goal is met and this pledge raised the total: call `closeIfGoalMet`
   * now that it has committed (two pledges committing together each see only their own share of
   * the total inside their transaction; the later one sees both after its commit).
   */
  mayCloseOnGoal: boolean;
}

export interface RoundTally {
  total: bigint;
  backers: number;
}

/** One member a round's mail goes to, with their pledge (minor units) if the audience has one. */
export interface RoundMailee {
  id: string;
  name: string;
  email: string;
  pledged: string | null;
}

/** Who gets a round's mail: every active member, those who have not pledged, or the backers. */
const ROUND_AUDIENCE_SQL: Record<QueueRoundMailInput['audience'], string> = {
  members: `SELECT m.id, m.name, m.email, p.amount::text AS pledged FROM members m LEFT JOIN funding_pledges p ON p.round_id = $1 AND p.member_id = m.id WHERE m.status = 'active'`,
  'not-pledged': `SELECT m.id, m.name, m.email, NULL AS pledged FROM members m WHERE m.status = 'active' AND NOT EXISTS (SELECT 1 FROM funding_pledges p WHERE p.round_id = $1 AND p.member_id = m.id AND p.amount > 0)`,
  backers: `SELECT m.id, m.name, m.email, p.amount::text AS pledged FROM funding_pledges p JOIN members m ON m.id = p.member_id WHERE p.round_id = $1 AND p.amount > 0`,
};

/** One change of a hold of a round that keeps its pledges in its workflow (see `moveLegacyHold`). */
export interface LegacyHoldMove {
  roundId: string;
  memberId: string;
  currency: Currency;
  /** Minor units: positive holds more, negative gives back. */
  delta: bigint;
  /** The workflow's sequence of this member's changes: names the ledger posting. */
  seq: number;
}

/** One page of a round's settlement (captures, releases or refunds). */
export interface SettledPage {
  /** Pledges settled in this page (0: nothing was left). */
  count: number;
  amount: bigint;
  /** The last member of the page: where the next page starts. */
  last: string | null;
}

/** What `dpn_set_pledge` and `dpn_pledge_begin` answer (amounts as text). */
interface PledgeRow {
  /** `changed`, `unchanged`, or why it was refused (`change`: begun, not yet posted). */
  outcome: 'changed' | 'unchanged' | 'change' | 'not_found' | 'legacy_round' | 'not_open_yet' | 'closed' | 'below_minimum' | 'operator_floor';
  status: RoundStatus;
  goal: string;
  currency: string;
  min_pledge: string;
  deadline: Date;
  /** The up-front the round's operator must keep pledged, when the member is its operator. */
  operator_upfront: string | null;
  close_when_goal_met: boolean;
  delta: string;
  total: string;
  backers: number;
}

/** The ledger key (without its sequence number) and memo of a member's holds for a round. */
const pledgePosting = (roundId: string, memberId: string) => ({ keyPrefix: `round:${roundId}:hold:${memberId}:`, memo: `funding round ${roundId}` });

/** The round's facts of a pledge's answer; a refusal thrown as `PledgeRefusedError` with its words. */
function pledgeBase(row: PledgeRow, roundId: string, memberId: string, amount: bigint) {
  const money = (v: string) => formatMoney(BigInt(v), row.currency as Currency);
  switch (row.outcome) {
    case 'not_found':
      throw new PledgeRefusedError('not_found', `funding round ${roundId} does not exist`);
    case 'legacy_round':
      throw new PledgeRefusedError('legacy_round', 'this round takes pledges through its workflow');
    case 'not_open_yet':
      throw new PledgeRefusedError('not_open_yet', 'the round is opening; try again in a moment');
    case 'closed':
      throw new PledgeRefusedError('closed', `the round is ${row.status === 'open' ? 'past its deadline' : row.status}`);
    case 'below_minimum':
      throw new PledgeRefusedError('below_minimum', `the minimum pledge is ${money(row.min_pledge)}`);
    case 'operator_floor':
      throw new PledgeRefusedError('operator_floor', `the operator's pledge cannot go below the up-front ${money(row.operator_upfront ?? '0')}`);
  }
  return { roundId, memberId, amount, status: row.status, goal: BigInt(row.goal), currency: row.currency, deadline: row.deadline };
}

/**
 * Funding rounds whose pledges live in PostgreSQL ("database" pledge mode). Each pledge is one
 * transaction: it holds the round's gate shared (a transaction-scoped advisory lock, so pledges
 * never wait for each other on it), then reads the round's status; closing takes the gate
 * exclusively, so it waits for every pledge in flight, and every pledge after it reads the closed
 * status. The member's pledge row is locked (one member's changes are serialized), the
 * difference moves between the member's account and their own `hold` account for this round (no
 * account shared between members), and one shard of the round's running total moves. Nothing sums
 * over all pledges on a pledge. (A shared row lock on the round would do the same, but turns every
 * concurrent pledge into a write of the round row: PostgreSQL records several share-lockers as a
 * multixact in the row.)
 *
 * Settlement (capture, release, refund) runs in pages: one transaction and one ledger posting per
 * page, marking each pledge settled, so a retried page moves nothing twice and a crowd of 20,000
 * backers settles in a few dozen activities.
 */
@Injectable()
export class FundingRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  /**
   * Sets a member's whole pledge to `amount` ("my pledge is now X"); the same X again changes
   * nothing. One statement, one round trip, its own transaction: `dpn_set_pledge` (migration
   * PledgeFunctions) takes the gate, checks, locks the pledge row, posts the hold and moves the
   * member's shard of the total, with plans PostgreSQL keeps per connection.
   */
  async setPledge(roundId: string, memberId: string, amount: bigint, opts: { allowOpening?: boolean } = {}): Promise<PledgeOutcome> {
    if (!isUuid(roundId)) throw new PledgeRefusedError('not_found', `funding round ${roundId.slice(0, 60)} does not exist`);
    const posting = pledgePosting(roundId, memberId);
    let row: PledgeRow;
    try {
      [row] = await preparedQuery<PledgeRow>(this.ds, 'dpn_set_pledge', `SELECT * FROM dpn_set_pledge($1, $2, $3, $4, $5, $6, $7, $8)`, [
        roundId,
        memberId,
        String(amount),
        opts.allowOpening === true,
        TALLY_SHARDS,
        posting.keyPrefix,
        posting.memo,
        NON_NEGATIVE_KINDS,
      ]);
    } catch (err) {
      // The hold could not be posted as `LedgerService.post` would post it (its key used before,
      // not enough money, no account yet): nothing was written; `post` decides, once more.
      if (!LedgerService.isOneTripFallback(err)) throw err;
      return this.setPledgeThroughPost(roundId, memberId, amount, opts);
    }
    const base = pledgeBase(row, roundId, memberId, amount);
    if (row.outcome === 'unchanged') return { ...base, changed: false, total: BigInt(row.total), backers: row.backers, mayCloseOnGoal: false };
    metrics.ledgerPostings.inc({ kind: BigInt(row.delta) > 0n ? 'pledge-hold' : 'pledge-release', outcome: 'posted' });
    return { ...base, changed: true, total: BigInt(row.total), backers: row.backers, mayCloseOnGoal: row.close_when_goal_met && BigInt(row.delta) > 0n };
  }

  /**
   * `setPledge` with the hold posted by `LedgerService.post` inside the pledge's transaction (three
   * round trips more), which replays a used key, creates a missing account or refuses as it always
   * has. The same checks and rows as the one statement: `dpn_pledge_begin`, then `dpn_pledge_finish`.
   */
  private async setPledgeThroughPost(roundId: string, memberId: string, amount: bigint, opts: { allowOpening?: boolean }): Promise<PledgeOutcome> {
    const begin = `SELECT * FROM dpn_pledge_begin(${uuidLiteral(roundId)}, ${uuidLiteral(memberId)}, ${integerLiteral(amount)}, ${opts.allowOpening === true})`;
    return inTransactionBegunWith(this.ds, [begin], async (tx) => {
      const [row] = tx.rows[0] as Array<PledgeRow & { before_amount: string | null; seq: number; hold_account_id: string | null; wallet_id: string | null }>;
      const base = pledgeBase(row, roundId, memberId, amount);
      if (row.outcome === 'unchanged') return { ...base, changed: false, total: BigInt(row.total), backers: row.backers, mayCloseOnGoal: false };
      const m = tx.manager;
      const currency = row.currency as Currency;
      const before = BigInt(row.before_amount ?? '0');
      const delta = amount - before;
      const walletId = row.wallet_id ?? (await this.ledger.account('member', memberId, currency, m)).id;
      const holdId = row.hold_account_id ?? (await this.ledger.account('hold', memberId, currency, m, roundId)).id;
      const { keyPrefix, memo } = pledgePosting(roundId, memberId);
      try {
        await this.ledger.post(
          {
            idempotencyKey: `${keyPrefix}${row.seq + 1}`,
            kind: delta > 0n ? 'pledge-hold' : 'pledge-release',
            currency,
            entries: delta > 0n ? movement(walletId, holdId, delta) : movement(holdId, walletId, -delta),
            memo,
          },
          m,
        );
      } catch (err) {
        if (err instanceof LedgerError && err.code === 'insufficient_funds') {
          const balance = await this.ledger.balance(walletId, m);
          throw new PledgeRefusedError('insufficient_funds', `your balance of ${formatMoney(balance, currency)} cannot hold ${formatMoney(delta, currency)} more for this pledge`);
        }
        throw err;
      }
      const backersDelta = (amount > 0n ? 1 : 0) - (before > 0n ? 1 : 0);
      const finish = `SELECT * FROM dpn_pledge_finish(${uuidLiteral(roundId)}, ${uuidLiteral(memberId)}, ${integerLiteral(amount)}, ${integerLiteral(delta)}, ${integerLiteral(
        backersDelta,
      )}, ${uuidLiteral(holdId)}, ${TALLY_SHARDS})`;
      const [[tally]] = (await tx.commitWith([finish])) as Array<Array<{ total: string; backers: number }>>;
      return { ...base, changed: true, total: BigInt(tally.total), backers: tally.backers, mayCloseOnGoal: row.close_when_goal_met && delta > 0n };
    });
  }

  /**
   * Closes an open round whose goal is met (a round that closes on its goal): under the round
   * gate (exclusive), so that pledges in flight land first and the total it checks is exact. True when
   * this call closed it.
   */
  async closeOnGoal(roundId: string): Promise<boolean> {
    // Committed totals first (no lock): most pledges of a round that closes on its goal stop here.
    const [g] = (await this.ds.query(
      `SELECT r.goal::text, (SELECT COALESCE(SUM(t.total), 0) FROM funding_round_tallies t WHERE t.round_id = r.id)::text AS total FROM funding_rounds r WHERE r.id = $1`,
      [roundId],
    )) as Array<{ goal: string; total: string }>;
    if (!g || BigInt(g.total) < BigInt(g.goal)) return false;
    return this.ds.transaction(async (m) => {
      await m.query(GATE(false), [roundId]);
      const [round] = (await m.query(`SELECT status, goal::text, close_when_goal_met FROM funding_rounds WHERE id = $1`, [roundId])) as Array<{
        status: RoundStatus;
        goal: string;
        close_when_goal_met: boolean;
      }>;
      if (round?.status !== 'open' || !round.close_when_goal_met) return false;
      const tally = await this.liveTally(roundId, m);
      if (tally.total < BigInt(round.goal)) return false;
      await m.query(`UPDATE funding_rounds SET status = 'closing', updated_at = now() WHERE id = $1`, [roundId]);
      return true;
    });
  }

  /**
   * Closes the round for pledges (from `opening`, `open`, or already `closing`): the update waits
   * for every pledge in flight, and none starts after it. Returns the final tally, counted from the
   * pledge rows and stored on the round.
   */
  async close(roundId: string, seq: number): Promise<RoundTally> {
    return this.ds.transaction(async (m) => {
      await m.query(GATE(false), [roundId]);
      await m.query(
        `UPDATE funding_rounds SET status = 'closing', record_seq = GREATEST(record_seq, $2), updated_at = now() WHERE id = $1 AND status IN ('opening', 'open')`,
        [roundId, seq],
      );
      const [row] = (await m.query(
        `SELECT COALESCE(SUM(amount) FILTER (WHERE amount > 0), 0)::text AS total, COUNT(*) FILTER (WHERE amount > 0)::int AS backers
           FROM funding_pledges WHERE round_id = $1`,
        [roundId],
      )) as Array<{ total: string; backers: number }>;
      await m.query(`UPDATE funding_rounds SET total = $2, backers = $3, updated_at = now() WHERE id = $1`, [roundId, row.total, row.backers]);
      return { total: BigInt(row.total), backers: row.backers };
    });
  }

  /** The workflow's status write; a late retry of an older write (lower `seq`) changes nothing. */
  async recordStatus(roundId: string, seq: number, status: RoundStatus, reason: string | null): Promise<void> {
    await this.ds.query(`UPDATE funding_rounds SET status = $3, reason = $4, record_seq = $2, updated_at = now() WHERE id = $1 AND record_seq < $2`, [
      roundId,
      seq,
      status,
      reason,
    ]);
  }

  /** The live total and number of backers (the sum of the shards: a handful of rows). */
  async liveTally(roundId: string, m: EntityManager = this.ds.manager): Promise<RoundTally> {
    const [row] = (await m.query(`SELECT COALESCE(SUM(total), 0)::text AS total, COALESCE(SUM(backers), 0)::int AS backers FROM funding_round_tallies WHERE round_id = $1`, [
      roundId,
    ])) as Array<{ total: string; backers: number }>;
    return { total: BigInt(row.total), backers: row.backers };
  }

  /**
   * Puts the live totals on rounds read from the table: a round that takes pledges in PostgreSQL
   * keeps its running total in the shards until it closes (one query for all of them).
   */
  async withLiveTotals<T extends FundingRoundEntity>(rounds: T[]): Promise<T[]> {
    const live = rounds.filter((r) => r.pledgeMode === 'database' && ['opening', 'open', 'closing'].includes(r.status));
    if (live.length === 0) return rounds;
    const rows = (await this.ds.query(
      `SELECT round_id, COALESCE(SUM(total), 0)::text AS total, COALESCE(SUM(backers), 0)::int AS backers FROM funding_round_tallies WHERE round_id = ANY($1::uuid[]) GROUP BY round_id`,
      [live.map((r) => r.id)],
    )) as Array<{ round_id: string; total: string; backers: number }>;
    for (const r of live) {
      const t = rows.find((x) => x.round_id === r.id);
      r.total = BigInt(t?.total ?? '0');
      r.backers = t?.backers ?? 0;
    }
    return rounds;
  }

  /** Money still held for the round: the sum of its members' hold accounts (0 once it has settled). */
  async escrow(roundId: string): Promise<bigint> {
    const [row] = (await this.ds.query(
      `SELECT COALESCE(SUM(e.amount), 0)::text AS held FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'hold' AND a.scope_id = $1`,
      [roundId],
    )) as Array<{ held: string }>;
    return BigInt(row.held);
  }

  /** Moves up to `limit` held pledges into the round's account (goal met). */
  async capturePage(roundId: string, currency: Currency, after: string | null, limit: number): Promise<SettledPage> {
    return this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT member_id, amount::text, hold_account_id FROM funding_pledges
          WHERE round_id = $1 AND amount > 0 AND captured_at IS NULL AND returned_at IS NULL AND ($2::uuid IS NULL OR member_id > $2)
          ORDER BY member_id LIMIT $3 FOR UPDATE`,
        [roundId, after, limit],
      )) as Array<{ member_id: string; amount: string; hold_account_id: string }>;
      if (rows.length === 0) return { count: 0, amount: 0n, last: null };
      const account = await this.ledger.account('round', roundId, currency, m);
      const sum = rows.reduce((s, r) => s + BigInt(r.amount), 0n);
      const entries: EntryDraft[] = [...rows.map((r) => ({ accountId: r.hold_account_id, amount: -BigInt(r.amount) })), { accountId: account.id, amount: sum }];
      await this.ledger.post({ idempotencyKey: `round:${roundId}:capture:${rows[0].member_id}`, kind: 'pledge-capture', currency, entries, memo: `funding round ${roundId}: ${rows.length} pledge(s) captured` }, m);
      await m.query(`UPDATE funding_pledges SET captured_amount = amount, captured_at = now(), updated_at = now() WHERE round_id = $1 AND member_id = ANY($2::uuid[])`, [
        roundId,
        rows.map((r) => r.member_id),
      ]);
      return { count: rows.length, amount: sum, last: rows[rows.length - 1].member_id };
    });
  }

  /**
   * Gives back up to `limit` holds still in the members' hold accounts (goal not met, cancelled,
   * or compensation): whatever each hold account actually holds, from the ledger.
   */
  async releasePage(roundId: string, currency: Currency, after: string | null, limit: number): Promise<SettledPage> {
    return this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT p.member_id, p.hold_account_id FROM funding_pledges p
          WHERE p.round_id = $1 AND p.hold_account_id IS NOT NULL AND p.captured_at IS NULL AND p.returned_at IS NULL AND ($2::uuid IS NULL OR p.member_id > $2)
          ORDER BY p.member_id LIMIT $3 FOR UPDATE`,
        [roundId, after, limit],
      )) as Array<{ member_id: string; hold_account_id: string }>;
      if (rows.length === 0) return { count: 0, amount: 0n, last: null };
      const held = await this.balances(m, rows.map((r) => r.hold_account_id));
      const giving = rows.filter((r) => (held.get(r.hold_account_id) ?? 0n) > 0n);
      let sum = 0n;
      if (giving.length > 0) {
        const wallets = await this.ledger.accounts('member', giving.map((r) => r.member_id), currency, m);
        const entries: EntryDraft[] = giving.flatMap((r) => {
          const amount = held.get(r.hold_account_id)!;
          sum += amount;
          return movement(r.hold_account_id, wallets.get(r.member_id)!, amount);
        });
        await this.ledger.post({ idempotencyKey: `round:${roundId}:release:${giving[0].member_id}`, kind: 'pledge-release', currency, entries, memo: `funding round ${roundId}: ${giving.length} hold(s) released` }, m);
      }
      await m.query(`UPDATE funding_pledges SET returned_at = now(), updated_at = now() WHERE round_id = $1 AND member_id = ANY($2::uuid[])`, [roundId, rows.map((r) => r.member_id)]);
      return { count: rows.length, amount: sum, last: rows[rows.length - 1].member_id };
    });
  }

  /** Gives back up to `limit` captured pledges from the round's account (payout refused or cancelled). */
  async refundPage(roundId: string, currency: Currency, after: string | null, limit: number): Promise<SettledPage> {
    return this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT member_id, captured_amount::text AS amount FROM funding_pledges
          WHERE round_id = $1 AND captured_amount > 0 AND returned_at IS NULL AND ($2::uuid IS NULL OR member_id > $2)
          ORDER BY member_id LIMIT $3 FOR UPDATE`,
        [roundId, after, limit],
      )) as Array<{ member_id: string; amount: string }>;
      if (rows.length === 0) return { count: 0, amount: 0n, last: null };
      const account = await this.ledger.account('round', roundId, currency, m);
      const wallets = await this.ledger.accounts('member', rows.map((r) => r.member_id), currency, m);
      const sum = rows.reduce((s, r) => s + BigInt(r.amount), 0n);
      const entries: EntryDraft[] = [{ accountId: account.id, amount: -sum }, ...rows.map((r) => ({ accountId: wallets.get(r.member_id)!, amount: BigInt(r.amount) }))];
      await this.ledger.post({ idempotencyKey: `round:${roundId}:refund:${rows[0].member_id}`, kind: 'pledge-refund', currency, entries, memo: `funding round ${roundId}: ${rows.length} capture(s) refunded` }, m);
      await m.query(`UPDATE funding_pledges SET returned_at = now(), updated_at = now() WHERE round_id = $1 AND member_id = ANY($2::uuid[])`, [roundId, rows.map((r) => r.member_id)]);
      return { count: rows.length, amount: sum, last: rows[rows.length - 1].member_id };
    });
  }

  /** What each backer put in (captured), for the ownership table of a round that buys an asset. */
  async contributions(roundId: string): Promise<Array<{ memberId: string; amount: bigint }>> {
    const rows = (await this.ds.query(`SELECT member_id, captured_amount::text AS amount FROM funding_pledges WHERE round_id = $1 AND captured_amount > 0 ORDER BY member_id`, [
      roundId,
    ])) as Array<{ member_id: string; amount: string }>;
    return rows.map((r) => ({ memberId: r.member_id, amount: BigInt(r.amount) }));
  }

  /** The pledges of a round, a page at a time (largest first). */
  async pledgesPage(roundId: string, offset: number, limit: number): Promise<{ items: FundingPledgeEntity[]; total: number }> {
    const [items, total] = await this.ds
      .getRepository(FundingPledgeEntity)
      .createQueryBuilder('p')
      .where('p.round_id = :roundId AND p.amount > 0', { roundId })
      .orderBy('p.amount', 'DESC')
      .addOrderBy('p.member_id', 'ASC')
      .skip(offset)
      .take(limit)
      .getManyAndCount();
    return { items, total };
  }

  async find(roundId: string): Promise<FundingRoundEntity | null> {
    return this.ds.getRepository(FundingRoundEntity).findOneBy({ id: roundId });
  }

  /** A round's first write, before its workflow starts (idempotent on the id: see `insertRoundRow`). */
  createRound(row: NewRoundRow): Promise<void> {
    return insertRoundRow(this.ds, row);
  }

  /** A project's rounds, newest first, with their live totals. */
  async ofProject(projectId: string): Promise<FundingRoundEntity[]> {
    return this.withLiveTotals(await this.ds.getRepository(FundingRoundEntity).find({ where: { projectId }, order: { createdAt: 'DESC', id: 'ASC' } }));
  }

  /** The newest funded round of a project phase's budget, if any (a restarted phase does not raise the money again). */
  async fundedRoundOf(projectId: string, phase: string): Promise<string | null> {
    const [funded]: Array<{ id: string }> = await this.ds.query(
      `SELECT id FROM funding_rounds WHERE project_id = $1 AND phase = $2 AND status = 'funded' ORDER BY created_at DESC LIMIT 1`,
      [projectId, phase],
    );
    return funded?.id ?? null;
  }

  /** Closes rounds whose workflow never started (a phase cancelled in between): nothing pledged, nothing to settle. */
  async discardUnopened(roundIds: string[]): Promise<void> {
    if (roundIds.length === 0) return;
    await this.ds.query(
      `UPDATE funding_rounds SET status = 'cancelled', reason = 'cancelled with its phase before it opened', updated_at = now() WHERE id = ANY($1) AND status IN ('opening', 'open') AND total = 0`,
      [roundIds],
    );
  }

  /** The round still buying this asset (not funded, failed or cancelled), if any. */
  async roundBuying(assetId: string, m: EntityManager = this.ds.manager): Promise<string | null> {
    const [buying] = (await m.query(`SELECT id FROM funding_rounds WHERE asset_id = $1 AND status NOT IN ('funded', 'failed', 'cancelled') LIMIT 1`, [assetId])) as Array<{ id: string }>;
    return buying?.id ?? null;
  }

  /**
   * Deletes a round row whose workflow never started (the API's open failed before it): only while
   * it is still opening or open and nobody has pledged.
   */
  async deleteUnstarted(roundId: string): Promise<void> {
    await this.ds.query(`DELETE FROM funding_rounds WHERE id = $1 AND status IN ('opening', 'open') AND NOT EXISTS (SELECT 1 FROM funding_pledges WHERE round_id = $1)`, [roundId]);
  }

  /** Open rounds, nearest deadline first, with their live totals. */
  async openRounds(): Promise<FundingRoundEntity[]> {
    return this.withLiveTotals(await this.ds.getRepository(FundingRoundEntity).find({ where: { status: 'open' }, order: { deadline: 'ASC', id: 'ASC' } }));
  }

  /** Every pledge row of a member (any round). */
  pledgesOf(memberId: string): Promise<FundingPledgeEntity[]> {
    return this.ds.getRepository(FundingPledgeEntity).findBy({ memberId });
  }

  /** A member's pledge row in a round, if any. */
  findPledge(roundId: string, memberId: string): Promise<FundingPledgeEntity | null> {
    return this.ds.getRepository(FundingPledgeEntity).findOneBy({ roundId, memberId });
  }

  /** The next `limit` members (in id order, after `after`) who get a round's mail, with their pledge. */
  async mailAudiencePage(roundId: string, audience: QueueRoundMailInput['audience'], after: string, limit: number): Promise<RoundMailee[]> {
    return (await this.ds.query(`SELECT * FROM (${ROUND_AUDIENCE_SQL[audience]}) a WHERE a.id > $2 ORDER BY a.id LIMIT $3`, [roundId, after, limit])) as RoundMailee[];
  }

  /**
   * (Rounds that keep their pledges in the workflow.) Changes a member's hold by `delta` (member
   * account ⇄ the round's escrow) and, in the same transaction, the pledge row and the round's
   * totals. The posting's key names the round, member and `seq`: a retry moves nothing twice and
   * leaves the rows as they are. A `LedgerError` (`insufficient_funds`) leaves nothing written.
   */
  async moveLegacyHold(h: LegacyHoldMove): Promise<void> {
    await this.ds.transaction(async (m) => {
      const member = await this.ledger.account('member', h.memberId, h.currency, m);
      const escrow = await this.ledger.account('escrow', h.roundId, h.currency, m);
      const result = await this.ledger.post(
        {
          idempotencyKey: `round:${h.roundId}:hold:${h.memberId}:${h.seq}`,
          kind: h.delta > 0n ? 'pledge-hold' : 'pledge-release',
          currency: h.currency,
          entries: h.delta > 0n ? movement(member.id, escrow.id, h.delta) : movement(escrow.id, member.id, -h.delta),
          memo: `funding round ${h.roundId}`,
        },
        m,
      );
      if (result.replayed) return;
      await m.query(
        `INSERT INTO funding_pledges (round_id, member_id, amount) VALUES ($1, $2, $3)
         ON CONFLICT (round_id, member_id) DO UPDATE SET amount = funding_pledges.amount + EXCLUDED.amount`,
        [h.roundId, h.memberId, String(h.delta)],
      );
      await m.query(`DELETE FROM funding_pledges WHERE round_id = $1 AND member_id = $2 AND amount = 0`, [h.roundId, h.memberId]);
      await m.query(
        `UPDATE funding_rounds SET total = COALESCE((SELECT SUM(amount) FROM funding_pledges WHERE round_id = $1), 0),
                backers = (SELECT COUNT(*) FROM funding_pledges WHERE round_id = $1), updated_at = now()
          WHERE id = $1`,
        [h.roundId],
      );
    });
  }

  /**
   * (Rounds that keep their pledges in the workflow.) The round's status and totals as the
   * workflow has them. These runs' inputs carry no sequence: at least a late retry never moves a
   * finished round back.
   */
  async recordLegacyRound(r: { roundId: string; status: RoundStatus; reason: string | null; total: string; backers: number }): Promise<void> {
    await this.ds.query(
      `UPDATE funding_rounds SET status = $2, reason = $3, total = $4, backers = $5, updated_at = now() WHERE id = $1 AND status NOT IN ('funded', 'failed', 'cancelled')`,
      [r.roundId, r.status, r.reason, r.total, r.backers],
    );
  }

  private async balances(m: EntityManager, accountIds: string[]): Promise<Map<string, bigint>> {
    const rows = (await m.query(`SELECT account_id, SUM(amount)::text AS balance FROM ledger_entries WHERE account_id = ANY($1::uuid[]) GROUP BY account_id`, [accountIds])) as Array<{
      account_id: string;
      balance: string;
    }>;
    return new Map(rows.map((r) => [r.account_id, BigInt(r.balance)]));
  }
}
