import { Injectable } from '@nestjs/common';
import { AssetsRepository, OwnershipService, ProjectEntity, ProjectPhasesRepository, ProjectsRepository } from '@app/db';
import { fractionText } from '@app/domain';
import { Problems } from '../common/problem';
import { PublicFundingDto, PublicOutputsDto, PublicOwnershipDto } from './public.dto';

@Injectable()
export class TransparencyService {
  constructor(
    private readonly assets: AssetsRepository,
    private readonly shares: OwnershipService,
    private readonly projects: ProjectsRepository,
    private readonly phases: ProjectPhasesRepository,
  ) {}

  async ownership(assetId: string): Promise<PublicOwnershipDto> {
    const asset = await this.assets.findById(assetId);
    if (!asset) throw Problems.notFound('asset', assetId);
    const owners = await this.shares.namedTable(assetId);
    return {
      assetId,
      name: asset.name,
      kind: asset.kind,
      identifier: asset.identifier,
      totalParts: asset.totalParts.toString(),
      owners: owners.map((o) => ({
        memberName: o.memberName,
        parts: o.parts.toString(),
        fraction: fractionText(o.parts, asset.totalParts),
        outputParts: o.outputParts.toString(),
        outputFraction: fractionText(o.outputParts, asset.totalParts),
      })),
    };
  }

  /** What a project produced: designs and test reports under their (open) licences, oldest first. */
  async outputs(projectId: string): Promise<PublicOutputsDto> {
    const project = await this.project(projectId);
    const rows = await this.phases.outputs(projectId);
    return {
      projectId,
      name: project.name,
      outputs: rows.map((o) => ({ phase: o.phase, kind: o.kind, title: o.title, url: o.url, contentHash: o.contentHash, licence: o.licence, publishedAt: o.createdAt.toISOString() })),
    };
  }

  async funding(projectId: string): Promise<PublicFundingDto> {
    const project = await this.project(projectId);
    const totals = await this.projects.fundingTotals(projectId);
    return {
      projectId,
      name: project.name,
      phase: project.phase,
      status: project.status,
      totals: totals.map((t) => ({ currency: t.currency, raised: t.raised.toString(), contributors: t.contributors })),
    };
  }

  private async project(id: string): Promise<ProjectEntity> {
    const project = await this.projects.findById(id);
    if (!project) throw Problems.notFound('project', id);
    return project;
  }
}
