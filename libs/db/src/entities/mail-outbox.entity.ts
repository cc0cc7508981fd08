import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * `queued` → `sending` (claimed by a relay) → `sent`; back to `queued` with a later
 * `next_attempt_at` after a temporary SMTP failure; `rejected` when the server refused the
 * address for good (5xx); `failed` when it could not be sent within the retry window.
 */
export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'rejected' | 'failed';

/**
 * One email the system means to send, under a business key such as
 * `decision:<id>:prompt:<member>`. Writers only insert rows (`MailOutbox.enqueue`, a database
 * write that never waits for SMTP); the worker's `MailRelay` sends them. The key makes sending
 * idempotent: a retried activity inserts nothing twice.
 */
@Entity({ name: 'mail_outbox' })
@Index('ix_mail_outbox_due', ['status', 'nextAttemptAt'])
export class MailOutboxEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key!: string;
  @Column({ type: 'varchar', length: 320 }) recipient!: string;
  @Column({ type: 'varchar', length: 300 }) subject!: string;
  @Column({ type: 'varchar', length: 16 }) status!: OutboxStatus;
  /** The Message-ID header, derived from the key: the same on every attempt. */
  @Column({ name: 'message_id', type: 'varchar', length: 200 }) messageId!: string;
  /** The rendered message, kept until it is sent (null for rows written before the relay). */
  @Column({ name: 'body_text', type: 'text', nullable: true }) bodyText!: string | null;
  @Column({ name: 'body_html', type: 'text', nullable: true }) bodyHtml!: string | null;
  /** When the relay may try (again). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt!: Date;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  /** Set while a relay is sending it: another relay takes it over only once the claim is stale. */
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt!: Date | null;
  @Column({ name: 'smtp_response', type: 'text', nullable: true }) smtpResponse!: string | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
}
