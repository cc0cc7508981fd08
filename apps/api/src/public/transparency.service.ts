import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AssetEntity, PROJECT_FUNDERS_SQL, ProjectEntity, ProjectOutputEntity } from '@app/db';
import { fractionText } from '@app/domain';
import { Problems } from '../common/problem';
import { PublicFundingDto, PublicOutputsDto, PublicOwnershipDto } from './public.dto';

@Injectable()
export class TransparencyService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async ownership(assetId: string): Promise<PublicOwnershipDto> {
    const asset = await this.ds.getRepository(AssetEntity).findOneBy({ id: assetId });
    if (!asset) throw Problems.notFound('asset', assetId);
    const rows: Array<{ name: string; parts: string; output_parts: string }> = await this.ds.query(
      `SELECT m.name, s.parts::text, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id
        WHERE s.asset_id = $1 ORDER BY s.parts DESC, m.name`,
      [assetId],
    );
    return {
      assetId,
      name: asset.name,
      kind: asset.kind,
      identifier: asset.identifier,
      totalParts: asset.totalParts.toString(),
      owners: rows.map((r) => ({
        memberName: r.name,
        parts: r.parts,
        fraction: fractionText(BigInt(r.parts), asset.totalParts),
        outputParts: r.output_parts,
        outputFraction: fractionText(BigInt(r.output_parts), asset.totalParts),
      })),
    };
  }

  /** What a project produced: designs and test reports under their (open) licences, oldest first. */
  async outputs(projectId: string): Promise<PublicOutputsDto> {
    const project = await this.ds.getRepository(ProjectEntity).findOneBy({ id: projectId });
    if (!project) throw Problems.notFound('project', projectId);
    const rows = await this.ds.getRepository(ProjectOutputEntity).find({ where: { projectId }, order: { id: 'ASC' } });
    return {
      projectId,
      name: project.name,
      outputs: rows.map((o) => ({ phase: o.phase, kind: o.kind, title: o.title, url: o.url, contentHash: o.contentHash, licence: o.licence, publishedAt: o.createdAt.toISOString() })),
    };
  }

  async funding(projectId: string): Promise<PublicFundingDto> {
    const project = await this.ds.getRepository(ProjectEntity).findOneBy({ id: projectId });
    if (!project) throw Problems.notFound('project', projectId);
    const rows: Array<{ currency: string; raised: string; contributors: string }> = await this.ds.query(
      `SELECT a.currency,
              COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)::text AS raised,
              (SELECT COUNT(DISTINCT f.member_id) FROM (${PROJECT_FUNDERS_SQL}) f WHERE f.currency = a.currency)::text AS contributors
         FROM ledger_accounts a WHERE a.kind = 'project' AND a.owner_id = $1 ORDER BY a.currency`,
      [projectId],
    );
    return {
      projectId,
      name: project.name,
      phase: project.phase,
      status: project.status,
      totals: rows.map((r) => ({ currency: r.currency, raised: r.raised, contributors: Number(r.contributors) })),
    };
  }
}
