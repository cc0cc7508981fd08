import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CatalogueProduct } from '@app/contracts';
import type { AccountKind } from '@app/domain';
import { AUTOMATION_LEVELS } from '../entities/node.entity';
import { OTHER_SIDE, OTHER_SIDE_COLUMNS, StatementSql, statementLine as sharedLine, StatementsRepository } from '../statements/statements.repository';
import type { LedgerAccountRow } from './console.repository';

type PageArg = { limit: number; offset: number };

export interface BackerRow {
  memberId: string;
  name: string;
  /** What the member pledges now (minor units). */
  amount: bigint;
  /** Moved into the round at a funded close. */
  captured: bigint;
  /** Given back (hold released or capture refunded). */
  returned: boolean;
  /** The member's last change of the pledge. */
  pledgedAt: Date;
}

export interface ConsoleAssetRow {
  id: string;
  name: string;
  kind: string;
  identifier: string;
  portable: boolean;
  totalParts: bigint;
  nodeName: string | null;
  owners: number;
  /** Where a portable asset was last seen: a location's name or the free text. */
  lastPlace: string | null;
  catalogue: CatalogueProduct[];
  quarterlyCapacity: number | null;
  capacityUnit: string | null;
  timeZone: string;
  createdAt: Date;
}

export interface AssetOwnerRow {
  memberId: string;
  name: string;
  parts: bigint;
  outputParts: bigint;
}

export interface ShareTransferRow {
  id: string;
  fromName: string;
  toName: string;
  parts: bigint;
  price: bigint;
  currency: string;
  at: Date;
}

export interface MovementRow {
  locationName: string | null;
  place: string | null;
  movedAt: Date;
}

export interface QuarterRow {
  quarter: string;
  status: string;
  windowOpensAt: Date;
  windowClosesAt: Date;
  startsAt: Date;
  capacity: number | null;
  spare: number | null;
  /** Owners asked when the window opened (orders in the database; 0 for older quarters). */
  owners: number;
  /** Of those, who placed an order. */
  ordered: number;
  catalogue: CatalogueProduct[] | null;
  /** Per product: what the owners asked for and (once planned) what the allocation granted. */
  products: Array<{ productId: string; requested: number; granted: number | null }>;
}

export interface StatementLine {
  entryId: string;
  at: Date;
  kind: string;
  memo: string | null;
  counterparty: string;
  /** What it was, in words (StatementsRepository). */
  description: string;
  amount: bigint;
}

export interface ConsoleMemberRow {
  id: string;
  name: string;
  email: string;
  status: string;
  nodes: number;
  assets: number;
  createdAt: Date;
}

export interface ConsoleLocationRow {
  id: string;
  name: string;
  kind: string;
  address: string;
  nodes: number;
  nodeNames: string[];
}

export interface ConsoleDecisionRow {
  id: string;
  kind: string;
  title: string;
  status: string;
  deadline: Date;
  asked: number;
  answered: number;
  createdAt: Date;
}

export interface VoterRow {
  memberId: string;
  name: string;
  answered: boolean;
  answeredAt: Date | null;
}

export interface ConsoleOutboxRow {
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** The other side of a ledger entry in words, as a coordinator reads it. */
export function counterpartyWords(kind: string | null, name: string | null, scope: string | null, job: { title: string } | null = null): string {
  if (kind === 'hold' && job) return `Job “${job.title}”${scope ? ` of “${scope}”` : ''} (held)`;
  switch (kind) {
    case null:
      return '';
    case 'external':
      return 'Outside the network';
    case 'member':
      return name ?? 'A member';
    case 'hold':
      return `${name ?? 'A member'}: held for ${scope ? `the round of “${scope}”` : 'a round'}`;
    case 'project':
      return scope ? `Project “${scope}”` : 'A project';
    case 'organiser':
      return scope ? `Organiser of “${scope}”` : 'An organiser';
    case 'escrow':
    case 'round':
      return scope ? `Funding round of “${scope}”` : 'A funding round';
    default:
      return kind;
  }
}

const statementLine = (r: StatementSql): StatementLine => {
  const line = sharedLine(r);
  return { entryId: line.entryId, at: line.at, kind: line.kind, memo: line.memo, amount: line.amount, description: line.description, counterparty: counterpartyWords(line.other.kind, line.other.name, line.other.scope, line.other.job) };
};

/**
 * The coordinator console's further reads (rounds' backers, assets, an account's statement,
 * members, locations, decisions, the mail outbox): every list a page at a time, by name.
 */
@Injectable()
export class ConsolePagesRepository {
  /** The one statement query (this page keeps its offset paging; the CSV reads its chunks). */
  private readonly statements: StatementsRepository;

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    this.statements = new StatementsRepository(ds);
  }

  private async count(sql: string, params: unknown[]): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await this.ds.query(sql, params);
    return n;
  }

  /**
   * A round's backers with a pledge above 0, by name, the latest pledge first. "Latest" is the
   * member's own last change: the ledger posting of that change (keyed by the pledge's `seq`, a
   * unique-index lookup), since the row's `updated_at` also moves when the round settles.
   */
  async backers(roundId: string, page: PageArg): Promise<{ rows: BackerRow[]; total: number }> {
    const where = `p.round_id = $1 AND p.amount > 0`;
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM funding_pledges p WHERE ${where}`, [roundId]);
    const rows: Array<{ member_id: string; name: string; amount: string; captured: string; returned: boolean; pledged_at: Date }> = await this.ds.query(
      `SELECT p.member_id, m.name, p.amount::text, p.captured_amount::text AS captured, p.returned_at IS NOT NULL AS returned,
              COALESCE(t.created_at, p.updated_at) AS pledged_at
         FROM funding_pledges p JOIN members m ON m.id = p.member_id
         LEFT JOIN ledger_transactions t ON t.idempotency_key = 'round:' || p.round_id || ':hold:' || p.member_id || ':' || p.seq
        WHERE ${where} ORDER BY pledged_at DESC, p.member_id LIMIT $2 OFFSET $3`,
      [roundId, page.limit, page.offset],
    );
    return {
      total,
      rows: rows.map((r) => ({ memberId: r.member_id, name: r.name, amount: BigInt(r.amount), captured: BigInt(r.captured), returned: r.returned, pledgedAt: r.pledged_at })),
    };
  }

  private static readonly ASSET_SELECT = `
    SELECT a.id, a.name, a.kind, a.identifier, a.portable, a.total_parts::text, n.name AS node_name, a.output_catalogue, a.quarterly_capacity, a.capacity_unit, a.time_zone, a.created_at,
           (SELECT COUNT(*)::int FROM asset_shares s WHERE s.asset_id = a.id AND s.parts > 0) AS owners,
           (SELECT COALESCE(l.name, mv.place) FROM asset_movements mv LEFT JOIN locations l ON l.id = mv.location_id
             WHERE mv.asset_id = a.id ORDER BY mv.moved_at DESC, mv.id DESC LIMIT 1) AS last_place
      FROM assets a LEFT JOIN nodes n ON n.id = a.node_id`;

  private static assetRow(r: Record<string, unknown>): ConsoleAssetRow {
    return {
      id: r.id as string,
      name: r.name as string,
      kind: r.kind as string,
      identifier: r.identifier as string,
      portable: r.portable as boolean,
      totalParts: BigInt(r.total_parts as string),
      nodeName: r.node_name as string | null,
      owners: r.owners as number,
      lastPlace: r.last_place as string | null,
      catalogue: r.output_catalogue as CatalogueProduct[],
      quarterlyCapacity: r.quarterly_capacity as number | null,
      capacityUnit: r.capacity_unit as string | null,
      timeZone: r.time_zone as string,
      createdAt: r.created_at as Date,
    };
  }

  /** Every asset by name, with its node, how many own it and where a portable one is. */
  async assets(page: PageArg): Promise<{ rows: ConsoleAssetRow[]; total: number }> {
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM assets`, []);
    const rows: Array<Record<string, unknown>> = await this.ds.query(`${ConsolePagesRepository.ASSET_SELECT} ORDER BY a.name, a.id LIMIT $1 OFFSET $2`, [page.limit, page.offset]);
    return { total, rows: rows.map(ConsolePagesRepository.assetRow) };
  }

  async asset(id: string): Promise<ConsoleAssetRow | null> {
    const [row]: Array<Record<string, unknown>> = await this.ds.query(`${ConsolePagesRepository.ASSET_SELECT} WHERE a.id = $1`, [id]);
    return row ? ConsolePagesRepository.assetRow(row) : null;
  }

  /** An asset's owners by name, largest fraction first. */
  async owners(assetId: string, page: PageArg): Promise<{ rows: AssetOwnerRow[]; total: number; ownedParts: bigint }> {
    const [{ n, owned }]: Array<{ n: number; owned: string }> = await this.ds.query(
      `SELECT COUNT(*)::int AS n, COALESCE(SUM(parts), 0)::text AS owned FROM asset_shares WHERE asset_id = $1 AND (parts > 0 OR output_parts > 0)`,
      [assetId],
    );
    const rows: Array<{ member_id: string; name: string; parts: string; output_parts: string }> = await this.ds.query(
      `SELECT s.member_id, m.name, s.parts::text, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id
        WHERE s.asset_id = $1 AND (s.parts > 0 OR s.output_parts > 0) ORDER BY s.parts DESC, m.name, s.member_id LIMIT $2 OFFSET $3`,
      [assetId, page.limit, page.offset],
    );
    return { total: n, ownedParts: BigInt(owned), rows: rows.map((r) => ({ memberId: r.member_id, name: r.name, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) })) };
  }

  /** The ownership trail: share transfers that went through, newest first. */
  async transfers(assetId: string, page: PageArg): Promise<{ rows: ShareTransferRow[]; total: number }> {
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM share_transfers WHERE asset_id = $1 AND status = 'done'`, [assetId]);
    const rows: Array<{ id: string; from_name: string; to_name: string; parts: string; price: string; currency: string; created_at: Date }> = await this.ds.query(
      `SELECT t.id, f.name AS from_name, b.name AS to_name, t.parts::text, t.price::text, t.currency, t.created_at
         FROM share_transfers t JOIN members f ON f.id = t.from_member_id JOIN members b ON b.id = t.to_member_id
        WHERE t.asset_id = $1 AND t.status = 'done' ORDER BY t.created_at DESC, t.id LIMIT $2 OFFSET $3`,
      [assetId, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ id: r.id, fromName: r.from_name, toName: r.to_name, parts: BigInt(r.parts), price: BigInt(r.price), currency: r.currency, at: r.created_at })) };
  }

  /** Where a portable asset went, newest first. */
  async movements(assetId: string, page: PageArg): Promise<{ rows: MovementRow[]; total: number }> {
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM asset_movements WHERE asset_id = $1`, [assetId]);
    const rows: Array<{ location_name: string | null; place: string | null; moved_at: Date }> = await this.ds.query(
      `SELECT l.name AS location_name, mv.place, mv.moved_at FROM asset_movements mv LEFT JOIN locations l ON l.id = mv.location_id
        WHERE mv.asset_id = $1 ORDER BY mv.moved_at DESC, mv.id DESC LIMIT $2 OFFSET $3`,
      [assetId, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ locationName: r.location_name, place: r.place, movedAt: r.moved_at })) };
  }

  /**
   * The asset's latest quarters: per product what the owners asked for and what the allocation
   * granted (summed in PostgreSQL, so the answer does not grow with the owners). Before the plan,
   * the requests are the orders placed so far (standing orders count at the close).
   */
  async quarters(assetId: string, limit: number): Promise<QuarterRow[]> {
    const rows: Array<{
      quarter: string;
      status: string;
      window_opens_at: Date;
      window_closes_at: Date;
      starts_at: Date;
      capacity: number | null;
      spare: number | null;
      owners: number;
      ordered: number;
      catalogue: CatalogueProduct[] | null;
      planned: Array<{ product: string; requested: string; granted: string }> | null;
      placed: Array<{ product: string; requested: string }> | null;
    }> = await this.ds.query(
      `SELECT p.quarter, p.status, p.window_opens_at, p.window_closes_at, p.starts_at, p.catalogue,
              COALESCE((p.plan ->> 'capacity')::int, p.capacity) AS capacity, (p.plan ->> 'spare')::int AS spare,
              (SELECT COUNT(*)::int FROM output_orders o WHERE o.asset_id = p.asset_id AND o.quarter = p.quarter) AS owners,
              (SELECT COUNT(*)::int FROM output_orders o WHERE o.asset_id = p.asset_id AND o.quarter = p.quarter AND o.lines IS NOT NULL) AS ordered,
              (SELECT jsonb_agg(x ORDER BY x.product) FROM (
                 SELECT l ->> 'productId' AS product, SUM((l ->> 'requested')::bigint)::text AS requested, SUM((l ->> 'granted')::bigint)::text AS granted
                   FROM jsonb_array_elements(COALESCE(p.plan -> 'lines', '[]'::jsonb)) l GROUP BY 1) x) AS planned,
              (SELECT jsonb_agg(x ORDER BY x.product) FROM (
                 SELECT l ->> 'productId' AS product, SUM((l ->> 'quantity')::bigint)::text AS requested
                   FROM output_orders o, jsonb_array_elements(COALESCE(o.lines, '[]'::jsonb)) l
                  WHERE o.asset_id = p.asset_id AND o.quarter = p.quarter GROUP BY 1) x) AS placed
         FROM output_plans p WHERE p.asset_id = $1 ORDER BY p.quarter DESC LIMIT $2`,
      [assetId, limit],
    );
    return rows.map((r) => ({
      quarter: r.quarter,
      status: r.status,
      windowOpensAt: r.window_opens_at,
      windowClosesAt: r.window_closes_at,
      startsAt: r.starts_at,
      capacity: r.capacity,
      spare: r.spare,
      owners: r.owners,
      ordered: r.ordered,
      catalogue: r.catalogue,
      products: r.planned?.length
        ? r.planned.map((x) => ({ productId: x.product, requested: Number(x.requested), granted: Number(x.granted) }))
        : (r.placed ?? []).map((x) => ({ productId: x.product, requested: Number(x.requested), granted: null })),
    }));
  }

  /** One ledger account with its owner's name and its balance. */
  async account(id: string): Promise<LedgerAccountRow | null> {
    const [r]: Array<{ id: string; kind: AccountKind; owner_id: string; owner_name: string | null; scope_name: string | null; currency: string; balance: string }> = await this.ds.query(
      `SELECT a.id, a.kind, a.owner_id, a.currency,
              COALESCE(m.name, p.name, rp.name) AS owner_name, hp.name AS scope_name,
              (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)::text AS balance
         FROM ledger_accounts a
         LEFT JOIN members m ON a.kind IN ('member', 'hold') AND m.id = a.owner_id
         LEFT JOIN production_projects p ON a.kind IN ('project', 'organiser') AND p.id = a.owner_id
         LEFT JOIN funding_rounds r ON a.kind IN ('round', 'escrow') AND r.id = a.owner_id
         LEFT JOIN production_projects rp ON rp.id = r.project_id
         LEFT JOIN funding_rounds hr ON a.kind = 'hold' AND hr.id = a.scope_id
         LEFT JOIN production_projects hp ON hp.id = hr.project_id
        WHERE a.id = $1`,
      [id],
    );
    return r ? { id: r.id, kind: r.kind, ownerId: r.owner_id, ownerName: r.owner_name, scopeName: r.scope_name, currency: r.currency, balance: BigInt(r.balance) } : null;
  }

  /**
   * An account's statement, newest first, a page at a time: each entry with the other side by
   * name and the balance after it (summed over the entries before it, in PostgreSQL).
   */
  async statement(accountId: string, page: PageArg): Promise<{ rows: Array<StatementLine & { balanceAfter: bigint }>; total: number }> {
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM ledger_entries WHERE account_id = $1`, [accountId]);
    const rows: Array<StatementSql & { balance_after: string }> = await this.ds.query(
      `WITH en AS (
         SELECT e.id, e.account_id, e.transaction_id, t.created_at AS at, t.kind, t.memo, e.amount,
                SUM(e.amount) OVER (ORDER BY t.created_at, e.id ROWS UNBOUNDED PRECEDING) AS balance_after
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE e.account_id = $1
          ORDER BY t.created_at DESC, e.id DESC LIMIT $2 OFFSET $3)
       SELECT en.id::text, en.transaction_id, en.at, en.kind, en.memo, en.amount::text, en.balance_after::text, ${OTHER_SIDE_COLUMNS}
         FROM en ${OTHER_SIDE}
        ORDER BY en.at DESC, en.id DESC`,
      [accountId, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ ...statementLine(r), balanceAfter: BigInt(r.balance_after) })) };
  }

  /**
   * The next `limit` entries of an account after the cursor (oldest first), for a CSV written a
   * chunk at a time: the caller keeps the running balance, so a long account costs one pass. The
   * cursor is opaque: the time in PostgreSQL's own precision (microseconds, which a Date loses)
   * and the entry id.
   */
  async statementChunk(accountId: string, after: string | null, limit: number): Promise<Array<StatementLine & { cursor: string }>> {
    const lines = await this.statements.chunk(accountId, after, limit);
    return lines.map((l) => ({ entryId: l.entryId, at: l.at, kind: l.kind, memo: l.memo, amount: l.amount, description: l.description, counterparty: counterpartyWords(l.other.kind, l.other.name, l.other.scope, l.other.job), cursor: l.cursor }));
  }

  /** Members by name, with how many nodes they run and assets they co-own. */
  async members(filter: { q?: string }, page: PageArg): Promise<{ rows: ConsoleMemberRow[]; total: number }> {
    const like = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const where = `($1::text IS NULL OR m.name ILIKE $1 OR m.email ILIKE $1)`;
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM members m WHERE ${where}`, [like]);
    const rows: Array<{ id: string; name: string; email: string; status: string; nodes: number; assets: number; created_at: Date }> = await this.ds.query(
      `SELECT m.id, m.name, m.email, m.status, m.created_at,
              (SELECT COUNT(*)::int FROM nodes n WHERE n.owner_member_id = m.id) AS nodes,
              (SELECT COUNT(*)::int FROM asset_shares s WHERE s.member_id = m.id AND s.parts > 0) AS assets
         FROM members m WHERE ${where} ORDER BY m.name, m.id LIMIT $2 OFFSET $3`,
      [like, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ id: r.id, name: r.name, email: r.email, status: r.status, nodes: r.nodes, assets: r.assets, createdAt: r.created_at })) };
  }

  /** Locations by name, with their nodes (the first few by name, and how many). */
  async locations(page: PageArg): Promise<{ rows: ConsoleLocationRow[]; total: number }> {
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM locations`, []);
    const rows: Array<{ id: string; name: string; kind: string; address: string; nodes: number; node_names: string[] | null }> = await this.ds.query(
      `SELECT l.id, l.name, l.kind, l.address,
              (SELECT COUNT(*)::int FROM nodes n WHERE n.location_id = l.id) AS nodes,
              ARRAY(SELECT n.name FROM nodes n WHERE n.location_id = l.id ORDER BY n.name, n.id LIMIT 10) AS node_names
         FROM locations l ORDER BY l.name, l.id LIMIT $1 OFFSET $2`,
      [page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, address: r.address, nodes: r.nodes, nodeNames: r.node_names ?? [] })) };
  }

  /** Decisions, open ones first (soonest deadline), then the rest newest first; with how many answered. */
  async decisions(filter: { status?: string }, page: PageArg): Promise<{ rows: ConsoleDecisionRow[]; total: number }> {
    const where = `($1::text IS NULL OR d.status = $1)`;
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM decisions d WHERE ${where}`, [filter.status ?? null]);
    const rows: Array<{ id: string; kind: string; title: string; status: string; deadline: Date; asked: number; answered: number; created_at: Date }> = await this.ds.query(
      `SELECT d.id, d.kind, d.title, d.status, d.deadline, d.created_at,
              CASE WHEN d.answers_in = 'database' THEN c.asked ELSE d.asked END AS asked,
              CASE WHEN d.answers_in = 'database' THEN c.answered ELSE d.answered END AS answered
         FROM decisions d
         LEFT JOIN LATERAL (SELECT COUNT(*)::int AS asked, COUNT(v.option_id)::int AS answered FROM decision_voters v WHERE v.decision_id = d.id) c ON true
        WHERE ${where}
        ORDER BY CASE WHEN d.status = 'open' THEN 0 ELSE 1 END, CASE WHEN d.status = 'open' THEN d.deadline END ASC, d.created_at DESC, d.id
        LIMIT $2 OFFSET $3`,
      [filter.status ?? null, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ id: r.id, kind: r.kind, title: r.title, status: r.status, deadline: r.deadline, asked: r.asked, answered: r.answered, createdAt: r.created_at })) };
  }

  /**
   * Who was asked and whether they have answered (never what): those still to answer first, by
   * name. `answered` filters.
   */
  async voters(decisionId: string, filter: { answered?: boolean }, page: PageArg): Promise<{ rows: VoterRow[]; total: number }> {
    const where = `v.decision_id = $1 AND ($2::boolean IS NULL OR (v.option_id IS NOT NULL) = $2)`;
    const params = [decisionId, filter.answered ?? null];
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM decision_voters v WHERE ${where}`, params);
    const rows: Array<{ member_id: string; name: string; answered: boolean; answered_at: Date | null }> = await this.ds.query(
      `SELECT v.member_id, m.name, v.option_id IS NOT NULL AS answered, v.answered_at
         FROM decision_voters v JOIN members m ON m.id = v.member_id
        WHERE ${where} ORDER BY (v.option_id IS NOT NULL), m.name, v.member_id LIMIT $3 OFFSET $4`,
      [...params, page.limit, page.offset],
    );
    return { total, rows: rows.map((r) => ({ memberId: r.member_id, name: r.name, answered: r.answered, answeredAt: r.answered_at })) };
  }

  /** The mail the network sent or means to send, newest first: to whom, the subject and how it went (never the body). */
  async outbox(filter: { status?: string }, page: PageArg): Promise<{ rows: ConsoleOutboxRow[]; total: number; byStatus: Array<{ status: string; count: number }> }> {
    const where = `($1::text IS NULL OR status = $1)`;
    const total = await this.count(`SELECT COUNT(*)::int AS n FROM mail_outbox WHERE ${where}`, [filter.status ?? null]);
    const rows: Array<{ recipient: string; subject: string; status: string; attempts: number; last_error: string | null; created_at: Date; sent_at: Date | null }> = await this.ds.query(
      `SELECT recipient, subject, status, attempts, last_error, created_at, sent_at FROM mail_outbox WHERE ${where}
        ORDER BY created_at DESC, key LIMIT $2 OFFSET $3`,
      [filter.status ?? null, page.limit, page.offset],
    );
    const byStatus: Array<{ status: string; count: number }> = await this.ds.query(`SELECT status, COUNT(*)::int AS count FROM mail_outbox GROUP BY status ORDER BY status`);
    return {
      total,
      byStatus,
      rows: rows.map((r) => ({ recipient: r.recipient, subject: r.subject, status: r.status, attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at })),
    };
  }

  /**
   * Nodes per automation level at the end of each of the last `weeks` weeks (the last point: now),
   * from the recorded level changes; and since when they are recorded.
   */
  async levelHistory(weeks: number): Promise<{ since: Date | null; points: Array<{ at: Date; levels: Array<{ level: string; count: number }> }> }> {
    const rows: Array<{ at: Date; level: string | null; count: number }> = await this.ds.query(
      `WITH b AS (
         SELECT LEAST(g, now()) AS at FROM generate_series(date_trunc('week', now()) - ($1::int - 2) * interval '1 week', date_trunc('week', now()) + interval '1 week', interval '1 week') g)
       SELECT b.at, x.level, COUNT(x.level)::int AS count FROM b
         LEFT JOIN LATERAL (
           SELECT DISTINCT ON (c.node_id) c.to_level AS level FROM node_level_changes c
            WHERE c.changed_at <= b.at ORDER BY c.node_id, c.changed_at DESC, c.id DESC) x ON true
        GROUP BY b.at, x.level ORDER BY b.at`,
      [weeks],
    );
    const [{ since }]: Array<{ since: Date | null }> = await this.ds.query(`SELECT MIN(changed_at) AS since FROM node_level_changes`);
    const byTime = new Map<number, { at: Date; counts: Map<string, number> }>();
    for (const r of rows) {
      const p = byTime.get(r.at.getTime()) ?? { at: r.at, counts: new Map<string, number>() };
      if (r.level) p.counts.set(r.level, r.count);
      byTime.set(r.at.getTime(), p);
    }
    return {
      since,
      // Every level in the order of the upgrade path, also those no node has (yet).
      points: [...byTime.values()].map((p) => ({ at: p.at, levels: AUTOMATION_LEVELS.map((level) => ({ level, count: p.counts.get(level) ?? 0 })) })),
    };
  }
}
