import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { MemberEntity, MemberTokenEntity, SessionsRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { hashMemberToken, MEMBER_TOKEN_PREFIX } from '../members/member-tokens';
import { csrfFailed, csrfMatches, isStateChanging, sessionTokenFrom, sha256 } from '../session/session-cookie';

type MemberRequest = Request & { member?: MemberEntity; memberVia?: 'session' | 'token' };

/**
 * Requires `Authorization: Bearer dpn_mbr_…`, a member token the coordinator issued, or the web
 * app's session cookie. A token is looked up by its SHA-256 (an exact index match, so no timing
 * leak on the secret); revoked tokens and suspended members are refused. With the cookie, every
 * state-changing request must also carry the session's CSRF token (`X-CSRF-Token`): the browser
 * sends cookies along with requests other sites make, but those cannot read the token. The member
 * is available as `@CurrentMember()`.
 */
@Injectable()
export class MemberTokenGuard implements CanActivate {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly sessions: SessionsRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<MemberRequest>();
    const cookie = req.headers.authorization === undefined ? sessionTokenFrom(req, this.config) : undefined;
    if (cookie) {
      req.member = await this.sessionMember(req, cookie);
      req.memberVia = 'session';
      return true;
    }
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
    req.memberVia = 'token';
    return true;
  }

  private async sessionMember(req: Request, cookie: string): Promise<MemberEntity> {
    const found = await this.sessions.find(sha256(cookie));
    if (found.state === 'unknown') throw new ProblemException(401, 'unauthorized', 'sign in to see this page');
    if (found.state === 'expired') throw new ProblemException(401, 'session_expired', 'your session has expired: sign in again');
    const member = await this.sessions.member(found.session.subjectId);
    if (!member) throw new ProblemException(401, 'unauthorized', 'sign in to see this page');
    if (member.status !== 'active') throw new ProblemException(403, 'member_suspended', 'this member is suspended; ask the coordinator');
    if (isStateChanging(req.method) && !csrfMatches(req, found.session.csrfToken)) throw csrfFailed();
    return member;
  }
}

export const CurrentMember = createParamDecorator((_: unknown, ctx: ExecutionContext): MemberEntity => {
  const member = ctx.switchToHttp().getRequest<MemberRequest>().member;
  if (!member) throw new Error('CurrentMember used without MemberTokenGuard');
  return member;
});

/** How the member signed this request: the web app's session, or an API token. */
export const MemberVia = createParamDecorator((_: unknown, ctx: ExecutionContext): 'session' | 'token' => ctx.switchToHttp().getRequest<MemberRequest>().memberVia ?? 'token');
