import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { MemberEntity, SessionsRepository, TokensRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { bearerTokenHolder } from './bearer-token';
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
    private readonly tokens: TokensRepository,
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
    // One indexed query on every member request (a hot path: every pledge passes here).
    req.member = await bearerTokenHolder(this.tokens, 'member', req.headers.authorization, assertActive);
    req.memberVia = 'token';
    return true;
  }

  private async sessionMember(req: Request, cookie: string): Promise<MemberEntity> {
    const found = await this.sessions.find(sha256(cookie));
    if (found.state === 'unknown' || found.session.subjectType !== 'member') throw new ProblemException(401, 'unauthorized', 'sign in to see this page');
    if (found.state === 'expired') throw new ProblemException(401, 'session_expired', 'your session has expired: sign in again');
    const member = await this.sessions.member(found.session.subjectId);
    if (!member) throw new ProblemException(401, 'unauthorized', 'sign in to see this page');
    assertActive(member);
    if (isStateChanging(req.method) && !csrfMatches(req, found.session.csrfToken)) throw csrfFailed();
    return member;
  }
}

function assertActive(member: MemberEntity): void {
  if (member.status !== 'active') throw new ProblemException(403, 'member_suspended', 'this member is suspended; ask the coordinator');
}

export const CurrentMember = createParamDecorator((_: unknown, ctx: ExecutionContext): MemberEntity => {
  const member = ctx.switchToHttp().getRequest<MemberRequest>().member;
  if (!member) throw new Error('CurrentMember used without MemberTokenGuard');
  return member;
});

/** How the member signed this request: the web app's session, or an API token. */
export const MemberVia = createParamDecorator((_: unknown, ctx: ExecutionContext): 'session' | 'token' => ctx.switchToHttp().getRequest<MemberRequest>().memberVia ?? 'token');
