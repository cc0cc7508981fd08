import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ShareLine } from '@app/domain';
import { AssetEntity, AssetMovementEntity } from '../entities/asset.entity';
import { OwnershipService } from '../ownership/ownership.service';

export type NewAsset = Pick<AssetEntity, 'name' | 'kind' | 'identifier' | 'nodeId' | 'portable' | 'totalParts'>;
export type NewMovement = Pick<AssetMovementEntity, 'assetId' | 'locationId' | 'place' | 'movedAt'>;

export interface AssetListFilter {
  kind?: string;
  nodeId?: string;
  /** Assets this member owns parts of. */
  ownerMemberId?: string;
  limit: number;
  offset: number;
}

/**
 * Assets (`assets`) and the movement trail of portable ones (`asset_movements`). Who owns what is
 * `OwnershipService`'s, which the creation of an asset with its table goes through.
 */
@Injectable()
export class AssetsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ownership: OwnershipService,
  ) {}

  private get repo() {
    return this.ds.getRepository(AssetEntity);
  }

  /**
   * The asset and its ownership table in one transaction: never an asset without owners, unless
   * `owners` is empty (an asset awaiting the round that buys it). A reused identifier is a unique
   * violation.
   */
  async create(asset: NewAsset, owners: ShareLine[]): Promise<AssetEntity> {
    return this.ds.transaction(async (m) => {
      const saved = await m.save(m.create(AssetEntity, asset));
      if (owners.length > 0) await this.ownership.replaceTable(saved.id, owners, m);
      return saved;
    });
  }

  findById(id: string): Promise<AssetEntity | null> {
    return this.repo.findOneBy({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  /** Saves changes to an asset read before. */
  update(asset: AssetEntity, changes: Partial<NewAsset>): Promise<AssetEntity> {
    return this.repo.save(this.repo.merge(asset, changes));
  }

  /** What a producing asset makes and when its owners order (one statement: the other columns stay as they are). */
  async setOutputCatalogue(
    id: string,
    c: Pick<AssetEntity, 'timeZone' | 'quarterlyCapacity' | 'capacityUnit' | 'outputCatalogue' | 'orderWindow'> & { saleCurrency?: string | null },
  ): Promise<void> {
    await this.repo.update(
      { id },
      { timeZone: c.timeZone, quarterlyCapacity: c.quarterlyCapacity, capacityUnit: c.capacityUnit, outputCatalogue: c.outputCatalogue, orderWindow: c.orderWindow, ...(c.saleCurrency !== undefined ? { saleCurrency: c.saleCurrency } : {}) },
    );
  }

  /** By name. */
  async list(f: AssetListFilter): Promise<{ items: AssetEntity[]; total: number }> {
    const qb = this.repo.createQueryBuilder('a').orderBy('a.name', 'ASC').addOrderBy('a.id', 'ASC').take(f.limit).skip(f.offset);
    if (f.kind) qb.andWhere('a.kind = :kind', { kind: f.kind });
    if (f.nodeId) qb.andWhere('a.node_id = :node', { node: f.nodeId });
    if (f.ownerMemberId) {
      qb.andWhere('EXISTS (SELECT 1 FROM asset_shares s WHERE s.asset_id = a.id AND s.member_id = :owner AND s.parts > 0)', { owner: f.ownerMemberId });
    }
    const [items, total] = await qb.getManyAndCount();
    return { items, total };
  }

  addMovement(movement: NewMovement): Promise<AssetMovementEntity> {
    const repo = this.ds.getRepository(AssetMovementEntity);
    return repo.save(repo.create(movement));
  }

  /** The movement trail, oldest first. */
  movements(assetId: string): Promise<AssetMovementEntity[]> {
    return this.ds.getRepository(AssetMovementEntity).find({ where: { assetId }, order: { movedAt: 'ASC', id: 'ASC' } });
  }
}
