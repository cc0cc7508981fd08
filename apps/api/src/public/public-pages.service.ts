import { Injectable } from '@nestjs/common';
import { PROJECT_PHASES } from '@app/contracts';
import { FundingRoundEntity, MemberPagesRepository, PublicPagesRepository } from '@app/db';
import { percentText } from '@app/domain';
import { Problems } from '../common/problem';
import { quarterOutput } from '../me/me.service';
import { PublicAssetDto, PublicAssetPageDto, PublicProjectDto, PublicProjectPageDto, PublicRoundSummaryDto } from './public-pages.dto';

/** The public pages of the web app: projects, their phases and rounds, assets. Names, never emails or votes. */
@Injectable()
export class PublicPagesService {
  constructor(
    private readonly pages: PublicPagesRepository,
    private readonly members: MemberPagesRepository,
  ) {}

  async projects(page: { limit: number; offset: number }): Promise<PublicProjectPageDto> {
    const { items, total } = await this.pages.activeProjects(page);
    return {
      total,
      ...page,
      items: await Promise.all(
        items.map(async (p) => {
          const round = await this.pages.currentRound(p.id);
          const at = PROJECT_PHASES.indexOf(p.phase as (typeof PROJECT_PHASES)[number]);
          return { id: p.id, name: p.name, description: p.description, phase: p.phase, status: p.status, phasesDone: at < 0 ? PROJECT_PHASES.length : at, round: round ? roundSummary(round) : null };
        }),
      ),
    };
  }

  async project(id: string): Promise<PublicProjectDto> {
    const p = await this.pages.project(id);
    if (!p) throw Problems.notFound('project', id);
    const [spans, rounds, outputs] = await Promise.all([this.pages.phaseSpans(id, PROJECT_PHASES), this.pages.rounds(id), this.pages.outputs(id)]);
    const current = PROJECT_PHASES.indexOf(p.phase as (typeof PROJECT_PHASES)[number]);
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      phase: p.phase,
      status: p.status,
      createdAt: p.createdAt.toISOString(),
      phases: spans.map((s, i) => ({
        phase: s.phase,
        state: s.leftAt ? (s.leftBy === 'skipped' ? 'skipped' : 'done') : i === current && p.status === 'active' ? 'current' : current < 0 ? 'done' : 'ahead',
        work: s.work,
        startedAt: s.enteredAt?.toISOString() ?? null,
        endedAt: s.leftAt?.toISOString() ?? null,
      })),
      rounds: rounds.map(roundSummary),
      outputs: outputs.map((o) => ({ phase: o.phase, kind: o.kind, title: o.title, url: o.url, contentHash: o.contentHash, licence: o.licence, publishedAt: o.createdAt.toISOString() })),
    };
  }

  async assets(page: { limit: number; offset: number }): Promise<PublicAssetPageDto> {
    const { items, total } = await this.pages.assets(page);
    return { total, ...page, items: items.map(({ asset: a, owners }) => ({ assetId: a.id, name: a.name, kind: a.kind, owners, producing: a.outputCatalogue.length > 0 })) };
  }

  async asset(id: string): Promise<PublicAssetDto> {
    const a = await this.members.asset(id);
    if (!a) throw Problems.notFound('asset', id);
    const [owners, latest] = await Promise.all([this.members.owners(id), this.members.latestPlan(id)]);
    const outputTotal = owners.reduce((s, o) => s + o.outputParts, 0n);
    return {
      assetId: a.id,
      name: a.name,
      kind: a.kind,
      identifier: a.identifier,
      totalParts: String(a.totalParts),
      owners: owners.map((o) => ({ memberName: o.name, parts: String(o.parts), percent: percentText(o.parts, a.totalParts), outputPercent: percentText(o.outputParts, outputTotal) })),
      quarterlyCapacity: a.quarterlyCapacity,
      capacityUnit: a.capacityUnit,
      timeZone: a.timeZone,
      catalogue: a.outputCatalogue.map((p) => ({ name: p.name, unit: p.unit, capacityPerUnit: p.capacityPerUnit, leadTimeDays: p.leadTimeDays })),
      thisQuarter: latest ? quarterOutput(a, latest) : null,
    };
  }
}

function roundSummary(r: FundingRoundEntity): PublicRoundSummaryDto {
  return {
    roundId: r.id,
    phase: r.phase,
    status: r.status,
    goal: String(r.goal),
    total: String(r.total),
    currency: r.currency,
    backers: r.backers,
    minPledge: String(r.minPledge),
    deadline: r.deadline.toISOString(),
    documents: r.documents.map((d) => ({ title: d.title, url: d.url, contentHash: d.contentHash })),
  };
}
