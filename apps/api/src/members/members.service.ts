import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { MemberEntity } from '@app/db';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { uniqueOr409 } from '../common/unique';
import { CreateMemberDto, ListMembersQuery, UpdateMemberDto } from './members.dto';

@Injectable()
export class MembersService {
  private readonly repo: Repository<MemberEntity>;
  constructor(@InjectDataSource() ds: DataSource) {
    this.repo = ds.getRepository(MemberEntity);
  }

  create(dto: CreateMemberDto): Promise<MemberEntity> {
    return uniqueOr409(
      async () => this.repo.save(this.repo.create({ ...dto, status: dto.status ?? 'active' })),
      'email_taken',
      `a member with email ${dto.email} already exists`,
    );
  }

  async get(id: string): Promise<MemberEntity> {
    const m = await this.repo.findOneBy({ id });
    if (!m) throw Problems.notFound('member', id);
    return m;
  }

  async update(id: string, dto: UpdateMemberDto): Promise<MemberEntity> {
    const m = await this.get(id);
    return uniqueOr409(() => this.repo.save(this.repo.merge(m, rejectNulls(dto))), 'email_taken', `a member with email ${dto.email} already exists`);
  }

  async list(q: ListMembersQuery): Promise<Page<MemberEntity>> {
    const { limit, offset } = pageOf(q);
    const [items, total] = await this.repo.findAndCount({
      where: { ...(q.status ? { status: q.status } : {}), ...(q.email ? { email: q.email } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }
}
