import { Injectable } from '@nestjs/common';
import { AuditActorType, AuditEventEntity, AuditRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { AuditTrail } from './audit-trail';
import type { AuditQuery } from './people.dto';

export const AUDIT_PAGE_DEFAULT = 50;

/** An opaque position in the newest-first list: the last row's time and id. */
export function encodeCursor(e: Pick<AuditEventEntity, 'occurredAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([e.occurredAt.toISOString(), e.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { occurredAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    const occurredAt = new Date(String(at));
    if (typeof at === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) && !Number.isNaN(occurredAt.getTime())) return { occurredAt, id };
  } catch {
    // falls through to the 400 below
  }
  throw new ProblemException(400, 'validation_failed', 'cursor is not one this API gave out', [{ field: 'cursor', code: 'invalidCursor', message: 'pass nextCursor of the previous page unchanged' }]);
}

/** The audit trail, read: newest first, filtered, a bounded page at a time. */
@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly trail: AuditTrail,
  ) {}

  async list(q: AuditQuery): Promise<{ items: AuditEventEntity[]; nextCursor: string | null }> {
    const [type, id] = q.actor ? (q.actor.split(':') as [AuditActorType, string | undefined]) : [undefined, undefined];
    const limit = q.limit ?? AUDIT_PAGE_DEFAULT;
    // This instance's latest requests first (they wait at most AUDIT_BATCH_MS to be written).
    await this.trail.flush();
    const { items, more } = await this.audit.list({
      actorType: type,
      actorId: id?.toLowerCase(),
      routePrefix: q.route,
      resource: q.resource,
      outcome: q.outcome,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit,
    });
    return { items, nextCursor: more && items.length > 0 ? encodeCursor(items[items.length - 1]) : null };
  }
}
