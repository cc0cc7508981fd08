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
    const token = await this.ds.getRepository(MemberTokenEntity).findOne({ where: { tokenHash: hashMemberToken(match[1]) }, relations: { member: true } });
    if (!token || token.revokedAt || !token.member) throw new ProblemException(401, 'unauthorized', 'the member token is not valid or was revoked');
    if (token.member.status !== 'active') throw new ProblemException(403, 'member_suspended', 'this member is suspended; ask the coordinator');
    // Coarse last-use tracking (at most once a minute) keeps reads from writing on every request.
    if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > 60_000) {
      await this.ds.getRepository(MemberTokenEntity).update({ id: token.id }, { lastUsedAt: new Date() });
    }
    req.member = token.member;
    return true;
  }
}

export const CurrentMember = createParamDecorator((_: unknown, ctx: ExecutionContext): MemberEntity => {
  const member = ctx.switchToHttp().getRequest<MemberRequest>().member;
  if (!member) throw new Error('CurrentMember used without MemberTokenGuard');
  return member;
});
