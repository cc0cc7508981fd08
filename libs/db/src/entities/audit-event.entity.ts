import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who made a request: a coordinator (session or personal token), the bootstrap token, a member,
 * a node, the system, or nobody known (`anonymous`: no or a refused credential).
 */
export const AUDIT_ACTOR_TYPES = ['coordinator', 'bootstrap', 'member', 'node', 'system', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * One state-changing request through the API (any method but GET/HEAD/OPTIONS that reached a
 * route), whether it succeeded or was refused: who, what, the outcome and the request id.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_time', ['occurredAt', 'id'])
@Index('ix_audit_events_actor_time', ['actorType', 'actorId', 'occurredAt'])
@Index('ix_audit_events_route_time', ['route', 'occurredAt'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ name: 'actor_type', type: 'varchar', length: 16 }) actorType!: AuditActorType;
  @Column({ name: 'actor_id', type: 'uuid', nullable: true }) actorId!: string | null;
  /** The actor's name when the request was made (people rename; the trail keeps what was true). */
  @Column({ name: 'actor_name', type: 'varchar', length: 200, nullable: true }) actorName!: string | null;
  /** `session` or `token` for people; null otherwise. */
  @Column({ type: 'varchar', length: 16, nullable: true }) via!: string | null;
  @Column({ type: 'varchar', length: 8 }) method!: string;
  /** The route template that answered (`/admin/rounds/:id/payout/approve`), never a raw path. */
  @Column({ type: 'varchar', length: 200 }) route!: string;
  /** The route's parameters (`{"id": "…"}`), each cut to 100 characters. */
  @Column({ type: 'jsonb', default: () => `'{}'` }) params!: Record<string, string>;
  /** The parameters' values, for "everything that touched this resource" (GIN-indexed). */
  @Index('ix_audit_events_resources', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  resources!: string[];
  @Column({ type: 'smallint' }) status!: number;
  /** The problem's `code` of a refused request (`forbidden_role`, `unauthorized`, …). */
  @Column({ type: 'varchar', length: 64, nullable: true }) code!: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true }) requestId!: string | null;
}
