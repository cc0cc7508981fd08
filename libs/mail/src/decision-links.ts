import { KeyObject } from 'node:crypto';
import { linkSigningKey } from './link-key';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfig } from '@app/config';

/** What a verified decision link grants: answering `decisionId` as `memberId`, and nothing else. */
export interface DecisionLinkClaims {
  decisionId: string;
  memberId: string;
}

export type VerifiedLink =
  | ({ ok: true } & DecisionLinkClaims)
  /** Signature good, but past its expiry: the page can still say which decision it was. */
  | ({ ok: false; reason: 'expired' } & DecisionLinkClaims)
  | { ok: false; reason: 'invalid' };

const AUDIENCE = 'dpn:decision';
const ISSUER = 'dpn';

/**
 * Signed, expiring links for decision emails: a JWT (HS256, `jsonwebtoken`) whose subject is the
 * member and whose `dec` claim is the decision, expiring at the decision's deadline. The link is
 * good for that member and that decision only; a changed character makes it invalid. Whether it
 * was already used is not in the token: the decision knows (answers are final).
 */
@Injectable()
export class DecisionLinks {
  private readonly secret: KeyObject;
  private readonly baseUrl: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    if (!config.linkSecret) throw new Error('LINK_SECRET is required to sign and check decision links');
    this.secret = linkSigningKey(config.linkSecret);
    this.baseUrl = config.publicUrl;
  }

  token(claims: DecisionLinkClaims, expiresAt: Date): string {
    return jwt.sign({ dec: claims.decisionId }, this.secret, {
      algorithm: 'HS256',
      subject: claims.memberId,
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
      noTimestamp: false,
    });
  }

  url(claims: DecisionLinkClaims, expiresAt: Date): string {
    return `${this.baseUrl}/decide/${this.token(claims, expiresAt)}`;
  }

  verify(token: string): VerifiedLink {
    const options = { algorithms: ['HS256' as const], audience: AUDIENCE, issuer: ISSUER };
    try {
      return { ok: true, ...claimsOf(jwt.verify(token, this.secret, options)) };
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) {
        try {
          return { ok: false, reason: 'expired', ...claimsOf(jwt.verify(token, this.secret, { ...options, ignoreExpiration: true })) };
        } catch {
          return { ok: false, reason: 'invalid' };
        }
      }
      return { ok: false, reason: 'invalid' };
    }
  }
}

function claimsOf(payload: string | jwt.JwtPayload): DecisionLinkClaims {
  if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.dec !== 'string') {
    throw new Error('malformed decision link');
  }
  return { decisionId: payload.dec, memberId: payload.sub };
}
