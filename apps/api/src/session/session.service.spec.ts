import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import { loadConfig } from '@app/config';
import { MemberEntity, SessionsRepository, WebSessionEntity } from '@app/db';
import { MailOutbox, MemberLinks } from '@app/mail';
import { strictMock } from '../../../../test/support/strict-mock';
import { sha256 } from './session-cookie';
import { SessionService } from './session.service';

beforeAll(() => Logger.overrideLogger(false));

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' });
const ada = Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@x.test', status: 'active' });
const session = (id = 's1') => Object.assign(new WebSessionEntity(), { id, subjectType: 'member', subjectId: 'm1', csrfToken: 'csrf' });
const request = (cookie?: string) => ({ cookies: cookie ? { dpn_session: cookie } : {} }) as unknown as Request;
const expiresAt = new Date(Date.now() + 3_600_000);
/** Lets the sign-in mail, queued after the answer, run. */
const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  const sessions = strictMock<SessionsRepository>();
  const links = strictMock<MemberLinks>({ signIn: jest.fn((memberId: string, path?: string) => `https://dpn.test/signin#${memberId}${path ?? ''}`) });
  const outbox = strictMock<MailOutbox>();
  return { sessions, links, outbox, service: new SessionService(sessions, links, outbox, config) };
}

describe('SessionService.requestLink', () => {
  it('mails an active member a link to where they were going, keyed by the counted request; never tells whether the email is a member’s', async () => {
    const s = setup();
    s.sessions.activeMemberByEmail.mockResolvedValueOnce(ada);
    s.sessions.countSignInRequest.mockResolvedValueOnce('req-1');
    s.outbox.enqueue.mockResolvedValue('queued');
    await expect(s.service.requestLink({ email: 'ada@x.test', next: '/rounds/r1' })).resolves.toBeUndefined();
    await flush();
    expect(s.sessions.countSignInRequest).toHaveBeenCalledWith({ type: 'member', id: 'm1' }, 5, 15);
    expect(s.links.signIn).toHaveBeenCalledWith('m1', '/rounds/r1');
    expect(s.outbox.enqueue.mock.calls[0][0]).toMatchObject({ key: 'sign-in:req-1', to: 'ada@x.test' });

    s.sessions.activeMemberByEmail.mockResolvedValueOnce(null);
    await expect(s.service.requestLink({ email: 'nobody@x.test' })).resolves.toBeUndefined();
    await flush();
    expect(s.outbox.enqueue).toHaveBeenCalledTimes(1);
  });

  it('over the limit of links per member nothing is sent; a next path outside the app falls back to /me', async () => {
    const s = setup();
    s.sessions.activeMemberByEmail.mockResolvedValue(ada);
    s.sessions.countSignInRequest.mockResolvedValueOnce(null);
    await s.service.requestLink({ email: 'ada@x.test' });
    await flush();
    s.sessions.countSignInRequest.mockResolvedValueOnce('req-2');
    s.outbox.enqueue.mockResolvedValue('queued');
    await s.service.requestLink({ email: 'ada@x.test', next: 'https://evil.test/' });
    await flush();
    expect(s.outbox.enqueue).toHaveBeenCalledTimes(1);
    expect(s.links.signIn).toHaveBeenCalledWith('m1', '/me');
  });

  it('with an old link: an expired one names the member and its page; a forged one is 400', async () => {
    const s = setup();
    s.links.verify.mockReturnValueOnce({ ok: false, reason: 'expired', memberId: 'm1', path: '/decisions/d1' });
    s.sessions.member.mockResolvedValueOnce(ada);
    s.sessions.countSignInRequest.mockResolvedValueOnce('req-3');
    s.outbox.enqueue.mockResolvedValue('queued');
    await s.service.requestLink({ link: 'old' });
    await flush();
    expect(s.links.signIn).toHaveBeenCalledWith('m1', '/decisions/d1');
    s.links.verify.mockReturnValueOnce({ ok: false, reason: 'invalid' });
    await expect(s.service.requestLink({ link: 'forged' })).rejects.toMatchObject({ status: 400, code: 'link_invalid' });
  });
});

describe('SessionService.open', () => {
  it('a good link opens a session once: only hashes are stored, the cookie’s secret is answered once', async () => {
    const s = setup();
    s.links.verify.mockReturnValue({ ok: true, memberId: 'm1', path: '/rounds/r1', expiresAt });
    s.sessions.member.mockResolvedValue(ada);
    s.sessions.useLink.mockResolvedValueOnce(true);
    s.sessions.create.mockImplementation(async () => session());
    const opened = await s.service.open('link-token', request());
    expect(s.sessions.useLink).toHaveBeenCalledWith(sha256('link-token'), { type: 'member', id: 'm1' }, expiresAt);
    const [subject, tokenHash, csrf, until] = s.sessions.create.mock.calls[0];
    expect(subject).toEqual({ type: 'member', id: 'm1' });
    expect(tokenHash).toBe(sha256(opened.token!));
    expect(csrf).not.toBe(opened.token);
    expect(until.getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect(opened).toMatchObject({ member: ada, path: '/rounds/r1' });
  });

  it('the same link again: goes on with this browser’s session of the same member, else 409 link_used', async () => {
    const s = setup();
    s.links.verify.mockReturnValue({ ok: true, memberId: 'm1', path: '/me', expiresAt });
    s.sessions.member.mockResolvedValue(ada);
    s.sessions.useLink.mockResolvedValue(false);
    s.sessions.find.mockResolvedValue({ state: 'active', session: session('s-current') });
    await expect(s.service.open('link-token', request('cookie-secret'))).resolves.toMatchObject({ token: null, session: { id: 's-current' } });
    expect(s.sessions.find).toHaveBeenCalledWith(sha256('cookie-secret'));
    await expect(s.service.open('link-token', request())).rejects.toMatchObject({ status: 409, code: 'link_used' });
    expect(s.sessions.create).not.toHaveBeenCalled();
  });

  it('a new sign-in replaces this browser’s old session; expired 410, forged 400, suspended 403', async () => {
    const s = setup();
    s.links.verify.mockReturnValue({ ok: true, memberId: 'm1', path: '/me', expiresAt });
    s.sessions.member.mockResolvedValue(ada);
    s.sessions.find.mockResolvedValue({ state: 'active', session: session('s-old') });
    s.sessions.useLink.mockResolvedValue(true);
    s.sessions.revoke.mockResolvedValue();
    s.sessions.create.mockResolvedValue(session('s-new'));
    await s.service.open('link-token', request('old-cookie'));
    expect(s.sessions.revoke).toHaveBeenCalledWith('s-old');

    s.links.verify.mockReturnValueOnce({ ok: false, reason: 'expired', memberId: 'm1', path: '/me' });
    await expect(s.service.open('x', request())).rejects.toMatchObject({ status: 410, code: 'link_expired' });
    s.links.verify.mockReturnValueOnce({ ok: false, reason: 'invalid' });
    await expect(s.service.open('x', request())).rejects.toMatchObject({ status: 400, code: 'link_invalid' });
    s.sessions.member.mockResolvedValueOnce(Object.assign(new MemberEntity(), { ...ada, status: 'suspended' }));
    await expect(s.service.open('x', request())).rejects.toMatchObject({ status: 403, code: 'member_suspended' });
  });
});

describe('SessionService.lookup and close', () => {
  it('a revoked or timed-out session, or a suspended member, is expired; no cookie or an unknown one is none', async () => {
    const s = setup();
    await expect(s.service.lookup(request())).resolves.toBeNull();
    s.sessions.find.mockResolvedValueOnce({ state: 'unknown' });
    await expect(s.service.lookup(request('c'))).resolves.toBeNull();
    s.sessions.find.mockResolvedValue({ state: 'expired', session: session() });
    s.sessions.member.mockResolvedValue(ada);
    await expect(s.service.lookup(request('c'))).resolves.toMatchObject({ state: 'expired' });
    s.sessions.find.mockResolvedValue({ state: 'active', session: session() });
    s.sessions.member.mockResolvedValueOnce(Object.assign(new MemberEntity(), { ...ada, status: 'suspended' }));
    await expect(s.service.lookup(request('c'))).resolves.toMatchObject({ state: 'expired' });
    await expect(s.service.current(request('c'))).resolves.toMatchObject({ member: ada });
    s.sessions.revoke.mockResolvedValue();
    await s.service.close(request('c'));
    expect(s.sessions.revoke).toHaveBeenCalledWith('s1');
  });
});
