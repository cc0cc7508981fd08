import jwt from 'jsonwebtoken';
import type { AppConfig } from '@app/config';
import { DecisionLinks } from './decision-links';
import { isAppPath, MemberLinks } from './member-links';

const config = { linkSecret: 'unit-link-secret-0123456789abcdef0123456789', publicUrl: 'https://dpn.example' } as AppConfig;
const decisions = new DecisionLinks(config);
const links = new MemberLinks(config, decisions);
const tokenOf = (url: string) => url.split('#link=')[1];

describe('emailed links that sign in', () => {
  it('name a member and a page, in the fragment, for 15 minutes at least and 30 days at most', () => {
    const url = links.signIn('m-1', '/rounds/abc');
    expect(url).toMatch(/^https:\/\/dpn\.example\/rounds\/abc#link=[\w-]+\.[\w-]+\.[\w-]+$/);
    const v = links.verify(tokenOf(url));
    expect(v).toMatchObject({ ok: true, memberId: 'm-1', path: '/rounds/abc' });
    const claims = jwt.decode(tokenOf(url)) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(900);
    const long = jwt.decode(tokenOf(links.page('m-1', '/me', new Date(Date.now() + 365 * 86_400_000)))) as { exp: number; iat: number };
    expect(long.exp - long.iat).toBe(30 * 86_400);
    const past = jwt.decode(tokenOf(links.page('m-1', '/me', new Date(Date.now() - 1000)))) as { exp: number; iat: number };
    expect(past.exp - past.iat).toBe(900);
  });

  it('refuse changed, foreign and expired tokens, saying which', () => {
    const t = tokenOf(links.signIn('m-1'));
    const [h, p, s] = t.split('.');
    expect(links.verify(`${h}.${p}.${s.slice(0, -2)}xx`)).toEqual({ ok: false, reason: 'invalid' });
    const other = jwt.sign({ pth: '/me', typ: 'member' }, 'another-secret-another-secret-another-secret', { subject: 'm-1', audience: 'dpn:link', issuer: 'dpn', expiresIn: 60 });
    expect(links.verify(other)).toEqual({ ok: false, reason: 'invalid' });
    const expired = jwt.sign({ pth: '/me', typ: 'member', exp: Math.floor(Date.now() / 1000) - 5 }, config.linkSecret!, { subject: 'm-1', audience: 'dpn:link', issuer: 'dpn' });
    expect(links.verify(expired)).toEqual({ ok: false, reason: 'expired', memberId: 'm-1', path: '/me' });
    const offsite = jwt.sign({ pth: '//evil.example/x', typ: 'member' }, config.linkSecret!, { subject: 'm-1', audience: 'dpn:link', issuer: 'dpn', expiresIn: 60 });
    expect(links.verify(offsite)).toEqual({ ok: false, reason: 'invalid' });
    expect(links.verify('x'.repeat(3000))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('accept the decision links already in mailboxes, opening the decision’s page', () => {
    const url = decisions.url({ decisionId: 'd-1', memberId: 'm-2' }, new Date(Date.now() + 3_600_000));
    expect(links.verify(url.split('/decide/')[1])).toMatchObject({ ok: true, memberId: 'm-2', path: '/decisions/d-1' });
  });

  it('lead only to paths of the app', () => {
    expect(isAppPath('/assets/7f1c/orders')).toBe(true);
    for (const bad of ['//evil.example', 'https://evil.example', '/a?b=c', '/a#b', 'me', `/${'a'.repeat(200)}`]) expect(isAppPath(bad)).toBe(false);
    expect(() => links.page('m-1', 'https://evil.example', new Date())).toThrow();
  });
});
