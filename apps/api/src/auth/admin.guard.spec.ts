import { Controller, ExecutionContext, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '@app/config';
import { CoordinatorEntity, CoordinatorRole, CoordinatorsRepository, SessionsRepository, WebSessionEntity } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { actorOf, AdminGuard, AdminPrincipal, AdminRequest, assertAllowed, Roles } from './admin.guard';
import { hashToken } from './token-hash';

const BOOTSTRAP = 'bootstrap-token-0123456789abcdef';
const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', ADMIN_TOKEN: BOOTSTRAP });
const person = (role: CoordinatorRole, status: CoordinatorEntity['status'] = 'active') => Object.assign(new CoordinatorEntity(), { id: `c-${role}`, name: `The ${role}`, role, status });
const coordinatorPrincipal = (role: CoordinatorRole): AdminPrincipal => ({ kind: 'coordinator', coordinator: person(role), via: 'session' });
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

@Controller()
class Routes {
  @Post() open() {}
  @Post() @Roles('treasurer') approve() {}
}

type FakeRequest = Partial<AdminRequest> & { method: string; headers: Record<string, string>; cookies?: Record<string, string> };
const ctx = (req: FakeRequest, handler: keyof Routes = 'open') =>
  ({ switchToHttp: () => ({ getRequest: () => req }), getHandler: () => Routes.prototype[handler], getClass: () => Routes }) as unknown as ExecutionContext;

function setup() {
  const coordinators = strictMock<CoordinatorsRepository>();
  const sessions = strictMock<SessionsRepository>();
  return { coordinators, sessions, guard: new AdminGuard(coordinators, sessions, new Reflector(), config) };
}

describe('the role rule', () => {
  it.each([
    ['viewer', 'GET', undefined, true],
    ['viewer', 'HEAD', undefined, true],
    ['viewer', 'POST', undefined, false],
    ['viewer', 'DELETE', undefined, false],
    ['coordinator', 'POST', undefined, true],
    ['treasurer', 'PATCH', undefined, true],
    ['coordinator', 'POST', ['treasurer'], false],
    ['viewer', 'POST', ['treasurer'], false],
    ['treasurer', 'POST', ['treasurer'], true],
    ['coordinator', 'GET', ['treasurer'], false],
  ] as const)('a %s sending %s to a route for %p: allowed %p', (role, method, roles, allowed) => {
    const run = () => assertAllowed(coordinatorPrincipal(role), method, roles);
    if (allowed) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ status: 403, code: 'forbidden_role' }));
  });

  it('lets the bootstrap token do anything', () => {
    expect(() => assertAllowed({ kind: 'bootstrap' }, 'POST', ['treasurer'])).not.toThrow();
  });

  it('names the person to workflows, and the bootstrap token as before', () => {
    expect(actorOf(coordinatorPrincipal('coordinator'))).toBe('coordinator:c-coordinator');
    expect(actorOf({ kind: 'bootstrap' })).toBe('coordinator');
  });
});

describe('AdminGuard', () => {
  it('takes the bootstrap token without looking anything up, and refuses other tokens and no credentials with 401', async () => {
    const s = setup();
    const req: FakeRequest = { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}` } };
    await expect(s.guard.canActivate(ctx(req, 'approve'))).resolves.toBe(true);
    expect(req.adminPrincipal).toEqual({ kind: 'bootstrap' });
    for (const authorization of ['Bearer wrong', 'Basic abc', 'Bearer '])
      await expect(s.guard.canActivate(ctx({ method: 'GET', headers: { authorization } }))).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {} }))).rejects.toMatchObject({ status: 401 });
  });

  it('a personal token acts with its owner’s role; its use is noted at most once a minute', async () => {
    const s = setup();
    s.coordinators.markTokenUsed.mockResolvedValue();
    s.coordinators.findToken.mockResolvedValueOnce({ tokenId: 't1', revokedAt: null, lastUsedAt: minutesAgo(5), coordinator: person('treasurer') });
    const req: FakeRequest = { method: 'POST', headers: { authorization: 'Bearer dpn_crd_secret' } };
    await expect(s.guard.canActivate(ctx(req, 'approve'))).resolves.toBe(true);
    expect(s.coordinators.findToken).toHaveBeenCalledWith(hashToken('dpn_crd_secret'));
    expect(s.coordinators.markTokenUsed).toHaveBeenCalledWith('t1');
    expect(req.adminPrincipal).toMatchObject({ kind: 'coordinator', via: 'token', coordinator: { id: 'c-treasurer' } });

    s.coordinators.findToken.mockResolvedValueOnce({ tokenId: 't2', revokedAt: null, lastUsedAt: minutesAgo(0.2), coordinator: person('coordinator') });
    await expect(s.guard.canActivate(ctx({ method: 'POST', headers: { authorization: 'Bearer dpn_crd_other' } }, 'approve'))).rejects.toMatchObject({ status: 403, code: 'forbidden_role' });
    expect(s.coordinators.markTokenUsed).toHaveBeenCalledTimes(1);
  });

  it('a revoked or unknown token is a 401; a disabled owner’s a 403 that still names whose token it was', async () => {
    const s = setup();
    s.coordinators.findToken.mockResolvedValueOnce(null);
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: { authorization: 'Bearer dpn_crd_x' } }))).rejects.toMatchObject({ status: 401 });
    s.coordinators.findToken.mockResolvedValueOnce({ tokenId: 't1', revokedAt: new Date(), lastUsedAt: null, coordinator: person('coordinator') });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: { authorization: 'Bearer dpn_crd_x' } }))).rejects.toMatchObject({ status: 401 });
    s.coordinators.findToken.mockResolvedValueOnce({ tokenId: 't1', revokedAt: null, lastUsedAt: null, coordinator: person('coordinator', 'disabled') });
    const req: FakeRequest = { method: 'GET', headers: { authorization: 'Bearer dpn_crd_x' } };
    await expect(s.guard.canActivate(ctx(req))).rejects.toMatchObject({ status: 403, code: 'coordinator_disabled' });
    expect(req.adminPrincipal).toMatchObject({ coordinator: { id: 'c-coordinator' } });
  });

  it('the console cookie: a coordinator’s session only, its CSRF token on writes, a viewer reads only', async () => {
    const s = setup();
    const session = (subjectType: 'member' | 'coordinator', subjectId: string) => Object.assign(new WebSessionEntity(), { subjectType, subjectId, csrfToken: 'csrf-1' });
    const cookies = { dpn_console: 'cookie-secret' };
    s.sessions.find.mockResolvedValueOnce({ state: 'active', session: session('member', 'm1') });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies }))).rejects.toMatchObject({ status: 401 });

    s.sessions.find.mockResolvedValue({ state: 'active', session: session('coordinator', 'c-viewer') });
    s.coordinators.findById.mockResolvedValue(person('viewer'));
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies }))).resolves.toBe(true);
    await expect(s.guard.canActivate(ctx({ method: 'POST', headers: {}, cookies }))).rejects.toMatchObject({ status: 403, code: 'csrf_failed' });
    await expect(s.guard.canActivate(ctx({ method: 'POST', headers: { 'x-csrf-token': 'csrf-1' }, cookies }))).rejects.toMatchObject({ status: 403, code: 'forbidden_role' });

    s.sessions.find.mockResolvedValueOnce({ state: 'expired', session: session('coordinator', 'c-viewer') });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies }))).rejects.toMatchObject({ status: 401, code: 'session_expired' });
    // The member's cookie is not the console's.
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies: { dpn_session: 'cookie-secret' } }))).rejects.toMatchObject({ status: 401 });
  });
});
