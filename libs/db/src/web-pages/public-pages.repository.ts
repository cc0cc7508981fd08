import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AssetEntity } from '../entities/asset.entity';
import { FundingRoundEntity } from '../entities/funding-round.entity';
import { ProjectOutputEntity } from '../entities/project-phase.entity';
import { ProjectEntity } from '../entities/project.entity';
import { FundingRepository } from '../funding/funding.repository';

export interface PhaseSpan {
  phase: string;
  /** When the project entered the phase, and left it (null while it is in it). */
  enteredAt: Date | null;
  leftAt: Date | null;
  /** How the project left it: advanced (its work done) or skipped; null while in it or before. */
  leftBy: string | null;
  /** The state of the phase's work (funding, working, done, failed, cancelled), if it ran. */
  work: string | null;
}

/**
 * What the public pages of the web app read: projects, their phases, rounds and outputs, assets
 * with their ownership and what they grow. Names only: no email address, no votes.
 */
@Injectable()
export class PublicPagesRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly funding: FundingRepository,
  ) {}

  /** Projects raising money or running (active), newest first. */
  async activeProjects(page: { limit: number; offset: number }): Promise<{ items: ProjectEntity[]; total: number }> {
    const [items, total] = await this.ds.getRepository(ProjectEntity).findAndCount({ where: { status: 'active' }, order: { createdAt: 'DESC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }

  async project(id: string): Promise<ProjectEntity | null> {
    return this.ds.getRepository(ProjectEntity).findOneBy({ id });
  }

  async rounds(projectId: string): Promise<FundingRoundEntity[]> {
    return this.funding.withLiveTotals(await this.ds.getRepository(FundingRoundEntity).find({ where: { projectId }, order: { createdAt: 'ASC', id: 'ASC' } }));
  }

  /** The round a project's list entry shows: an open one, else the newest. */
  async currentRound(projectId: string): Promise<FundingRoundEntity | null> {
    const round = await this.ds
      .getRepository(FundingRoundEntity)
      .createQueryBuilder('r')
      .where('r.projectId = :projectId', { projectId })
      .orderBy("CASE WHEN r.status = 'open' THEN 0 ELSE 1 END")
      .addOrderBy('r.createdAt', 'DESC')
      .getOne();
    return round && (await this.funding.withLiveTotals([round]))[0];
  }

  async outputs(projectId: string): Promise<ProjectOutputEntity[]> {
    return this.ds.getRepository(ProjectOutputEntity).find({ where: { projectId }, order: { id: 'ASC' } });
  }

  /** The phase timeline: from the project's transitions, with the latest attempt's work state. */
  async phaseSpans(projectId: string, phases: readonly string[]): Promise<PhaseSpan[]> {
    const events: Array<{ kind: string; from_phase: string | null; to_phase: string; occurred_at: Date }> = await this.ds.query(
      'SELECT kind, from_phase, to_phase, occurred_at FROM project_events WHERE project_id = $1 ORDER BY seq',
      [projectId],
    );
    const work: Array<{ phase: string; status: string }> = await this.ds.query(
      'SELECT DISTINCT ON (phase) phase, status FROM project_phases WHERE project_id = $1 ORDER BY phase, attempt DESC',
      [projectId],
    );
    return phases.map((phase) => {
      const entered = events.find((e) => e.to_phase === phase && e.from_phase !== phase);
      const left = events.find((e) => e.from_phase === phase && e.to_phase !== phase);
      return {
        phase,
        enteredAt: entered?.occurred_at ?? null,
        leftAt: left?.occurred_at ?? null,
        leftBy: left?.kind ?? null,
        work: work.find((w) => w.phase === phase)?.status ?? null,
      };
    });
  }

  async assets(page: { limit: number; offset: number }): Promise<{ items: Array<{ asset: AssetEntity; owners: number }>; total: number }> {
    const [assets, total] = await this.ds.getRepository(AssetEntity).findAndCount({ order: { name: 'ASC', id: 'ASC' }, take: page.limit, skip: page.offset });
    const counts: Array<{ asset_id: string; n: number }> = assets.length
      ? await this.ds.query('SELECT asset_id, COUNT(*)::int AS n FROM asset_shares WHERE asset_id = ANY($1) AND parts > 0 GROUP BY asset_id', [assets.map((a) => a.id)])
      : [];
    return { items: assets.map((asset) => ({ asset, owners: counts.find((c) => c.asset_id === asset.id)?.n ?? 0 })), total };
  }
}
