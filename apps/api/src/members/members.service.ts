import { Injectable } from '@nestjs/common';
import { MemberEntity, MembersRepository } from '@app/db';
import { Page, pageOf, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { uniqueOr409 } from '../common/unique';
import { CreateMemberDto, ListMembersQuery, UpdateMemberDto } from './members.dto';

@Injectable()
export class MembersService {
  constructor(private readonly members: MembersRepository) {}

  create(dto: CreateMemberDto): Promise<MemberEntity> {
    return uniqueOr409(
      () => this.members.create({ name: dto.name, email: dto.email, status: dto.status ?? 'active' }),
      'email_taken',
      `a member with email ${dto.email} already exists`,
    );
  }

  async get(id: string): Promise<MemberEntity> {
    const m = await this.members.findById(id);
    if (!m) throw Problems.notFound('member', id);
    return m;
  }

  async update(id: string, dto: UpdateMemberDto): Promise<MemberEntity> {
    const m = await this.get(id);
    return uniqueOr409(() => this.members.update(m, rejectNulls(dto)), 'email_taken', `a member with email ${dto.email} already exists`);
  }

  async list(q: ListMembersQuery): Promise<Page<MemberEntity>> {
    const { limit, offset } = pageOf(q);
    const { items, total } = await this.members.list({ status: q.status, email: q.email, limit, offset });
    return { items, total, limit, offset };
  }
}
