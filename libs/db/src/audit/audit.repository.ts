import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditActorType, AuditEventEntity } from '../entities/audit-event.entity';

export type NewAuditEvent = Omit<AuditEventEntity, 'id'>;

export interface AuditFilter {
  actorType?: AuditActorType;
  actorId?: string;
  /** Route templates starting with this (`/admin/rounds` finds every round route). */
  routePrefix?: string;
  /** Requests with this value among their route parameters (a round's id, a phase). */
  resource?: string;
  /** `ok`: answered below 400; `refused`: 400 and above. */
  outcome?: 'ok' | 'refused';
  from?: Date;
  to?: Date;
  /** Strictly older than this position (the cursor of the previous page). */
  before?: { occurredAt: Date; id: string };
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The audit trail (`audit_events`): written once per state-changing request, read newest first. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async record(e: NewAuditEvent): Promise<void> {
    await this.recordMany([e]);
  }

  /**
   * Deletes at most `limit` rows older than `before`, oldest first; how many it deleted. Rows
   * another process is deleting are skipped, so several API processes may prune at once.
   */
  async pruneBefore(before: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await this.ds.query(
      `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, limit],
    );
    return count;
  }

  /** Many events in one statement (the API writes the trail in small batches: see `AuditTrail`). */
  async recordMany(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const col = <K extends keyof NewAuditEvent>(k: K) => events.map((e) => e[k]);
    await this.ds.query(
      `INSERT INTO audit_events (occurred_at, actor_type, actor_id, actor_name, via, method, route, params, resources, status, code, request_id)
       SELECT o, t, a, n, v, m, r, p, ARRAY(SELECT jsonb_array_elements_text(rs)), s, c, q
         FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[], $10::int[], $11::text[], $12::text[])
           AS u(o, t, a, n, v, m, r, p, rs, s, c, q)`,
      [
        col('occurredAt'),
        col('actorType'),
        col('actorId'),
        col('actorName'),
        col('via'),
        col('method'),
        col('route'),
        events.map((e) => JSON.stringify(e.params)),
        events.map((e) => JSON.stringify(e.resources)),
        col('status'),
        col('code'),
        col('requestId'),
      ],
    );
  }

  /** Newest first, `limit` + 1 read so the caller knows whether another page follows. */
  async list(f: AuditFilter): Promise<{ items: AuditEventEntity[]; more: boolean }> {
    const q = this.ds.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (f.actorType) q.andWhere('e.actor_type = :actorType', { actorType: f.actorType });
    if (f.actorId) q.andWhere('e.actor_id = :actorId', { actorId: f.actorId });
    if (f.routePrefix) q.andWhere(`e.route LIKE :route ESCAPE '\\'`, { route: `${escapeLike(f.routePrefix)}%` });
    if (f.resource) q.andWhere('e.resources @> ARRAY[:resource]::text[]', { resource: f.resource });
    if (f.outcome === 'ok') q.andWhere('e.status < 400');
    if (f.outcome === 'refused') q.andWhere('e.status >= 400');
    if (f.from) q.andWhere('e.occurred_at >= :from', { from: f.from });
    if (f.to) q.andWhere('e.occurred_at < :to', { to: f.to });
    if (f.before) q.andWhere('(e.occurred_at, e.id) < (:at, :id)', { at: f.before.occurredAt, id: f.before.id });
    const rows = await q.orderBy('e.occurred_at', 'DESC').addOrderBy('e.id', 'DESC').limit(f.limit + 1).getMany();
    return { items: rows.slice(0, f.limit), more: rows.length > f.limit };
  }
}
