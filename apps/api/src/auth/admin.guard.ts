import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { CoordinatorEntity, CoordinatorRole, CoordinatorsRepository, SessionsRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { consoleSessionTokenFrom, csrfFailed, csrfMatches, isStateChanging, sha256 } from '../session/session-cookie';
import { AdminTokenGuard, COORDINATOR_ACTOR } from './admin-token.guard';
import { hashToken } from './token-hash';

/** Personal API tokens of coordinators start with this. */
export const COORDINATOR_TOKEN_PREFIX = 'dpn_crd_';
/** A token's last use is noted at most once a minute (reads rarely write). */
const USE_RESOLUTION_MS = 60_000;

/** Who is calling the admin API: the bootstrap token (operations), or a coordinator by session or personal token. */
export type AdminPrincipal = { kind: 'bootstrap' } | { kind: 'coordinator'; coordinator: CoordinatorEntity; via: 'session' | 'token' };
export type AdminRequest = Request & { adminPrincipal?: AdminPrincipal };

const ROLES_KEY = 'dpn:admin-roles';

/**
 * Only these roles (and the bootstrap token) may call the route: `@Roles('treasurer')` on the
 * routes that move money. Without it, any role may read and any role but `viewer` may write.
 */
export const Roles = (...roles: CoordinatorRole[]) => SetMetadata(ROLES_KEY, roles);

/**
 * Every /admin route: accepts the bootstrap token (`ADMIN_TOKEN`), a coordinator's personal token
 * (`Bearer dpn_crd_…`) or the console's session cookie (with `X-CSRF-Token` on writes), then
 * applies the role: a viewer only reads (any other method is a 403 `forbidden_role`), and routes
 * marked `@Roles(…)` admit only those roles. Disabled accounts are refused at once, whatever
 * session or token they hold. The caller is on the request for `@Actor()`, `@CurrentPrincipal()`
 * and the audit trail.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly bootstrap: AdminTokenGuard;

  constructor(
    private readonly coordinators: CoordinatorsRepository,
    private readonly sessions: SessionsRepository,
    private readonly reflector: Reflector,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    // Built here, not injected: every module guarding an /admin route can then resolve this guard from the global providers alone.
    this.bootstrap = new AdminTokenGuard(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const principal = await this.authenticate(req);
    req.adminPrincipal = principal;
    const roles = this.reflector.getAllAndOverride<CoordinatorRole[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    assertAllowed(principal, req.method, roles);
    return true;
  }

  private async authenticate(req: AdminRequest): Promise<AdminPrincipal> {
    const header = req.headers.authorization;
    if (header === undefined) {
      const cookie = consoleSessionTokenFrom(req, this.config);
      if (cookie) return this.sessionPrincipal(req, cookie);
      throw new ProblemException(401, 'unauthorized', 'sign in to the console, or send Authorization: Bearer <token> (the bootstrap token or a personal token)');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ProblemException(401, 'unauthorized', 'send Authorization: Bearer <token> (the bootstrap token or a personal token)');
    if (match[1].startsWith(COORDINATOR_TOKEN_PREFIX)) return this.tokenPrincipal(req, match[1]);
    if (this.bootstrap.isCoordinator(header)) return { kind: 'bootstrap' };
    throw new ProblemException(401, 'unauthorized', 'the token is not valid');
  }

  private async tokenPrincipal(req: AdminRequest, token: string): Promise<AdminPrincipal> {
    const found = await this.coordinators.findToken(hashToken(token));
    if (!found || found.revokedAt) throw new ProblemException(401, 'unauthorized', 'the personal token is not valid or was revoked');
    // Known from here on, even if refused below: the audit trail then names whose credential was used.
    req.adminPrincipal = { kind: 'coordinator', coordinator: found.coordinator, via: 'token' };
    assertEnabled(found.coordinator);
    if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > USE_RESOLUTION_MS) await this.coordinators.markTokenUsed(found.tokenId);
    return { kind: 'coordinator', coordinator: found.coordinator, via: 'token' };
  }

  private async sessionPrincipal(req: AdminRequest, cookie: string): Promise<AdminPrincipal> {
    const found = await this.sessions.find(sha256(cookie));
    if (found.state === 'unknown' || found.session.subjectType !== 'coordinator') throw new ProblemException(401, 'unauthorized', 'sign in to the console');
    if (found.state === 'expired') throw new ProblemException(401, 'session_expired', 'your console session has expired: sign in again');
    const coordinator = await this.coordinators.findById(found.session.subjectId);
    if (!coordinator) throw new ProblemException(401, 'unauthorized', 'sign in to the console');
    req.adminPrincipal = { kind: 'coordinator', coordinator, via: 'session' };
    assertEnabled(coordinator);
    if (isStateChanging(req.method) && !csrfMatches(req, found.session.csrfToken)) throw csrfFailed();
    return { kind: 'coordinator', coordinator, via: 'session' };
  }
}

function assertEnabled(c: CoordinatorEntity): void {
  if (c.status === 'disabled') throw new ProblemException(403, 'coordinator_disabled', 'this coordinator account is disabled');
}

/** The role rule, on its own so that it is tested on its own. */
export function assertAllowed(principal: AdminPrincipal, method: string, roles: readonly CoordinatorRole[] | undefined): void {
  if (principal.kind === 'bootstrap') return;
  const role = principal.coordinator.role;
  if (roles && roles.length > 0 && !roles.includes(role)) {
    throw new ProblemException(403, 'forbidden_role', `only a ${roles.join(' or ')} may do this; you are a ${role}`);
  }
  if (role === 'viewer' && isStateChanging(method)) throw new ProblemException(403, 'forbidden_role', 'a viewer can look but not change anything');
}

/** The actor string the admin API passes to workflows and records: `coordinator:<id>`, or `coordinator` for the bootstrap token. */
export function actorOf(principal: AdminPrincipal | undefined): string {
  return principal?.kind === 'coordinator' ? `coordinator:${principal.coordinator.id}` : COORDINATOR_ACTOR;
}

/** Who did it, for workflows and records (see actorOf). Needs AdminGuard. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<AdminRequest>().adminPrincipal;
  if (!principal) throw new Error('Actor used without AdminGuard');
  return actorOf(principal);
});

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminPrincipal => {
  const principal = ctx.switchToHttp().getRequest<AdminRequest>().adminPrincipal;
  if (!principal) throw new Error('CurrentPrincipal used without AdminGuard');
  return principal;
});
