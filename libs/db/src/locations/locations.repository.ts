import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LocationEntity, LocationKind } from '../entities/location.entity';

export type NewLocation = Pick<LocationEntity, 'name' | 'kind' | 'address'>;

/** Places that hold nodes (`locations`). */
@Injectable()
export class LocationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository(LocationEntity);
  }

  create(location: NewLocation): Promise<LocationEntity> {
    return this.repo.save(this.repo.create(location));
  }

  findById(id: string): Promise<LocationEntity | null> {
    return this.repo.findOneBy({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  /** Saves changes to a location read before. */
  update(location: LocationEntity, changes: Partial<NewLocation>): Promise<LocationEntity> {
    return this.repo.save(this.repo.merge(location, changes));
  }

  /** By name. */
  async list(f: { kind?: LocationKind; limit: number; offset: number }): Promise<{ items: LocationEntity[]; total: number }> {
    const [items, total] = await this.repo.findAndCount({ where: f.kind ? { kind: f.kind } : {}, order: { name: 'ASC', id: 'ASC' }, take: f.limit, skip: f.offset });
    return { items, total };
  }
}
