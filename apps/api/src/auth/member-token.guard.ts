import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { MemberEntity, MemberTokenEntity } from '@app/db';
import { ProblemException } from '../common/problem';
import { hashMemberToken, MEMBER_TOKEN_PREFIX } from '../members/member-tokens';

type MemberRequest = Request & { member?: MemberEntity };

/**
 * Requires `Authorization: Bearer dpn_mbr_…`, a member token the coordinator issued. The token is
 * looked up by its SHA-256 (an exact index match, so no timing leak on the secret); revoked tokens
 * and suspended members are refused. The member is available as `@CurrentMember()`.
 */
@Injectable()
export class MemberTokenGuard implements CanActivate {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<MemberRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !match[1].startsWith(MEMBER_TOKEN_PREFIX)) {
      throw new ProblemException(401, 'unauthorized', 'a member token is required: send Authorization: Bearer dpn_mbr_…');
    }
    // One indexed query on every member request (a hot path: every pledge passes here).
    const [row] = (await this.ds.query(
      `SELECT t.id AS token_id, t.revoked_at, t.last_used_at, m.id, m.name, m.email, m.status, m.created_at, m.updated_at
         FROM member_tokens t JOIN members m ON m.id = t.member_id WHERE t.token_hash = $1`,
      [hashMemberToken(match[1])],
    )) as Array<{ token_id: string; revoked_at: Date | null; last_used_at: Date | null; id: string; name: string; email: string; status: MemberEntity['status']; created_at: Date; updated_at: Date }>;
    if (!row || row.revoked_at) throw new ProblemException(401, 'unauthorized', 'the member token is not valid or was revoked');
    if (row.status !== 'active') throw new ProblemException(403, 'member_suspended', 'this member is suspended; ask the coordinator');
    // Coarse last-use tracking (at most once a minute) keeps reads from writing on every request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.ds.getRepository(MemberTokenEntity).update({ id: row.token_id }, { lastUsedAt: new Date() });
    }
    req.member = Object.assign(new MemberEntity(), { id: row.id, name: row.name, email: row.email, status: row.status, createdAt: row.created_at, updatedAt: row.updated_at });
    return true;
  }
}

export const CurrentMember = createParamDecorator((_: unknown, ctx: ExecutionContext): MemberEntity => {
  const member = ctx.switchToHttp().getRequest<MemberRequest>().member;
  if (!member) throw new Error('CurrentMember used without MemberTokenGuard');
  return member;
});
