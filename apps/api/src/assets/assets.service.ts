import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AssetEntity, AssetMovementEntity, AssetShareEntity, LocationEntity, NodeEntity, OwnershipService, ShareTransferEntity } from '@app/db';
import { ShareLine } from '@app/domain';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { uniqueOr409 } from '../common/unique';
import { CreateAssetDto, ListAssetsQuery, MovementDto, OwnerLineDto, ShareTransferDto, UpdateAssetDto } from './assets.dto';

export const DEFAULT_TOTAL_PARTS = 1_000_000n;

const toLines = (owners: OwnerLineDto[]): ShareLine[] =>
  owners.map((o) => ({ memberId: o.memberId, parts: o.parts, outputParts: o.outputParts ?? o.parts }));

@Injectable()
export class AssetsService {
  private readonly repo: Repository<AssetEntity>;
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ownership: OwnershipService,
  ) {
    this.repo = ds.getRepository(AssetEntity);
  }

  /**
   * Creates the asset and its ownership table in one transaction: never an asset without owners,
   * except one awaiting the funding round that buys it (its backers' table comes with the payout).
   */
  async create(dto: CreateAssetDto): Promise<AssetEntity> {
    const node = dto.nodeId ? await this.ds.getRepository(NodeEntity).findOneBy({ id: dto.nodeId }) : null;
    if (dto.nodeId && !node) throw Problems.notFound('node', dto.nodeId);
    const totalParts = dto.totalParts ?? DEFAULT_TOTAL_PARTS;
    if (dto.awaitingFunding && dto.owners) throw Problems.badRequest('owners', 'an asset awaiting its funding round has no owners yet: its backers become its owners');
    const lines = dto.awaitingFunding
      ? []
      : dto.owners
        ? toLines(dto.owners)
        : node
          ? [{ memberId: node.ownerMemberId, parts: totalParts, outputParts: totalParts }]
          : undefined;
    if (!lines) {
      throw Problems.badRequest('owners', 'owners are required when the asset has no node (by default the node owner owns it all)');
    }
    return uniqueOr409(
      () =>
        this.ds.transaction(async (m) => {
          const asset = await m.save(
            m.create(AssetEntity, { name: dto.name, kind: dto.kind, identifier: dto.identifier, nodeId: dto.nodeId ?? null, portable: dto.portable ?? false, totalParts }),
          );
          if (lines.length > 0) await this.ownership.replaceTable(asset.id, lines, m);
          return asset;
        }),
      'identifier_taken',
      `an asset with identifier ${dto.identifier} already exists`,
    );
  }

  async get(id: string): Promise<AssetEntity> {
    const a = await this.repo.findOneBy({ id });
    if (!a) throw Problems.notFound('asset', id);
    return a;
  }

  async update(id: string, dto: UpdateAssetDto): Promise<AssetEntity> {
    const asset = await this.get(id);
    if (dto.nodeId && !(await this.ds.getRepository(NodeEntity).existsBy({ id: dto.nodeId }))) throw Problems.notFound('node', dto.nodeId);
    return this.repo.save(this.repo.merge(asset, rejectNulls(dto, ['nodeId'])));
  }

  async list(q: ListAssetsQuery): Promise<Page<AssetEntity>> {
    const { limit, offset } = pageOf(q);
    const qb = this.repo.createQueryBuilder('a').orderBy('a.name', 'ASC').addOrderBy('a.id', 'ASC').take(limit).skip(offset);
    if (q.kind) qb.andWhere('a.kind = :kind', { kind: q.kind });
    if (q.nodeId) qb.andWhere('a.node_id = :node', { node: q.nodeId });
    if (q.ownerMemberId) {
      qb.andWhere('EXISTS (SELECT 1 FROM asset_shares s WHERE s.asset_id = a.id AND s.member_id = :owner AND s.parts > 0)', { owner: q.ownerMemberId });
    }
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit, offset };
  }

  async owners(id: string): Promise<{ asset: AssetEntity; owners: AssetShareEntity[] }> {
    const asset = await this.get(id);
    return { asset, owners: await this.ownership.table(id) };
  }

  async replaceOwners(id: string, owners: OwnerLineDto[]): Promise<AssetShareEntity[]> {
    return this.ownership.replaceTable(id, toLines(owners));
  }

  transfer(id: string, dto: ShareTransferDto, idempotencyKey: string): Promise<{ transfer: ShareTransferEntity; replayed: boolean }> {
    return this.ownership.transfer({ ...dto, assetId: id, idempotencyKey });
  }

  async move(id: string, dto: MovementDto): Promise<AssetMovementEntity> {
    const asset = await this.get(id);
    if (!asset.portable) throw Problems.conflict('asset_not_portable', `asset ${asset.identifier} is not portable; only portable assets have a movement trail`);
    if (!dto.locationId && !dto.place) throw Problems.badRequest('locationId', 'give a locationId or a place');
    if (dto.locationId && !(await this.ds.getRepository(LocationEntity).existsBy({ id: dto.locationId }))) throw Problems.notFound('location', dto.locationId);
    const repo = this.ds.getRepository(AssetMovementEntity);
    return repo.save(repo.create({ assetId: id, locationId: dto.locationId ?? null, place: dto.place ?? null, movedAt: dto.movedAt ? new Date(dto.movedAt) : new Date() }));
  }

  async movements(id: string): Promise<AssetMovementEntity[]> {
    await this.get(id);
    return this.ds.getRepository(AssetMovementEntity).find({ where: { assetId: id }, order: { movedAt: 'ASC', id: 'ASC' } });
  }
}
