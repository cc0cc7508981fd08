import { Injectable } from '@nestjs/common';
import { AssetEntity, AssetMovementEntity, AssetShareEntity, AssetsRepository, LocationsRepository, NodesRepository, OwnershipService, ShareTransferEntity } from '@app/db';
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
  constructor(
    private readonly assets: AssetsRepository,
    private readonly nodes: NodesRepository,
    private readonly locations: LocationsRepository,
    private readonly ownership: OwnershipService,
  ) {}

  /**
   * Creates the asset and its ownership table in one transaction: never an asset without owners,
   * except one awaiting the funding round that buys it (its backers' table comes with the payout).
   */
  async create(dto: CreateAssetDto): Promise<AssetEntity> {
    const node = dto.nodeId ? await this.nodes.findById(dto.nodeId) : null;
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
      () => this.assets.create({ name: dto.name, kind: dto.kind, identifier: dto.identifier, nodeId: dto.nodeId ?? null, portable: dto.portable ?? false, totalParts }, lines),
      'identifier_taken',
      `an asset with identifier ${dto.identifier} already exists`,
    );
  }

  async get(id: string): Promise<AssetEntity> {
    const a = await this.assets.findById(id);
    if (!a) throw Problems.notFound('asset', id);
    return a;
  }

  async update(id: string, dto: UpdateAssetDto): Promise<AssetEntity> {
    const asset = await this.get(id);
    if (dto.nodeId && !(await this.nodes.exists(dto.nodeId))) throw Problems.notFound('node', dto.nodeId);
    return this.assets.update(asset, rejectNulls(dto, ['nodeId']));
  }

  async list(q: ListAssetsQuery): Promise<Page<AssetEntity>> {
    const { limit, offset } = pageOf(q);
    const { items, total } = await this.assets.list({ kind: q.kind, nodeId: q.nodeId, ownerMemberId: q.ownerMemberId, limit, offset });
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
    if (dto.locationId && !(await this.locations.exists(dto.locationId))) throw Problems.notFound('location', dto.locationId);
    return this.assets.addMovement({ assetId: id, locationId: dto.locationId ?? null, place: dto.place ?? null, movedAt: dto.movedAt ? new Date(dto.movedAt) : new Date() });
  }

  async movements(id: string): Promise<AssetMovementEntity[]> {
    await this.get(id);
    return this.assets.movements(id);
  }
}
