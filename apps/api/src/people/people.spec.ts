import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { loadConfig } from '@app/config';
import { AuditRepository, CoordinatorEntity, CoordinatorRole, CoordinatorsRepository, CoordinatorTokenEntity, MemberEntity, NodeEntity, SessionsRepository, WebSessionEntity } from '@app/db';
import { CoordinatorLinks, MailOutbox } from '@app/mail';
import { strictMock } from '../../../../test/support/strict-mock';
import type { AdminPrincipal } from '../auth/admin.guard';
import { hashToken } from '../auth/token-hash';
import { AUDIT_BATCH_ROWS, auditEventOf, AuditTrail, paramsOf } from './audit-trail';
import { AuditService, decodeCursor, encodeCursor } from './audit.service';
import { CoordinatorSessionService } from './coordinator-session.service';
import { CoordinatorsService, MAX_LIVE_TOKENS } from './coordinators.service';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', LINK_SECRET: 'unit-link-secret-0123456789abcdef0123456789', PUBLIC_URL: 'https://dpn.example' });
const person = (role: CoordinatorRole, extra: Partial<CoordinatorEntity> = {}) =>
  Object.assign(new CoordinatorEntity(), { id: `c-${role}`, name: `The ${role}`, email: `${role}@example.org`, role, status: 'active', activatedAt: new Date(), ...extra });
const as = (role: CoordinatorRole): AdminPrincipal => ({ kind: 'coordinator', coordinator: person(role), via: 'session' });
const uniqueViolation = () => new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' }));

describe('CoordinatorsService', () => {
  const setup = () => {
    const coordinators = strictMock<CoordinatorsRepository>();
    const sessions = strictMock<SessionsRepository>();
    const outbox = strictMock<MailOutbox>();
    return { coordinators, sessions, outbox, service: new CoordinatorsService(coordinators, sessions, new CoordinatorLinks(config), outbox) };
  };

  it('invites: records who invited, mails a console link; a coordinator makes no treasurers and a viewer nobody', async () => {
    const s = setup();
    s.coordinators.invite.mockImplementation(async (c) => person(c.role, { id: 'c-new', name: c.name, email: c.email, status: 'invited', activatedAt: null, invitedBy: c.invitedBy }));
    s.outbox.enqueue.mockResolvedValue('queued');
    await s.service.invite({ name: 'Ada', email: 'ada@example.org', role: 'viewer' }, as('coordinator'));
    expect(s.coordinators.invite).toHaveBeenCalledWith({ name: 'Ada', email: 'ada@example.org', role: 'viewer', invitedBy: 'coordinator:c-coordinator' });
    const mail = s.outbox.enqueue.mock.calls[0][0];
    expect(mail).toMatchObject({ key: 'coordinator-invitation:c-new:first', to: 'ada@example.org', subject: 'You are invited to the DPN coordinator console' });
    expect(mail.text).toMatch(/https:\/\/dpn\.example\/console#console-link=[\w-]+\.[\w-]+\.[\w-]+/);
    expect(mail.text).toContain('The coordinator invited you');

    await expect(s.service.invite({ name: 'T', email: 't@example.org', role: 'treasurer' }, as('coordinator'))).rejects.toMatchObject({ status: 403, code: 'forbidden_role' });
    await expect(s.service.invite({ name: 'V', email: 'v@example.org', role: 'viewer' }, as('viewer'))).rejects.toMatchObject({ status: 403 });
    s.coordinators.invite.mockRejectedValueOnce(uniqueViolation());
    await expect(s.service.invite({ name: 'T', email: 'T@example.org', role: 'treasurer' }, { kind: 'bootstrap' })).rejects.toMatchObject({ status: 409, code: 'email_taken' });
    expect(s.outbox.enqueue).toHaveBeenCalledTimes(1);
  });

  it('changes roles and status: not one’s own, not someone above; enabling gives back invited or active', async () => {
    const s = setup();
    s.coordinators.findById.mockImplementation(async (id) => (id === 'c-treasurer' ? person('treasurer') : id === 'c-coordinator' ? person('coordinator') : person('viewer', { id, activatedAt: null, status: 'disabled' })));
    await expect(s.service.update('c-coordinator', { role: 'viewer' }, as('coordinator'))).rejects.toMatchObject({ code: 'cannot_change_self' });
    await expect(s.service.update('c-treasurer', { status: 'disabled' }, as('coordinator'))).rejects.toMatchObject({ code: 'forbidden_role' });
    await expect(s.service.update('c-x', { role: 'treasurer' }, as('coordinator'))).rejects.toMatchObject({ code: 'forbidden_role' });
    s.coordinators.update.mockImplementation(async (id, changes) => person('viewer', { id, ...changes }));
    await s.service.update('c-x', { status: 'active' }, as('coordinator'));
    expect(s.coordinators.update).toHaveBeenLastCalledWith('c-x', { status: 'invited' });
    await s.service.update('c-coordinator', { status: 'disabled', role: 'viewer' }, as('treasurer'));
    expect(s.coordinators.update).toHaveBeenLastCalledWith('c-coordinator', { role: 'viewer', status: 'disabled' });
  });

  it('personal tokens: for people only, stored by hash, at most a bounded number live', async () => {
    const s = setup();
    await expect(s.service.issueToken({ kind: 'bootstrap' }, 'x')).rejects.toMatchObject({ status: 403, code: 'not_a_coordinator' });
    s.coordinators.liveTokenCount.mockResolvedValueOnce(MAX_LIVE_TOKENS);
    await expect(s.service.issueToken(as('viewer'), 'x')).rejects.toMatchObject({ status: 409, code: 'too_many_tokens' });
    s.coordinators.liveTokenCount.mockResolvedValueOnce(0);
    s.coordinators.issueToken.mockImplementation(async (coordinatorId, name) => Object.assign(new CoordinatorTokenEntity(), { id: 't1', coordinatorId, name }));
    const { token, saved } = await s.service.issueToken(as('coordinator'), 'report');
    expect(token).toMatch(/^dpn_crd_[\w-]{43}$/);
    expect(s.coordinators.issueToken).toHaveBeenCalledWith('c-coordinator', 'report', hashToken(token));
    expect(saved.id).toBe('t1');
    s.coordinators.revokeToken.mockResolvedValueOnce(null);
    await expect(s.service.revokeToken(as('coordinator'), 't9')).rejects.toMatchObject({ status: 404 });
  });
});

describe('CoordinatorSessionService', () => {
  const setup = () => {
    const sessions = strictMock<SessionsRepository>();
    const coordinators = strictMock<CoordinatorsRepository>();
    const outbox = strictMock<MailOutbox>();
    const links = new CoordinatorLinks(config);
    return { sessions, coordinators, outbox, links, service: new CoordinatorSessionService(sessions, coordinators, links, outbox, config) };
  };
  const req = (cookie?: string) => ({ cookies: cookie ? { dpn_console: cookie } : {}, headers: {} }) as unknown as Request;
  const tokenOf = (url: string) => url.split('#console-link=')[1];

  it('the first link accepts the invitation and opens a session stored by hash; the same link again is link_used', async () => {
    const s = setup();
    const invited = person('coordinator', { status: 'invited', activatedAt: null });
    s.coordinators.findById.mockResolvedValue(invited);
    s.sessions.useLink.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    s.coordinators.activate.mockResolvedValue(person('coordinator'));
    s.sessions.create.mockImplementation(async (subject, tokenHash, csrfToken, expiresAt) => Object.assign(new WebSessionEntity(), { id: 's1', subjectType: subject.type, subjectId: subject.id, tokenHash, csrfToken, expiresAt }));
    const link = tokenOf(s.links.invitation('c-coordinator'));
    const opened = await s.service.open(link, req());
    expect(opened.coordinator.status).toBe('active');
    expect(s.sessions.create.mock.calls[0][0]).toEqual({ type: 'coordinator', id: 'c-coordinator' });
    expect(opened.session.tokenHash).toHaveLength(64);
    expect(opened.session.tokenHash).not.toBe(opened.token);
    await expect(s.service.open(link, req())).rejects.toMatchObject({ status: 409, code: 'link_used' });
  });

  it('refuses a forged, a member’s or an expired link, and a disabled account', async () => {
    const s = setup();
    await expect(s.service.open('not.a.link', req())).rejects.toMatchObject({ status: 400, code: 'link_invalid' });
    const jwt = await import('jsonwebtoken');
    const expired = jwt.sign({ typ: 'coordinator', exp: Math.floor(Date.now() / 1000) - 5 }, config.linkSecret!, { subject: 'c-1', audience: 'dpn:console', issuer: 'dpn' });
    await expect(s.service.open(expired, req())).rejects.toMatchObject({ status: 410, code: 'link_expired' });
    const memberLink = jwt.sign({ typ: 'member', pth: '/me' }, config.linkSecret!, { subject: 'c-1', audience: 'dpn:link', issuer: 'dpn', expiresIn: 60 });
    await expect(s.service.open(memberLink, req())).rejects.toMatchObject({ status: 400 });
    s.coordinators.findById.mockResolvedValue(person('viewer', { status: 'disabled' }));
    await expect(s.service.open(tokenOf(s.links.signIn('c-viewer')), req())).rejects.toMatchObject({ status: 403, code: 'coordinator_disabled' });
  });
});

describe('the audit trail', () => {
  const res = (statusCode: number, locals: Record<string, unknown> = {}) => ({ statusCode, headersSent: true, writableFinished: true, locals: { requestId: 'req-1', ...locals } }) as unknown as Response;
  const request = (method: string, extra: Record<string, unknown> = {}) => ({ method, baseUrl: '', route: { path: '/admin/rounds/:id/payout/approve' }, originalUrl: '/admin/rounds/r1/payout/approve', params: { id: 'r1' }, ...extra }) as unknown as Request;
  const at = new Date('2026-03-01T10:00:00Z');

  it('records writes with the route template, parameters, status, refusal code and request id; never reads or unmatched paths', () => {
    const coordinator = person('coordinator');
    const e = auditEventOf(request('POST', { adminPrincipal: { kind: 'coordinator', coordinator, via: 'token' } }), res(403, { problemCode: 'forbidden_role' }), at);
    expect(e).toEqual({
      occurredAt: at,
      actorType: 'coordinator',
      actorId: 'c-coordinator',
      actorName: 'The coordinator',
      via: 'token',
      method: 'POST',
      route: '/admin/rounds/:id/payout/approve',
      params: { id: 'r1' },
      resources: ['r1'],
      status: 403,
      code: 'forbidden_role',
      requestId: 'req-1',
    });
    expect(auditEventOf(request('GET'), res(200), at)).toBeNull();
    expect(auditEventOf(request('POST', { route: undefined, originalUrl: '/nowhere' }), res(404), at)).toBeNull();
    expect(auditEventOf(request('POST'), res(201, { problemCode: 'stale' }), at)?.code).toBeNull();
  });

  it('names the member, the node, the bootstrap token, or nobody', () => {
    const member = Object.assign(new MemberEntity(), { id: 'm1', name: 'Mira' });
    const node = Object.assign(new NodeEntity(), { id: 'n1', name: 'Shop' });
    expect(auditEventOf(request('POST', { member, memberVia: 'session' }), res(200), at)).toMatchObject({ actorType: 'member', actorId: 'm1', actorName: 'Mira', via: 'session' });
    expect(auditEventOf(request('POST', { node }), res(200), at)).toMatchObject({ actorType: 'node', actorId: 'n1', actorName: 'Shop' });
    expect(auditEventOf(request('POST', { adminPrincipal: { kind: 'bootstrap' } }), res(200), at)).toMatchObject({ actorType: 'bootstrap', actorId: null });
    expect(auditEventOf(request('POST'), res(401, { problemCode: 'unauthorized' }), at)).toMatchObject({ actorType: 'anonymous', code: 'unauthorized' });
  });

  it('bounds what a refused request put in its parameters', () => {
    const params = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'x'.repeat(500)]));
    const out = paramsOf({ params } as unknown as Request);
    expect(Object.keys(out)).toHaveLength(10);
    expect(Object.values(out).every((v) => v.length === 100)).toBe(true);
  });

  it('pages by an opaque cursor and refuses one it did not give out; parses the actor filter', async () => {
    const e = { occurredAt: new Date('2026-03-01T10:00:00.123Z'), id: '0b5e1b3c-8a1f-4c59-9d57-0f9a4b1c2d3e' };
    expect(decodeCursor(encodeCursor(e))).toEqual(e);
    for (const bad of ['bm9wZQ', 'x', Buffer.from('["2026-01-01",1]').toString('base64url')]) expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400 }));
    const audit = strictMock<AuditRepository>();
    audit.list.mockResolvedValue({ items: [Object.assign(e, {})] as never, more: true });
    const trail = strictMock<AuditTrail>();
    trail.flush.mockResolvedValue();
    const page = await new AuditService(audit, trail).list({ actor: 'coordinator:0B5E1B3C-8A1F-4C59-9D57-0F9A4B1C2D3E', limit: 1 });
    expect(audit.list).toHaveBeenCalledWith(expect.objectContaining({ actorType: 'coordinator', actorId: '0b5e1b3c-8a1f-4c59-9d57-0f9a4b1c2d3e', limit: 1 }));
    expect(page.nextCursor).toBe(encodeCursor(e));
    expect(trail.flush).toHaveBeenCalled();
  });

  it('writes the trail in batches: one INSERT for the events of a burst, the rest on flush and on shutdown, a failed write logged not thrown', async () => {
    const audit = strictMock<AuditRepository>();
    const written: number[] = [];
    audit.recordMany.mockImplementation(async (events) => void written.push(events.length));
    const trail = new AuditTrail(audit);
    const fire = (n: number) => {
      for (let i = 0; i < n; i++) {
        const req = { method: 'POST', params: {}, route: { path: '/x' }, baseUrl: '', originalUrl: '/x' } as never;
        const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true, headersSent: true, locals: {} }) as never;
        trail.middleware(req, res, () => undefined);
        (res as EventEmitter).emit('finish');
      }
    };
    fire(AUDIT_BATCH_ROWS + 3);
    await trail.flush();
    expect(written).toEqual([AUDIT_BATCH_ROWS, 3]);
    fire(2);
    await trail.onApplicationShutdown();
    expect(written).toEqual([AUDIT_BATCH_ROWS, 3, 2]);
    audit.recordMany.mockRejectedValueOnce(new Error('database down'));
    fire(1);
    await expect(trail.flush()).resolves.toBeUndefined();
    fire(1);
    await trail.flush();
    expect(written).toEqual([AUDIT_BATCH_ROWS, 3, 2, 1]);
  });
});
