import { Injectable } from '@nestjs/common';
import { ConsoleAssetRow, ConsoleDecisionRow, ConsolePagesRepository, DecisionsRepository, FundingRepository, LedgerAccountRow } from '@app/db';
import { CURRENCIES, Currency, fractionText, percentText } from '@app/domain';
import { Problems } from '../common/problem';
import { cell, decimal } from '../me/me.service';
import {
  AssetOwnerPageDto,
  BackerPageDto,
  ConsoleAssetDetailDto,
  ConsoleAssetDto,
  ConsoleAssetPageDto,
  ConsoleDecisionDto,
  ConsoleDecisionPageDto,
  ConsoleLocationPageDto,
  ConsoleMemberPageDto,
  ConsoleStatementDto,
  ConsoleVoterPageDto,
  LevelHistoryDto,
  MovementPageDto,
  OutboxPageDto,
  ShareTransferPageDto,
} from './console-pages.dto';
import { ConsoleAccountDto } from './console.dto';
import { ownerWords } from './console.service';

type PageArg = { limit: number; offset: number };

/** Rows of the CSV read from PostgreSQL at a time (the running balance is carried between chunks). */
export const CSV_CHUNK = 2000;

const assetDto = (a: ConsoleAssetRow): ConsoleAssetDto => ({
  id: a.id,
  name: a.name,
  kind: a.kind,
  identifier: a.identifier,
  portable: a.portable,
  totalParts: a.totalParts.toString(),
  nodeName: a.nodeName,
  owners: a.owners,
  lastPlace: a.lastPlace,
  producing: a.catalogue.length > 0 && !!a.quarterlyCapacity,
  createdAt: a.createdAt.toISOString(),
});

const decisionDto = (d: ConsoleDecisionRow): ConsoleDecisionDto => ({
  id: d.id,
  kind: d.kind,
  title: d.title,
  status: d.status,
  deadline: d.deadline.toISOString(),
  asked: d.asked,
  answered: d.answered,
  createdAt: d.createdAt.toISOString(),
});

const accountDto = (a: LedgerAccountRow): ConsoleAccountDto => ({ id: a.id, kind: a.kind, ownerId: a.ownerId, owner: ownerWords(a), currency: a.currency, balance: a.balance.toString() });

/**
 * The console's further pages: a round's backers, assets (owners, trail, quarters), an account's
 * statement and its CSV, members, locations, decisions (who answered, never what) and the mail
 * sent. Reads only, from PostgreSQL.
 */
@Injectable()
export class ConsolePagesService {
  constructor(
    private readonly pages: ConsolePagesRepository,
    private readonly funding: FundingRepository,
    private readonly decisions: DecisionsRepository,
  ) {}

  async backers(roundId: string, page: PageArg): Promise<BackerPageDto> {
    const round = await this.funding.find(roundId);
    if (!round) throw Problems.notFound('funding round', roundId);
    const { rows, total } = await this.pages.backers(roundId, page);
    return {
      ...page,
      total,
      currency: round.currency,
      items: rows.map((r) => ({ memberId: r.memberId, name: r.name, amount: r.amount.toString(), captured: r.captured.toString(), returned: r.returned, pledgedAt: r.pledgedAt.toISOString() })),
    };
  }

  async assets(page: PageArg): Promise<ConsoleAssetPageDto> {
    const { rows, total } = await this.pages.assets(page);
    return { ...page, total, items: rows.map(assetDto) };
  }

  private async asset(id: string): Promise<ConsoleAssetRow> {
    const a = await this.pages.asset(id);
    if (!a) throw Problems.notFound('asset', id);
    return a;
  }

  async assetDetail(id: string): Promise<ConsoleAssetDetailDto> {
    const a = await this.asset(id);
    const [owners, quarters] = await Promise.all([this.pages.owners(id, { limit: 1, offset: 0 }), this.pages.quarters(id, 8)]);
    return {
      ...assetDto(a),
      ownedParts: owners.ownedParts.toString(),
      quarterlyCapacity: a.quarterlyCapacity,
      capacityUnit: a.capacityUnit,
      timeZone: a.timeZone,
      quarters: quarters.map((q) => {
        // The catalogue as the window opened (a later edit does not rename this quarter's products).
        const catalogue = q.catalogue ?? a.catalogue;
        return {
          quarter: q.quarter,
          status: q.status,
          windowOpensAt: q.windowOpensAt.toISOString(),
          windowClosesAt: q.windowClosesAt.toISOString(),
          startsAt: q.startsAt.toISOString(),
          capacity: q.capacity,
          spare: q.spare,
          owners: q.owners,
          ordered: q.ordered,
          products: q.products.map((p) => {
            const product = catalogue.find((c) => c.id === p.productId);
            return { productId: p.productId, name: product?.name ?? p.productId, unit: product?.unit ?? null, requested: p.requested, granted: p.granted };
          }),
        };
      }),
    };
  }

  async owners(id: string, page: PageArg): Promise<AssetOwnerPageDto> {
    const a = await this.asset(id);
    const { rows, total } = await this.pages.owners(id, page);
    return {
      ...page,
      total,
      totalParts: a.totalParts.toString(),
      items: rows.map((o) => ({
        memberId: o.memberId,
        name: o.name,
        parts: o.parts.toString(),
        outputParts: o.outputParts.toString(),
        fraction: fractionText(o.parts, a.totalParts),
        percent: percentText(o.parts, a.totalParts),
      })),
    };
  }

  async transfers(id: string, page: PageArg): Promise<ShareTransferPageDto> {
    const a = await this.asset(id);
    const { rows, total } = await this.pages.transfers(id, page);
    return {
      ...page,
      total,
      items: rows.map((t) => ({ id: t.id, from: t.fromName, to: t.toName, parts: t.parts.toString(), fraction: fractionText(t.parts, a.totalParts), price: t.price.toString(), currency: t.currency, at: t.at.toISOString() })),
    };
  }

  async movements(id: string, page: PageArg): Promise<MovementPageDto> {
    await this.asset(id);
    const { rows, total } = await this.pages.movements(id, page);
    return { ...page, total, items: rows.map((m) => ({ location: m.locationName, place: m.place, movedAt: m.movedAt.toISOString() })) };
  }

  private async account(id: string): Promise<LedgerAccountRow> {
    const a = await this.pages.account(id);
    if (!a) throw Problems.notFound('ledger account', id);
    return a;
  }

  async statement(accountId: string, page: PageArg): Promise<ConsoleStatementDto> {
    const account = await this.account(accountId);
    const { rows, total } = await this.pages.statement(accountId, page);
    return {
      ...page,
      total,
      account: accountDto(account),
      items: rows.map((r) => ({ entryId: r.entryId, at: r.at.toISOString(), kind: r.kind, memo: r.memo, counterparty: r.counterparty, amount: r.amount.toString(), balanceAfter: r.balanceAfter.toString() })),
    };
  }

  /**
   * An account's whole statement as CSV, oldest first, read a chunk at a time (one pass, however
   * long the account): money as integer minor units and as a decimal in the currency's digits; the
   * last balance is the account's. An unknown account throws before anything is written.
   */
  async statementCsv(accountId: string): Promise<{ filename: string; chunks: AsyncGenerator<string> }> {
    const account = await this.account(accountId);
    const slug = (account.ownerName ?? account.kind).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'account';
    return { filename: `dpn-${account.kind}-${slug}-${account.currency}.csv`, chunks: this.csvChunks(account) };
  }

  private async *csvChunks(account: LedgerAccountRow): AsyncGenerator<string> {
    const exp = CURRENCIES[account.currency as Currency] ?? 2;
    yield ['date', 'kind', 'counterparty', 'memo', 'currency', 'amount_minor', 'amount', 'balance_minor', 'balance'].join(',') + '\r\n';
    let balance = 0n;
    let after: string | null = null;
    for (;;) {
      const chunk = await this.pages.statementChunk(account.id, after, CSV_CHUNK);
      if (!chunk.length) return;
      const lines = chunk.map((r) => {
        balance += r.amount;
        return [r.at.toISOString(), cell(r.kind), cell(r.counterparty), cell(r.memo ?? ''), account.currency, r.amount.toString(), decimal(r.amount, exp), balance.toString(), decimal(balance, exp)].join(',');
      });
      yield lines.join('\r\n') + '\r\n';
      after = chunk[chunk.length - 1].cursor;
      if (chunk.length < CSV_CHUNK) return;
    }
  }

  async members(q: { q?: string }, page: PageArg): Promise<ConsoleMemberPageDto> {
    const { rows, total } = await this.pages.members({ q: q.q || undefined }, page);
    return { ...page, total, items: rows.map((m) => ({ id: m.id, name: m.name, email: m.email, status: m.status, nodes: m.nodes, assets: m.assets, createdAt: m.createdAt.toISOString() })) };
  }

  async locations(page: PageArg): Promise<ConsoleLocationPageDto> {
    const { rows, total } = await this.pages.locations(page);
    return { ...page, total, items: rows.map((l) => ({ ...l })) };
  }

  async decisionList(status: string | undefined, page: PageArg): Promise<ConsoleDecisionPageDto> {
    const { rows, total } = await this.pages.decisions({ status }, page);
    return { ...page, total, items: rows.map(decisionDto) };
  }

  async voters(decisionId: string, answered: boolean | undefined, page: PageArg): Promise<ConsoleVoterPageDto> {
    const d = await this.decisions.findById(decisionId);
    if (!d) throw Problems.notFound('decision', decisionId);
    const [{ rows, total }, counts] = await Promise.all([this.pages.voters(decisionId, { answered }, page), this.decisions.counts(decisionId)]);
    const database = d.answersIn === 'database';
    return {
      ...page,
      total,
      votersKnown: database,
      decision: decisionDto({
        id: d.id,
        kind: d.kind,
        title: d.title,
        status: d.status,
        deadline: d.deadline,
        createdAt: d.createdAt,
        asked: database ? counts.asked : d.asked,
        answered: database ? counts.answered : d.answered,
      }),
      // Only whether and when: what a member answered stays theirs (and the tally's).
      items: rows.map((v) => ({ memberId: v.memberId, name: v.name, answered: v.answered, answeredAt: v.answeredAt?.toISOString() ?? null })),
    };
  }

  async outbox(status: string | undefined, page: PageArg): Promise<OutboxPageDto> {
    const { rows, total, byStatus } = await this.pages.outbox({ status }, page);
    return {
      ...page,
      total,
      byStatus,
      items: rows.map((m) => ({
        to: m.recipient,
        subject: m.subject,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: m.createdAt.toISOString(),
        sentAt: m.sentAt?.toISOString() ?? null,
      })),
    };
  }

  async levelHistory(weeks: number): Promise<LevelHistoryDto> {
    const h = await this.pages.levelHistory(weeks);
    return { since: h.since?.toISOString() ?? null, points: h.points.map((p) => ({ at: p.at.toISOString(), levels: p.levels })) };
  }
}
