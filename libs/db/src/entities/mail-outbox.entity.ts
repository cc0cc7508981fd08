import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type OutboxStatus = 'sending' | 'sent' | 'rejected';

/**
 * One email the system means to send, under a business key such as
 * `decision:<id>:prompt:<member>`. The key makes sending idempotent: a retried activity finds the
 * row already `sent` and sends nothing (see MailOutbox in libs/mail).
 */
@Entity({ name: 'mail_outbox' })
export class MailOutboxEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key!: string;
  @Column({ type: 'varchar', length: 320 }) recipient!: string;
  @Column({ type: 'varchar', length: 300 }) subject!: string;
  @Column({ type: 'varchar', length: 16 }) status!: OutboxStatus;
  /** The Message-ID header, derived from the key: the same on every attempt. */
  @Column({ name: 'message_id', type: 'varchar', length: 200 }) messageId!: string;
  @Column({ type: 'int', default: 0 }) attempts!: number;
  /** Set while an attempt is sending: another attempt waits until it is stale (a lease). */
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt!: Date | null;
  @Column({ name: 'smtp_response', type: 'text', nullable: true }) smtpResponse!: string | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
}
