import { Injectable } from '@nestjs/common';
import { LocationEntity, LocationsRepository, MembersRepository, PickupPoint, PickupPointsRepository } from '@app/db';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { ProblemException, Problems } from '../common/problem';
import { CreateLocationDto, CreatePickupPointDto, ListLocationsQuery, UpdateLocationDto } from './locations.dto';

@Injectable()
export class LocationsService {
  constructor(
    private readonly locations: LocationsRepository,
    private readonly pickups: PickupPointsRepository,
    private readonly members: MembersRepository,
  ) {}

  /** A pickup point of the location, kept by an active member. */
  async addPickupPoint(locationId: string, dto: CreatePickupPointDto): Promise<PickupPoint> {
    await this.get(locationId);
    const keeper = await this.members.findById(dto.keeperMemberId);
    if (!keeper || keeper.status !== 'active') {
      throw new ProblemException(422, 'unknown_keeper', `member ${dto.keeperMemberId} is not an active member`, [{ field: 'keeperMemberId', code: 'unknown_keeper', message: 'not an active member' }]);
    }
    return this.pickups.create({ locationId, name: dto.name, keeperMemberId: keeper.id, days: dto.days, hours: dto.hours ?? null });
  }

  async pickupPoints(locationId: string): Promise<PickupPoint[]> {
    await this.get(locationId);
    return this.pickups.ofLocation(locationId);
  }

  create(dto: CreateLocationDto): Promise<LocationEntity> {
    return this.locations.create({ name: dto.name, kind: dto.kind, address: dto.address });
  }

  async get(id: string): Promise<LocationEntity> {
    const l = await this.locations.findById(id);
    if (!l) throw Problems.notFound('location', id);
    return l;
  }

  async update(id: string, dto: UpdateLocationDto): Promise<LocationEntity> {
    return this.locations.update(await this.get(id), rejectNulls(dto));
  }

  async list(q: ListLocationsQuery): Promise<Page<LocationEntity>> {
    const { limit, offset } = pageOf(q);
    const { items, total } = await this.locations.list({ kind: q.kind, limit, offset });
    return { items, total, limit, offset };
  }
}
