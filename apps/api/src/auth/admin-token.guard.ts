import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { ProblemException } from '../common/problem';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The identity the admin API records as actor for a coordinator request. */
export const COORDINATOR_ACTOR = 'coordinator';

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>` (the coordinator token). Compared in constant
 * time over digests, so neither content nor length leaks through timing.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(AppConfig) config: AppConfig) {
    if (!config.adminToken) throw new Error('ADMIN_TOKEN is required by the admin API');
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    if (!/^Bearer\s+(\S+)\s*$/i.test(header)) {
      throw new ProblemException(401, 'unauthorized', 'the coordinator token is required: send Authorization: Bearer <token>');
    }
    if (!this.isCoordinator(header)) {
      throw new ProblemException(401, 'unauthorized', 'the coordinator token is not valid');
    }
    return true;
  }

  /** Whether an Authorization header carries the coordinator token (for routes that answer everyone, but say more to the coordinator). */
  isCoordinator(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return !!match && timingSafeEqual(digest(match[1]), this.expected);
  }
}
