import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { AccountKind } from '@app/domain';
import { AUTOMATION_LEVELS } from '../entities/node.entity';
import { FundingRoundEntity } from '../entities/funding-round.entity';
import { JobEntity } from '../entities/job.entity';

/** A node as the console's network page shows it. */
export interface NetworkNodeRow {
  id: string;
  name: string;
  ownerName: string;
  locationId: string | null;
  locationName: string | null;
  automationLevel: string;
  capabilities: Array<{ function: string; capacity: number; unit: string }>;
  status: string;
  webhookDisabled: boolean;
  wipLimit: number;
  /** Jobs accepted and not yet delivered. */
  load: number;
  openOffers: number;
  /** Mean seconds from offer to answer (accepted, rejected or countered) over the last 90 days; null: none answered. */
  responseSeconds: number | null;
  /** Completions over the last 90 days, and those by the due date. */
  completed: number;
  onTime: number;
  /** Made (accepted by the recipient or awaiting an answer) and scrapped (plus rejected deliveries), over every run. */
  made: number;
  scrapped: number;
}

export interface NetworkSummary {
  nodes: NetworkNodeRow[];
  total: number;
  levels: Array<{ level: string; count: number }>;
  locations: Array<{ id: string | null; name: string | null; count: number }>;
}

/** The job board's columns, in the order a job moves (rework: back after a rejected delivery). */
export const BOARD_COLUMNS = ['waiting', 'offered', 'accepted', 'in-progress', 'delivered', 'confirmed', 'rework'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];

const REWORK = `COALESCE(j.runs -> -1 ->> 'confirmation', '') = 'rejected'`;
const OPEN = `j.status IN ('searching', 'waiting-for-capacity', 'no-node', 'offered', 'accepted', 'in-progress')`;
const COLUMN_WHERE: Record<BoardColumn, { where: string; order: string }> = {
  waiting: { where: `j.status IN ('searching', 'waiting-for-capacity', 'no-node') AND NOT ${REWORK}`, order: 'j.due_at ASC' },
  offered: { where: `j.status = 'offered' AND NOT ${REWORK}`, order: 'j.due_at ASC' },
  accepted: { where: `j.status = 'accepted' AND NOT ${REWORK}`, order: 'j.due_at ASC' },
  'in-progress': { where: `j.status = 'in-progress' AND NOT ${REWORK}`, order: 'j.due_at ASC' },
  delivered: { where: `j.status = 'delivered'`, order: 'j.completed_at DESC NULLS LAST' },
  confirmed: { where: `j.status = 'confirmed'`, order: 'j.confirmed_at DESC NULLS LAST' },
  rework: { where: `${OPEN} AND ${REWORK}`, order: 'j.due_at ASC' },
};

export interface BoardJobRow {
  job: JobEntity;
  nodeName: string | null;
}

export interface ConsoleRoundRow {
  round: FundingRoundEntity;
  projectName: string;
}

export interface LedgerAccountRow {
  id: string;
  kind: AccountKind;
  ownerId: string;
  /** The member, the project, or the project a round raises for; null for the network's own accounts. */
  ownerName: string | null;
  /** For a member's hold: the project of the round it is held for. */
  scopeName: string | null;
  currency: string;
  balance: bigint;
}

/**
 * The coordinator console's reads that no other endpoint serves: the network at a glance, the job
 * board, every funding round, and the ledger's accounts by owner name. Each list is bounded (a
 * page, or the first jobs of each column with the column's total).
 */
@Injectable()
export class ConsoleRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async network(page: { limit: number; offset: number }): Promise<NetworkSummary> {
    const rows: Array<{
      id: string;
      name: string;
      owner_name: string;
      location_id: string | null;
      location_name: string | null;
      automation_level: string;
      capabilities: NetworkNodeRow['capabilities'];
      status: string;
      webhook_disabled: boolean;
      wip_limit: number;
      load: number;
      open_offers: number;
      response_seconds: number | null;
      completed: number;
      on_time: number;
      made: string;
      scrapped: string;
    }> = await this.ds.query(
      `WITH page AS (
         SELECT n.* FROM nodes n LEFT JOIN locations l ON l.id = n.location_id
          ORDER BY l.name NULLS LAST, n.name, n.id LIMIT $1 OFFSET $2)
       SELECT n.id, n.name, m.name AS owner_name, n.location_id, l.name AS location_name, n.automation_level, n.capabilities, n.status,
              n.webhook_disabled_at IS NOT NULL AS webhook_disabled, n.wip_limit,
              (SELECT COUNT(*)::int FROM jobs j WHERE j.node_id = n.id AND j.status IN ('accepted', 'in-progress')) AS load,
              (SELECT COUNT(*)::int FROM jobs j WHERE j.status = 'offered' AND j.offers -> -1 ->> 'nodeId' = n.id::text) AS open_offers,
              (SELECT (EXTRACT(EPOCH FROM AVG(o.answered_at - o.offered_at)))::float8 FROM job_offers o
                WHERE o.node_id = n.id AND o.answer IN ('accepted', 'rejected', 'countered') AND o.offered_at > now() - interval '90 days') AS response_seconds,
              c.completed, c.on_time, y.made::text, y.scrapped::text
         FROM page n
         JOIN members m ON m.id = n.owner_member_id
         LEFT JOIN locations l ON l.id = n.location_id
         LEFT JOIN LATERAL (
           SELECT COUNT(*)::int AS completed, (COUNT(*) FILTER (WHERE j.completed_at <= j.due_at))::int AS on_time
             FROM jobs j WHERE j.node_id = n.id AND j.completed_at > now() - interval '90 days') c ON true
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(CASE WHEN r->>'confirmation' = 'rejected' THEN 0 ELSE (r->>'made')::bigint END), 0) AS made,
                  COALESCE(SUM((r->>'scrapped')::bigint + CASE WHEN r->>'confirmation' = 'rejected' THEN (r->>'made')::bigint ELSE 0 END), 0) AS scrapped
             FROM jobs j, jsonb_array_elements(j.runs) r WHERE j.node_id = n.id) y ON true
        ORDER BY l.name NULLS LAST, n.name, n.id`,
      [page.limit, page.offset],
    );
    const levels: Array<{ level: string; count: number }> = await this.ds.query(`SELECT automation_level AS level, COUNT(*)::int AS count FROM nodes GROUP BY automation_level`);
    const locations: Array<{ id: string | null; name: string | null; count: number }> = await this.ds.query(
      `SELECT l.id, l.name, COUNT(*)::int AS count FROM nodes n LEFT JOIN locations l ON l.id = n.location_id GROUP BY l.id, l.name ORDER BY l.name NULLS LAST`,
    );
    return {
      total: locations.reduce((s, l) => s + l.count, 0),
      // Every level, in the order of the upgrade path, also those no node has yet.
      levels: AUTOMATION_LEVELS.map((level) => ({ level, count: levels.find((l) => l.level === level)?.count ?? 0 })),
      locations,
      nodes: rows.map((r) => ({
        id: r.id,
        name: r.name,
        ownerName: r.owner_name,
        locationId: r.location_id,
        locationName: r.location_name,
        automationLevel: r.automation_level,
        capabilities: r.capabilities,
        status: r.status,
        webhookDisabled: r.webhook_disabled,
        wipLimit: r.wip_limit,
        load: r.load,
        openOffers: r.open_offers,
        responseSeconds: r.response_seconds === null ? null : Math.round(r.response_seconds),
        completed: r.completed,
        onTime: r.on_time,
        made: Number(r.made),
        scrapped: Number(r.scrapped),
      })),
    };
  }

  /** One column of the job board: its first `limit` jobs (with their nodes' names) and how many it holds. */
  async boardColumn(column: BoardColumn, limit: number): Promise<{ rows: BoardJobRow[]; total: number }> {
    const { where, order } = COLUMN_WHERE[column];
    const [{ total }]: Array<{ total: number }> = await this.ds.query(`SELECT COUNT(*)::int AS total FROM jobs j WHERE ${where}`);
    if (total === 0) return { rows: [], total };
    const ids: Array<{ id: string; node_name: string | null }> = await this.ds.query(
      `SELECT j.id, n.name AS node_name FROM jobs j LEFT JOIN nodes n ON n.id = j.node_id WHERE ${where} ORDER BY ${order}, j.id LIMIT $1`,
      [limit],
    );
    const jobs = await this.ds.getRepository(JobEntity).findBy({ id: In(ids.map((r) => r.id)) });
    const byId = new Map(jobs.map((j) => [j.id, j]));
    return { rows: ids.flatMap((r) => (byId.has(r.id) ? [{ job: byId.get(r.id)!, nodeName: r.node_name }] : [])), total };
  }

  /** The names of nodes (for offers: the node a job is offered to is not its node yet). */
  async nodeNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows: Array<{ id: string; name: string }> = await this.ds.query(`SELECT id, name FROM nodes WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Every funding round, those that need the coordinator first (a payout to approve), then the open
   * ones (nearest deadline first), then the rest (latest first); with the project's name and how
   * many rounds there are by status.
   */
  async rounds(filter: { status?: string }, page: { limit: number; offset: number }): Promise<{ rows: ConsoleRoundRow[]; total: number; byStatus: Array<{ status: string; count: number }> }> {
    const qb = this.ds
      .getRepository(FundingRoundEntity)
      .createQueryBuilder('r')
      .innerJoin('production_projects', 'p', 'p.id = r.project_id')
      .addSelect('p.name', 'project_name')
      .addSelect(`CASE r.status WHEN 'awaiting-payout' THEN 0 WHEN 'open' THEN 1 WHEN 'opening' THEN 1 WHEN 'closing' THEN 1 WHEN 'capturing' THEN 2 WHEN 'paying-out' THEN 2 WHEN 'releasing' THEN 2 ELSE 3 END`, 'rank');
    if (filter.status) qb.where('r.status = :status', { status: filter.status });
    const total = await qb.getCount();
    const { entities, raw } = await qb
      .orderBy('rank', 'ASC')
      .addOrderBy(`CASE WHEN r.status IN ('open', 'opening', 'closing') THEN r.deadline END`, 'ASC')
      .addOrderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'ASC')
      .limit(page.limit)
      .offset(page.offset)
      .getRawAndEntities<{ project_name: string }>();
    const byStatus: Array<{ status: string; count: number }> = await this.ds.query(`SELECT status, COUNT(*)::int AS count FROM funding_rounds GROUP BY status ORDER BY status`);
    return { rows: entities.map((round, i) => ({ round, projectName: raw[i].project_name })), total, byStatus };
  }

  /**
   * Ledger accounts with their owners' names and balances (derived from the entries), a page at a
   * time, by kind and currency.
   */
  async accounts(filter: { kind?: AccountKind; currency?: string }, page: { limit: number; offset: number }): Promise<{ rows: LedgerAccountRow[]; total: number }> {
    const params = [filter.kind ?? null, filter.currency ?? null];
    const [{ total }]: Array<{ total: number }> = await this.ds.query(
      `SELECT COUNT(*)::int AS total FROM ledger_accounts a WHERE ($1::text IS NULL OR a.kind = $1) AND ($2::text IS NULL OR a.currency = $2)`,
      params,
    );
    const rows: Array<{ id: string; kind: AccountKind; owner_id: string; owner_name: string | null; scope_name: string | null; currency: string; balance: string }> = await this.ds.query(
      `WITH page AS (
         SELECT a.* FROM ledger_accounts a
          WHERE ($1::text IS NULL OR a.kind = $1) AND ($2::text IS NULL OR a.currency = $2)
          ORDER BY a.kind, a.currency, a.created_at, a.id LIMIT $3 OFFSET $4)
       SELECT a.id, a.kind, a.owner_id, a.currency,
              COALESCE(m.name, p.name, rp.name, ast.name) AS owner_name, hp.name AS scope_name,
              (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)::text AS balance
         FROM page a
         LEFT JOIN members m ON a.kind IN ('member', 'hold') AND m.id = a.owner_id
         LEFT JOIN production_projects p ON a.kind IN ('project', 'organiser') AND p.id = a.owner_id
         LEFT JOIN funding_rounds r ON a.kind IN ('round', 'escrow') AND r.id = a.owner_id
         LEFT JOIN production_projects rp ON rp.id = r.project_id
         LEFT JOIN funding_rounds hr ON a.kind = 'hold' AND hr.id = a.scope_id
         LEFT JOIN production_projects hp ON hp.id = hr.project_id
         LEFT JOIN assets ast ON a.kind = 'asset' AND ast.id = a.owner_id
        ORDER BY a.kind, a.currency, a.created_at, a.id`,
      [...params, page.limit, page.offset],
    );
    return {
      total,
      rows: rows.map((r) => ({ id: r.id, kind: r.kind, ownerId: r.owner_id, ownerName: r.owner_name, scopeName: r.scope_name, currency: r.currency, balance: BigInt(r.balance) })),
    };
  }
}
