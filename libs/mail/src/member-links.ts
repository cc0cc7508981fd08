import { KeyObject } from 'node:crypto';
import { linkSigningKey } from './link-key';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfig } from '@app/config';
import { DecisionLinks } from './decision-links';

/** How long a link asked for on the sign-in page works. */
export const SIGN_IN_LINK_MINUTES = 15;
/** Bounds of every other emailed link: at least as long as a sign-in link, at most a month. */
const MIN_LINK_MS = SIGN_IN_LINK_MINUTES * 60_000;
const MAX_LINK_MS = 30 * 86_400_000;

const AUDIENCE = 'dpn:link';
const ISSUER = 'dpn';

/** A page of the web app a link may lead to: a plain path, never another site. */
export function isAppPath(path: string): boolean {
  return path.length <= 200 && /^\/(?!\/)[A-Za-z0-9/_-]*$/.test(path);
}

/** What a verified emailed link says: who it signs in, and which page it opens. */
export type VerifiedMemberLink =
  | { ok: true; memberId: string; path: string; expiresAt: Date }
  /** Signed by us, but past its expiry: the app can still offer to mail a fresh link to the same member. */
  | { ok: false; reason: 'expired'; memberId: string; path: string }
  | { ok: false; reason: 'invalid' };

/**
 * Every link in an email signs its member in to the web app and opens a page: a JWT (HS256,
 * `LINK_SECRET`) naming the member and the page, put in the URL's fragment
 * (`/rounds/<id>#link=<token>`) so that it never reaches a server log or a Referer header. The
 * app exchanges it once for a session (`POST /session`); the API records each use, so a link signs
 * in only once. Decision links (`/decide/<token>`, already in members' mailboxes) are accepted too
 * and open the decision's page.
 */
@Injectable()
export class MemberLinks {
  private readonly secret: KeyObject;
  private readonly baseUrl: string;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    private readonly decisions: DecisionLinks,
  ) {
    if (!config.linkSecret) throw new Error('LINK_SECRET is required to sign and check emailed links');
    this.secret = linkSigningKey(config.linkSecret);
    this.baseUrl = config.publicUrl;
  }

  /** The link of the sign-in page's email: 15 minutes. */
  signIn(memberId: string, path = '/me'): string {
    return this.page(memberId, path, new Date(Date.now() + MIN_LINK_MS));
  }

  /** A link to a page of the app for one member, working until `expiresAt` (bounded to 15 min … 30 days). */
  page(memberId: string, path: string, expiresAt: Date): string {
    if (!isAppPath(path)) throw new Error(`not a page of the app: ${path}`);
    const ms = Math.min(MAX_LINK_MS, Math.max(MIN_LINK_MS, expiresAt.getTime() - Date.now()));
    const token = jwt.sign({ pth: path, typ: 'member' }, this.secret, {
      algorithm: 'HS256',
      subject: memberId,
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: Math.floor(ms / 1000),
    });
    return `${this.baseUrl}${path}#link=${token}`;
  }

  verify(token: string): VerifiedMemberLink {
    if (typeof token !== 'string' || token.length > 2000) return { ok: false, reason: 'invalid' };
    const decision = this.decisions.verify(token);
    if (decision.ok) return { ok: true, memberId: decision.memberId, path: `/decisions/${decision.decisionId}`, expiresAt: expiryOf(token) };
    if (decision.reason === 'expired') return { ok: false, reason: 'expired', memberId: decision.memberId, path: `/decisions/${decision.decisionId}` };
    const options = { algorithms: ['HS256' as const], audience: AUDIENCE, issuer: ISSUER };
    try {
      const claims = claimsOf(jwt.verify(token, this.secret, options));
      return { ok: true, ...claims, expiresAt: expiryOf(token) };
    } catch (err) {
      if (!(err instanceof jwt.TokenExpiredError)) return { ok: false, reason: 'invalid' };
      try {
        return { ok: false, reason: 'expired', ...claimsOf(jwt.verify(token, this.secret, { ...options, ignoreExpiration: true })) };
      } catch {
        return { ok: false, reason: 'invalid' };
      }
    }
  }
}

function claimsOf(payload: string | jwt.JwtPayload): { memberId: string; path: string } {
  if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.pth !== 'string' || payload.typ !== 'member' || !isAppPath(payload.pth)) {
    throw new Error('malformed link');
  }
  return { memberId: payload.sub, path: payload.pth };
}

/** The `exp` of a token whose signature was already checked. */
function expiryOf(token: string): Date {
  const exp = (jwt.decode(token) as jwt.JwtPayload | null)?.exp;
  return new Date((exp ?? Math.floor(Date.now() / 1000)) * 1000);
}
