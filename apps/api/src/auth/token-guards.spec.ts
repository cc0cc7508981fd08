import { ExecutionContext } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { MemberEntity, NodeEntity, SessionsRepository, TokensRepository, WebSessionEntity } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { bearerTokenHolder, issueBearerToken } from './bearer-token';
import { MemberTokenGuard } from './member-token.guard';
import { NodeTokenGuard } from './node-token.guard';
import { hashToken } from './token-hash';

const member = (status: MemberEntity['status'] = 'active') => Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@example.org', status });
const node = (status: NodeEntity['status'] = 'active') => Object.assign(new NodeEntity(), { id: 'n1', status });
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' });

type FakeRequest = { method: string; headers: Record<string, string>; cookies?: Record<string, string>; member?: MemberEntity; memberVia?: string; node?: NodeEntity };
const ctx = (req: FakeRequest) => ({ switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;

describe('the bearer-token path (member and node tokens)', () => {
  it.each([undefined, '', 'dpn_mbr_abc', 'Bearer dpn_node_abc', 'Basic dpn_mbr_abc', 'Bearer '])('answers 401 without looking anything up to %p', async (header) => {
    const tokens = strictMock<TokensRepository>();
    await expect(bearerTokenHolder(tokens, 'member', header)).rejects.toMatchObject({ status: 401, code: 'unauthorized', detail: expect.stringContaining('Bearer dpn_mbr_') });
  });

  it('looks the token up by its SHA-256 only; unknown and revoked tokens are 401', async () => {
    const tokens = strictMock<TokensRepository>();
    tokens.find.mockResolvedValueOnce(null);
    await expect(bearerTokenHolder(tokens, 'node', 'Bearer dpn_node_secret')).rejects.toMatchObject({ status: 401, detail: 'the node token is not valid or was revoked' });
    expect(tokens.find).toHaveBeenCalledWith('node', hashToken('dpn_node_secret'));
    tokens.find.mockResolvedValueOnce({ tokenId: 't1', revokedAt: new Date(), lastUsedAt: null, holder: node() });
    await expect(bearerTokenHolder(tokens, 'node', 'bearer dpn_node_secret ')).rejects.toMatchObject({ status: 401 });
  });

  it('writes nothing of its own on a request: the lookup notes a member token’s use (see the tokens repository’s test)', async () => {
    const tokens = strictMock<TokensRepository>();
    tokens.find.mockResolvedValueOnce({ tokenId: 't1', revokedAt: null, lastUsedAt: minutesAgo(2), holder: member() });
    await expect(bearerTokenHolder(tokens, 'member', 'Bearer dpn_mbr_x')).resolves.toMatchObject({ id: 'm1' });
    expect(tokens.find).toHaveBeenCalledTimes(1);
    const refuse = () => {
      throw new Error('refused');
    };
    tokens.find.mockResolvedValueOnce({ tokenId: 't2', revokedAt: null, lastUsedAt: null, holder: member('suspended') });
    await expect(bearerTokenHolder(tokens, 'member', 'Bearer dpn_mbr_x', refuse)).rejects.toThrow('refused');
  });

  it('issues a token with its kind’s prefix and stores only its hash', async () => {
    const tokens = strictMock<TokensRepository>();
    tokens.issue.mockImplementation(async (_kind, holderId, name) => ({ id: 't9', name, nodeId: holderId }) as never);
    const { saved, token } = await issueBearerToken(tokens, 'node', 'n1', 'workshop');
    expect(token).toMatch(/^dpn_node_[A-Za-z0-9_-]{43}$/);
    expect(tokens.issue).toHaveBeenCalledWith('node', 'n1', 'workshop', hashToken(token));
    expect(saved).toMatchObject({ id: 't9' });
  });
});

describe('NodeTokenGuard', () => {
  it('puts the token’s node on the request; a suspended node still gets in (it may finish its work)', async () => {
    const tokens = strictMock<TokensRepository>();
    tokens.find.mockResolvedValue({ tokenId: 't1', revokedAt: null, lastUsedAt: null, holder: node('suspended') });
    const req: FakeRequest = { method: 'POST', headers: { authorization: 'Bearer dpn_node_x' } };
    await expect(new NodeTokenGuard(tokens).canActivate(ctx(req))).resolves.toBe(true);
    expect(req.node).toMatchObject({ id: 'n1', status: 'suspended' });
  });
});

describe('MemberTokenGuard', () => {
  const setup = () => {
    const tokens = strictMock<TokensRepository>();
    const sessions = strictMock<SessionsRepository>();
    return { tokens, sessions, guard: new MemberTokenGuard(tokens, sessions, config) };
  };

  it('a token of a suspended member is a 403 (and its use is not noted)', async () => {
    const s = setup();
    s.tokens.find.mockResolvedValue({ tokenId: 't1', revokedAt: null, lastUsedAt: null, holder: member('suspended') });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: { authorization: 'Bearer dpn_mbr_x' } }))).rejects.toMatchObject({ status: 403, code: 'member_suspended' });
  });

  it('a member token signs the request as a token request', async () => {
    const s = setup();
    s.tokens.find.mockResolvedValue({ tokenId: 't1', revokedAt: null, lastUsedAt: new Date(), holder: member() });
    const req: FakeRequest = { method: 'POST', headers: { authorization: 'Bearer dpn_mbr_x' } };
    await s.guard.canActivate(ctx(req));
    expect(req).toMatchObject({ member: { id: 'm1' }, memberVia: 'token' });
  });

  it('the session cookie (without an Authorization header) needs the CSRF token for a write, not for a read', async () => {
    const s = setup();
    const session = Object.assign(new WebSessionEntity(), { subjectType: 'member', subjectId: 'm1', csrfToken: 'csrf-123' });
    s.sessions.find.mockResolvedValue({ state: 'active', session });
    s.sessions.member.mockResolvedValue(member());
    const read: FakeRequest = { method: 'GET', headers: {}, cookies: { dpn_session: 'cookie-secret' } };
    await expect(s.guard.canActivate(ctx(read))).resolves.toBe(true);
    expect(read.memberVia).toBe('session');
    await expect(s.guard.canActivate(ctx({ method: 'POST', headers: {}, cookies: { dpn_session: 'cookie-secret' } }))).rejects.toMatchObject({ status: 403, code: 'csrf_failed' });
    await expect(s.guard.canActivate(ctx({ method: 'POST', headers: { 'x-csrf-token': 'csrf-123' }, cookies: { dpn_session: 'cookie-secret' } }))).resolves.toBe(true);
  });

  it('an expired session is a 401 session_expired; a suspended member behind a session a 403', async () => {
    const s = setup();
    s.sessions.find.mockResolvedValueOnce({ state: 'expired', session: Object.assign(new WebSessionEntity(), { subjectType: 'member' }) });
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies: { dpn_session: 'c' } }))).rejects.toMatchObject({ status: 401, code: 'session_expired' });
    s.sessions.find.mockResolvedValueOnce({ state: 'active', session: Object.assign(new WebSessionEntity(), { subjectType: 'member', subjectId: 'm1', csrfToken: 'x' }) });
    s.sessions.member.mockResolvedValueOnce(member('suspended'));
    await expect(s.guard.canActivate(ctx({ method: 'GET', headers: {}, cookies: { dpn_session: 'c' } }))).rejects.toMatchObject({ status: 403, code: 'member_suspended' });
  });
});
