import { Injectable } from '@nestjs/common';
import { BOARD_COLUMNS, ConsoleRepository, FundingRepository, JobContextsRepository, LedgerAccountRow, LedgerService } from '@app/db';
import { pageOf } from '../common/dto';
import { JobDto } from '../jobs/jobs.dto';
import { ConsoleAccountPageDto, ConsoleAccountsQuery, ConsoleRoundPageDto, ConsoleRoundsQuery, JobBoardDto, NetworkDto, NetworkQuery } from './console.dto';

/** An account's owner in words (the network's own accounts have none). */
export function ownerWords(a: LedgerAccountRow): string {
  switch (a.kind) {
    case 'external':
      return 'Outside the network';
    case 'escrow':
    case 'round':
      return a.ownerName ? `Funding round of “${a.ownerName}”` : 'A funding round';
    case 'hold':
      return `${a.ownerName ?? 'A member'}: held for ${a.scopeName ? `the round of “${a.scopeName}”` : 'a round'}`;
    case 'project':
      return a.ownerName ? `Project “${a.ownerName}”` : 'A project';
    case 'organiser':
      return a.ownerName ? `Organiser of “${a.ownerName}”` : 'An organiser';
    default:
      return a.ownerName ?? 'A member';
  }
}

/** The coordinator console's reads: the network, the job board, the rounds, the ledger by name. */
@Injectable()
export class ConsoleService {
  constructor(
    private readonly console: ConsoleRepository,
    private readonly contexts: JobContextsRepository,
    private readonly funding: FundingRepository,
    private readonly ledger: LedgerService,
  ) {}

  async network(q: NetworkQuery): Promise<NetworkDto> {
    const page = { limit: q.limit ?? 200, offset: q.offset ?? 0 };
    return { ...(await this.console.network(page)), ...page };
  }

  async board(perColumn: number): Promise<JobBoardDto> {
    const columns = await Promise.all(BOARD_COLUMNS.map(async (key) => ({ key, ...(await this.console.boardColumn(key, perColumn)) })));
    const jobs = columns.flatMap((c) => c.rows.map((r) => r.job));
    const offeredTo = jobs.filter((j) => !j.nodeId && j.status === 'offered').map((j) => j.offers.at(-1)?.nodeId).filter((id): id is string => !!id);
    const [ctx, offeredNames] = await Promise.all([this.contexts.jobContexts(jobs.map((j) => j.id)), this.console.nodeNames([...new Set(offeredTo)])]);
    return {
      columns: columns.map((c) => ({
        key: c.key,
        total: c.total,
        jobs: c.rows.map(({ job: j, nodeName }) => {
          // The same figures as the job's own view (yield without rejected deliveries, lead-time milestones).
          const dto = JobDto.from(j);
          const offeredNode = j.status === 'offered' ? j.offers.at(-1)?.nodeId : undefined;
          return {
            id: j.id,
            title: ctx.get(j.id)?.title ?? null,
            forWhat: ctx.get(j.id)?.forWhat ?? null,
            status: j.status,
            capability: j.capability,
            quantity: j.quantity,
            unit: j.unit,
            dueAt: dto.dueAt,
            nodeName: nodeName ?? (offeredNode ? (offeredNames.get(offeredNode) ?? null) : null),
            leadTimes: dto.leadTimes,
            yield: dto.yield,
            progress: j.progress?.percent ?? null,
            offerCount: j.offerCount,
          };
        }),
      })),
    };
  }

  async rounds(q: ConsoleRoundsQuery): Promise<ConsoleRoundPageDto> {
    const page = pageOf(q);
    const { rows, total, byStatus } = await this.console.rounds({ status: q.status }, page);
    // Open rounds keep their running total in the shards until they close: one query for the page.
    const live = await this.funding.withLiveTotals(rows.map((r) => r.round));
    return {
      ...page,
      total,
      byStatus,
      items: rows.map(({ projectName }, i) => {
        const r = live[i];
        return {
          roundId: r.id,
          projectId: r.projectId,
          projectName,
          status: r.status,
          goal: String(r.goal),
          total: String(r.total),
          currency: r.currency,
          backers: r.backers,
          deadline: r.deadline.toISOString(),
          payoutApproval: r.payoutApproval,
          reason: r.reason,
          createdAt: r.createdAt.toISOString(),
        };
      }),
    };
  }

  async accounts(q: ConsoleAccountsQuery): Promise<ConsoleAccountPageDto> {
    const page = pageOf(q);
    const [{ rows, total }, trial] = await Promise.all([this.console.accounts({ kind: q.kind, currency: q.currency }, page), this.ledger.trialBalance()]);
    return {
      ...page,
      total,
      trialBalance: Object.entries(trial)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, sum]) => ({ currency, total: sum.toString() })),
      items: rows.map((a) => ({ id: a.id, kind: a.kind, ownerId: a.ownerId, owner: ownerWords(a), currency: a.currency, balance: a.balance.toString() })),
    };
  }
}
