import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** `skipped`: not sent, because what it announced was no longer current (e.g. an offer that closed). */
export type WebhookOutcome = 'delivered' | 'retry' | 'rejected' | 'gone' | 'blocked' | 'skipped';

/** One HTTP attempt to deliver one event to one node: what a node's operator needs to debug it. */
@Entity({ name: 'webhook_attempts' })
@Index('ix_webhook_attempts_node_time', ['nodeId', 'createdAt'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'node_id', type: 'uuid' }) nodeId!: string;
  /** The `webhook-id`: the same on every retry of one event, so the node can drop duplicates. */
  @Index('ix_webhook_attempts_event')
  @Column({ name: 'event_id', type: 'varchar', length: 100 })
  eventId!: string;
  @Column({ name: 'event_type', type: 'varchar', length: 64 }) eventType!: string;
  @Column({ type: 'int' }) attempt!: number;
  @Column({ type: 'varchar', length: 300 }) url!: string;
  @Column({ name: 'status_code', type: 'int', nullable: true }) statusCode!: number | null;
  @Column({ name: 'latency_ms', type: 'int' }) latencyMs!: number;
  @Column({ type: 'varchar', length: 16 }) outcome!: WebhookOutcome;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
