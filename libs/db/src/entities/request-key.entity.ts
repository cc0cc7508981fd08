import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The outcome of an HTTP request made with an Idempotency-Key, for endpoints whose effect lives
 * outside this database (Temporal updates): a retry gets the stored answer, a reuse of the key
 * for another request a 409.
 */
@Entity({ name: 'request_keys' })
export class RequestKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) key!: string;
  /** What the key was used for, e.g. `project-advance`. */
  @Column({ type: 'varchar', length: 64 }) scope!: string;
  @Column({ name: 'request_hash', type: 'char', length: 64 }) requestHash!: string;
  /** HTTP status and body of the answer; null while the first request is still in flight. */
  @Column({ name: 'response_status', type: 'int', nullable: true }) responseStatus!: number | null;
  @Column({ name: 'response_body', type: 'jsonb', nullable: true }) responseBody!: unknown;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
