import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { LocationEntity } from '@app/db';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { CreateLocationDto, ListLocationsQuery, UpdateLocationDto } from './locations.dto';

@Injectable()
export class LocationsService {
  private readonly repo: Repository<LocationEntity>;
  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = ds.getRepository(LocationEntity);
  }
  create(dto: CreateLocationDto) {
    return this.repo.save(this.repo.create(dto));
  }
  async get(id: string) {
    const l = await this.repo.findOneBy({ id });
    if (!l) throw Problems.notFound('location', id);
    return l;
  }
  async update(id: string, dto: UpdateLocationDto) {
    return this.repo.save(this.repo.merge(await this.get(id), rejectNulls(dto)));
  }
  async list(q: ListLocationsQuery): Promise<Page<LocationEntity>> {
    const { limit, offset } = pageOf(q);
    const [items, total] = await this.repo.findAndCount({ where: q.kind ? { kind: q.kind } : {}, order: { name: 'ASC', id: 'ASC' }, take: limit, skip: offset });
    return { items, total, limit, offset };
  }
}
