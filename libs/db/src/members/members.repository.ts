import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { MemberEntity, MemberStatus } from '../entities/member.entity';

export type NewMember = Pick<MemberEntity, 'name' | 'email' | 'status'>;

export interface MemberListFilter {
  status?: MemberStatus;
  email?: string;
  limit: number;
  offset: number;
}

/** The members of the network (`members`). Emails are unique (a second one is a unique violation). */
@Injectable()
export class MembersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository(MemberEntity);
  }

  create(member: NewMember): Promise<MemberEntity> {
    return this.repo.save(this.repo.create(member));
  }

  findById(id: string): Promise<MemberEntity | null> {
    return this.repo.findOneBy({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  /** Which of these ids are active members. */
  async activeIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.repo.find({ select: { id: true }, where: { id: In(ids), status: 'active' } });
    return new Set(found.map((m) => m.id));
  }

  /** Every active member's id, in id order. */
  async allActiveIds(): Promise<string[]> {
    const rows = await this.repo.find({ where: { status: 'active' }, select: { id: true }, order: { id: 'ASC' } });
    return rows.map((r) => r.id);
  }

  /** These members (the ids found; unknown ids are left out). */
  findByIds(ids: string[]): Promise<MemberEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo.findBy({ id: In(ids) });
  }

  /** Saves changes to a member read before. */
  update(member: MemberEntity, changes: Partial<NewMember>): Promise<MemberEntity> {
    return this.repo.save(this.repo.merge(member, changes));
  }

  /** Newest first. */
  async list(f: MemberListFilter): Promise<{ items: MemberEntity[]; total: number }> {
    const [items, total] = await this.repo.findAndCount({
      where: { ...(f.status ? { status: f.status } : {}), ...(f.email ? { email: f.email } : {}) },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: f.limit,
      skip: f.offset,
    });
    return { items, total };
  }
}
