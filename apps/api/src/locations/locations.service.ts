import { Injectable } from '@nestjs/common';
import { LocationEntity, LocationsRepository } from '@app/db';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { CreateLocationDto, ListLocationsQuery, UpdateLocationDto } from './locations.dto';

@Injectable()
export class LocationsService {
  constructor(private readonly locations: LocationsRepository) {}

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
