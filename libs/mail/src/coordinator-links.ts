import { KeyObject } from 'node:crypto';
import { linkSigningKey } from './link-key';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfig } from '@app/config';
import { SIGN_IN_LINK_MINUTES } from './member-links';

/** How long an invitation to the console works (then the invitee asks for a sign-in link by email). */
export const INVITATION_DAYS = 7;

/** Its own audience and type: a console link never signs anyone in as a member, nor a member link into the console. */
const AUDIENCE = 'dpn:console';
const ISSUER = 'dpn';
const TYPE = 'coordinator';

export type VerifiedCoordinatorLink = { ok: true; coordinatorId: string; expiresAt: Date } | { ok: false; reason: 'expired' | 'invalid' };

/**
 * The console's emailed links (an invitation, a sign-in link): a JWT (HS256, `LINK_SECRET`)
 * naming the coordinator, in the URL's fragment (`/console#console-link=<token>`) so that it
 * never reaches a server log or a Referer header. The console exchanges it once for a
 * coordinator session (`POST /session/coordinator`).
 */
@Injectable()
export class CoordinatorLinks {
  private readonly secret: KeyObject;
  private readonly baseUrl: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    if (!config.linkSecret) throw new Error('LINK_SECRET is required to sign and check emailed links');
    this.secret = linkSigningKey(config.linkSecret);
    this.baseUrl = config.publicUrl;
  }

  invitation(coordinatorId: string): string {
    return this.link(coordinatorId, INVITATION_DAYS * 86_400);
  }

  signIn(coordinatorId: string): string {
    return this.link(coordinatorId, SIGN_IN_LINK_MINUTES * 60);
  }

  private link(coordinatorId: string, seconds: number): string {
    const token = jwt.sign({ typ: TYPE }, this.secret, { algorithm: 'HS256', subject: coordinatorId, audience: AUDIENCE, issuer: ISSUER, expiresIn: seconds });
    return `${this.baseUrl}/console#console-link=${token}`;
  }

  verify(token: string): VerifiedCoordinatorLink {
    if (typeof token !== 'string' || token.length > 2000) return { ok: false, reason: 'invalid' };
    try {
      const p = jwt.verify(token, this.secret, { algorithms: ['HS256'], audience: AUDIENCE, issuer: ISSUER });
      if (typeof p === 'string' || p.typ !== TYPE || typeof p.sub !== 'string' || typeof p.exp !== 'number') return { ok: false, reason: 'invalid' };
      return { ok: true, coordinatorId: p.sub, expiresAt: new Date(p.exp * 1000) };
    } catch (err) {
      return { ok: false, reason: err instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
    }
  }
}
