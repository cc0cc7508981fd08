import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What the other side of an entry is (the largest other leg of its transaction), by name. */
export interface OtherSide {
  kind: string | null;
  /** The member behind it (a member account, a pledge's hold). */
  name: string | null;
  /** The project it is about (a project's account, a round's project, a job's project). */
  scope: string | null;
  /** A job's words, when the other side is the job's hold (paid work). */
  job: { id: string; title: string; nodeId: string | null; payment: string | null } | null;
}

export interface AccountStatementLine {
  entryId: string;
  transactionId: string;
  at: Date;
  kind: string;
  memo: string | null;
  other: OtherSide;
  /** What the entry was, in words, seen from the account ("Paid for job …", "Pledge to …"). */
  description: string;
  amount: bigint;
}

export interface StatementPage {
  /** Balance just before `from` (0 without it). */
  opening: bigint;
  /** Balance at the end of the period (before `to`; now without it). */
  closing: bigint;
  /** Entries in the period. */
  total: number;
  /** Newest first. */
  lines: Array<AccountStatementLine & { balanceAfter: bigint }>;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface StatementQuery {
  /** Inclusive. */
  from?: Date | null;
  /** Exclusive. */
  to?: Date | null;
  /** Opaque: from a previous page's `nextCursor`. */
  cursor?: string | null;
  limit: number;
}

export interface PaidJobReceipt {
  jobId: string;
  /** The credit to the node owner's account: the receipt's number comes from it. */
  entryId: string;
  transactionId: string;
  paidAt: Date;
  amount: bigint;
  currency: string;
  payment: string;
  payer: string;
  payee: string;
  payeeMemberId: string;
  nodeId: string;
  nodeName: string;
  title: string;
  quantity: number;
  unit: string;
  made: number;
}

/** A bad cursor (not one this repository gave). */
export class BadStatementCursorError extends Error {
  constructor() {
    super('cursor is not one a statement page gave');
  }
}

/** The words of a job (jobs have no title of their own): what, how many, for which task. */
export const JOB_TITLE_SQL = (j: string) => `(${j}.quantity || ' ' || ${j}.unit || ' (' || ${j}.capability || COALESCE(', task ' || ${j}.task_key, '') || ')')`;

/** The other side of each entry of `en` (which has `transaction_id` and `account_id`), by name; a job's hold names the job. */
export const OTHER_SIDE = `
  LEFT JOIN LATERAL (
    SELECT a2.kind, a2.owner_id, a2.scope_id FROM ledger_entries e2 JOIN ledger_accounts a2 ON a2.id = e2.account_id
     WHERE e2.transaction_id = en.transaction_id AND e2.account_id <> en.account_id
     ORDER BY abs(e2.amount) DESC, e2.id LIMIT 1) o ON true
  LEFT JOIN members om ON o.kind IN ('member', 'hold') AND om.id = o.owner_id
  LEFT JOIN production_projects op ON o.kind IN ('project', 'organiser') AND op.id = o.owner_id
  LEFT JOIN funding_rounds r ON (o.kind IN ('escrow', 'round') AND r.id = o.owner_id) OR (o.kind = 'hold' AND r.id = o.scope_id)
  LEFT JOIN production_projects rp ON rp.id = r.project_id
  LEFT JOIN jobs oj ON o.kind = 'hold' AND oj.id = o.scope_id
  LEFT JOIN production_projects jp ON oj.demand_type = 'project' AND jp.id = oj.demand_id
  LEFT JOIN assets oa ON o.kind = 'asset' AND oa.id = o.owner_id`;

/** The columns OTHER_SIDE adds. */
export const OTHER_SIDE_COLUMNS = `o.kind AS other_kind, om.name AS other_name, COALESCE(op.name, rp.name, jp.name, oa.name) AS other_scope,
  oj.id AS other_job_id, oj.node_id AS other_job_node_id, oj.payment AS other_job_payment, CASE WHEN oj.id IS NULL THEN NULL ELSE ${JOB_TITLE_SQL('oj')} END AS other_job_title`;

export type StatementSql = {
  id: string;
  transaction_id: string;
  at: Date;
  kind: string;
  memo: string | null;
  amount: string;
  other_kind: string | null;
  other_name: string | null;
  other_scope: string | null;
  other_job_id: string | null;
  other_job_node_id: string | null;
  other_job_payment: string | null;
  other_job_title: string | null;
};

export function statementLine(r: StatementSql): AccountStatementLine {
  const other: OtherSide = {
    kind: r.other_kind,
    name: r.other_name,
    scope: r.other_scope,
    job: r.other_job_id ? { id: r.other_job_id, title: r.other_job_title ?? '', nodeId: r.other_job_node_id, payment: r.other_job_payment } : null,
  };
  const amount = BigInt(r.amount);
  return { entryId: r.id, transactionId: r.transaction_id, at: r.at, kind: r.kind, memo: r.memo, other, amount, description: entryWords(r.kind, amount, other) };
}

/** The other side in a member's words (their own pledges' holds read as the round's). */
export function memberCounterpartyWords(other: OtherSide): string {
  switch (other.kind) {
    case null:
      return '';
    case 'external':
      return 'Outside the network';
    case 'member':
      return other.name ?? 'A member';
    case 'project':
    case 'organiser':
      return other.scope ? `Project “${other.scope}”` : 'A project';
    case 'escrow':
    case 'hold':
      if (other.job) return other.scope ? `Project “${other.scope}”` : 'A project';
      // A round's hold names its project; a hold without a scope name is a market bid's or claim's.
      return other.scope ? `Funding round of “${other.scope}” (held)` : 'Held for a market order';
    case 'round':
      return other.scope ? `Funding round of “${other.scope}”` : 'A funding round';
    case 'asset':
      return other.scope ? `Asset “${other.scope}”` : 'An asset';
    default:
      return other.kind;
  }
}

const q = (s: string | null) => (s ? `“${s}”` : '');

/**
 * What an entry was, in words, seen from the account it is on: the kind of the posting, its sign
 * and its other side. A kind this does not know (added later) still reads: its name and the other side.
 */
export function entryWords(kind: string, amount: bigint, other: OtherSide): string {
  const into = amount > 0n;
  const round = other.scope ? `the round of ${q(other.scope)}` : 'a funding round';
  const job = other.job ? `job ${q(other.job.title)}` : 'a job';
  const project = other.scope ? ` for ${q(other.scope)}` : '';
  const party = other.kind === 'external' ? 'outside the network' : other.kind === 'member' ? (other.name ?? 'a member') : other.scope ? q(other.scope) : (other.name ?? 'another account');
  switch (kind) {
    case 'deposit':
      return 'Deposit';
    case 'withdrawal':
      return 'Withdrawal';
    case 'transfer':
      return into ? `Transfer from ${party}` : `Transfer to ${party}`;
    case 'share-sale':
      return into ? `Sale of asset parts to ${party}` : `Purchase of asset parts from ${party}`;
    case 'market-hold':
      return into ? 'Money held for a bid on the market' : 'Held for a bid on the market';
    case 'market-release':
      return into ? 'Market bid: held money given back' : 'Market bid: held money released';
    case 'market-trade':
      return into ? (other.kind === 'hold' ? 'Sale of asset parts on the market' : 'Market trade: the better price given back') : 'Purchase of asset parts on the market';
    case 'pledge-hold':
      return other.kind === 'hold' ? (into ? `Pledge to ${round} lowered` : `Pledge to ${round}`) : into ? 'Pledge held' : 'Pledge lowered';
    case 'pledge-capture':
      return into ? `Pledges collected by ${round}` : `Pledge collected by ${round}`;
    case 'pledge-release':
      return `Pledge to ${round} given back`;
    case 'pledge-refund':
      return `Pledge to ${round} refunded`;
    case 'job-reserve':
      return into ? `Price of ${job} held` : `Price reserved for ${job}`;
    case 'job-pay':
      return into ? `Paid for ${job}${project}` : `Payment for ${job}`;
    case 'job-release':
      return into ? `Reservation for ${job} returned` : `Reservation for ${job} released`;
    case 'lease':
      return into ? `Lease of output rights paid by ${party}` : `Lease of output rights paid to ${party}`;
    case 'lease-refund':
      return into ? `Lease ended early: refund from ${party}` : `Lease ended early: refund to ${party}`;
    case 'asset-sale':
      return into ? 'Output sold' : `Output of ${party} bought`;
    case 'asset-income':
      return into ? `Your part of the income from sales of ${other.kind === 'asset' && other.scope ? q(other.scope) : 'an asset'}` : 'Income from sales shared among the owners';
    default:
      return other.kind ? `${kind}: ${into ? 'from' : 'to'} ${party}` : kind;
  }
}

/**
 * Account statements: the entries of one ledger account with their other side and their words,
 * the running balance after each, the balance at either end of a period, a page at a time by a
 * keyset cursor (never the whole list); and the receipt of a paid job. The console's, the
 * member's, the node owner's and the project's statements all read through here.
 */
@Injectable()
export class StatementsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The member account of a member in a currency (null before any money moved), and the project account of a project. */
  async accountOf(kind: 'member' | 'project', ownerId: string, currency: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.ds.query(`SELECT id FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND currency = $3 AND scope_id IS NULL`, [kind, ownerId, currency]);
    return rows[0]?.id ?? null;
  }

  /** The currencies an owner has an account of this kind in. */
  async currenciesOf(kind: 'member' | 'project', ownerId: string): Promise<string[]> {
    const rows: Array<{ currency: string }> = await this.ds.query(`SELECT currency FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND scope_id IS NULL ORDER BY currency`, [kind, ownerId]);
    return rows.map((r) => r.currency);
  }

  /** A project's name (null: no such project). */
  async projectName(projectId: string): Promise<string | null> {
    const rows: Array<{ name: string }> = await this.ds.query(`SELECT name FROM production_projects WHERE id = $1`, [projectId]);
    return rows[0]?.name ?? null;
  }

  /** Where a job's money stands (null: no such job). */
  async jobPaymentState(jobId: string): Promise<{ nodeId: string | null; payment: string | null } | null> {
    const rows: Array<{ node_id: string | null; payment: string | null }> = await this.ds.query(`SELECT node_id, payment FROM jobs WHERE id = $1`, [jobId]);
    return rows[0] ? { nodeId: rows[0].node_id, payment: rows[0].payment } : null;
  }

  /**
   * One page of an account's statement for a period, newest first. The balance after each entry is
   * the opening balance plus the entries of the period up to it, summed in PostgreSQL, so it is the
   * account's true balance at that point whatever the page or the filter.
   */
  async page(accountId: string | null, query: StatementQuery): Promise<StatementPage> {
    if (!accountId) return { opening: 0n, closing: 0n, total: 0, lines: [], nextCursor: null };
    const [before, beforeId] = parseCursor(query.cursor ? Buffer.from(query.cursor, 'base64url').toString('utf8') : null);
    const from = query.from ?? null;
    const to = query.to ?? null;
    const [ends]: Array<{ opening: string; closing: string; total: number }> = await this.ds.query(
      `SELECT COALESCE(SUM(e.amount) FILTER (WHERE t.created_at < $2), 0)::text AS opening,
              COALESCE(SUM(e.amount) FILTER (WHERE $3::timestamptz IS NULL OR t.created_at < $3), 0)::text AS closing,
              (COUNT(*) FILTER (WHERE ($2::timestamptz IS NULL OR t.created_at >= $2) AND ($3::timestamptz IS NULL OR t.created_at < $3)))::int AS total
         FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE e.account_id = $1`,
      [accountId, from, to],
    );
    const opening = from ? BigInt(ends.opening) : 0n;
    const rows: Array<StatementSql & { balance_after: string; cursor: string }> = await this.ds.query(
      `WITH period AS (
         SELECT e.id, e.account_id, e.transaction_id, t.created_at AS at, t.kind, t.memo, e.amount,
                SUM(e.amount) OVER (ORDER BY t.created_at, e.id ROWS UNBOUNDED PRECEDING) AS period_sum
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE e.account_id = $1 AND ($2::timestamptz IS NULL OR t.created_at >= $2) AND ($3::timestamptz IS NULL OR t.created_at < $3)),
       en AS (
         SELECT * FROM period WHERE $4::timestamptz IS NULL OR (at, id) < ($4::timestamptz, $5::bigint)
          ORDER BY at DESC, id DESC LIMIT $6)
       SELECT en.id::text, en.transaction_id, en.at, en.kind, en.memo, en.amount::text, ($7::bigint + en.period_sum)::text AS balance_after,
              en.at::text || '|' || en.id::text AS cursor, ${OTHER_SIDE_COLUMNS}
         FROM en ${OTHER_SIDE}
        ORDER BY en.at DESC, en.id DESC`,
      [accountId, from, to, before, beforeId, query.limit + 1, String(opening)],
    );
    const more = rows.length > query.limit;
    const shown = rows.slice(0, query.limit);
    return {
      opening,
      closing: BigInt(ends.closing),
      total: ends.total,
      lines: shown.map((r) => ({ ...statementLine(r), balanceAfter: BigInt(r.balance_after) })),
      nextCursor: more ? Buffer.from(shown[shown.length - 1].cursor, 'utf8').toString('base64url') : null,
    };
  }

  /**
   * The next `limit` entries of an account after the cursor (oldest first), for a CSV written a
   * chunk at a time: the caller keeps the running balance, so a long account costs one pass. The
   * cursor is opaque: the time in PostgreSQL's own precision (microseconds, which a Date loses)
   * and the entry id.
   */
  async chunk(accountId: string, after: string | null, limit: number): Promise<Array<AccountStatementLine & { cursor: string }>> {
    const [at, id] = parseCursor(after);
    const rows: Array<StatementSql & { cursor: string }> = await this.ds.query(
      `WITH en AS (
         SELECT e.id, e.account_id, e.transaction_id, t.created_at AS at, t.kind, t.memo, e.amount
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE e.account_id = $1 AND ($2::timestamptz IS NULL OR (t.created_at, e.id) > ($2::timestamptz, $3::bigint))
          ORDER BY t.created_at, e.id LIMIT $4)
       SELECT en.id::text, en.transaction_id, en.at, en.kind, en.memo, en.amount::text, en.at::text || '|' || en.id::text AS cursor, ${OTHER_SIDE_COLUMNS}
         FROM en ${OTHER_SIDE}
        ORDER BY en.at, en.id`,
      [accountId, at, id, limit],
    );
    return rows.map((r) => ({ ...statementLine(r), cursor: r.cursor }));
  }

  /**
   * The receipt of a paid job: the posting that paid the node owner (`job:<id>:pay:<run>`, or
   * `…:pay:cancel` for progress paid on a cancel), who paid and who was paid. Null when no payment
   * was posted for the job (not priced, not paid yet, released).
   */
  async paidJobReceipt(jobId: string): Promise<PaidJobReceipt | null> {
    const rows: Array<{
      entry_id: string;
      transaction_id: string;
      paid_at: Date;
      amount: string;
      currency: string;
      payment: string;
      payer: string | null;
      payee: string;
      payee_id: string;
      node_id: string;
      node_name: string;
      title: string;
      quantity: number;
      unit: string;
      made: number;
    }> = await this.ds.query(
      `SELECT e.id::text AS entry_id, t.id AS transaction_id, t.created_at AS paid_at, e.amount::text, t.currency, j.payment,
              p.name AS payer, m.name AS payee, m.id AS payee_id, n.id AS node_id, n.name AS node_name, ${JOB_TITLE_SQL('j')} AS title, j.quantity, j.unit,
              COALESCE((SELECT SUM((run->>'made')::int) FROM jsonb_array_elements(j.runs) run WHERE run->>'confirmation' = 'confirmed'), 0)::int AS made
         FROM jobs j
         JOIN ledger_transactions t ON t.idempotency_key LIKE 'job:' || j.id || ':pay:%' AND t.status = 'posted'
         JOIN ledger_entries e ON e.transaction_id = t.id AND e.amount > 0
         JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'member'
         JOIN members m ON m.id = a.owner_id
         JOIN nodes n ON n.id = j.node_id
         LEFT JOIN production_projects p ON j.demand_type = 'project' AND p.id = j.demand_id
        WHERE j.id = $1 AND j.payment IN ('paid', 'part-paid')
        ORDER BY t.created_at LIMIT 1`,
      [jobId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      jobId,
      entryId: r.entry_id,
      transactionId: r.transaction_id,
      paidAt: r.paid_at,
      amount: BigInt(r.amount),
      currency: r.currency,
      payment: r.payment,
      payer: r.payer ?? 'The paying account',
      payee: r.payee,
      payeeMemberId: r.payee_id,
      nodeId: r.node_id,
      nodeName: r.node_name,
      title: r.title,
      quantity: r.quantity,
      unit: r.unit,
      made: r.made,
    };
  }
}

function parseCursor(cursor: string | null | undefined): [string | null, string | null] {
  if (!cursor) return [null, null];
  const m = /^(\d{4}-\d{2}-\d{2} [\d:.]+[+-]\d{2}(?::\d{2})?)\|(\d{1,19})$/.exec(cursor);
  if (!m) throw new BadStatementCursorError();
  return [m[1], m[2]];
}
