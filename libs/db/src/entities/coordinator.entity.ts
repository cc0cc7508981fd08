import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';

/**
 * What a coordinator may do: a `viewer` reads only; a `coordinator` runs the network; a
 * `treasurer` is a coordinator who may also approve payouts and post to the ledger.
 */
export const COORDINATOR_ROLES = ['viewer', 'coordinator', 'treasurer'] as const;
export type CoordinatorRole = (typeof COORDINATOR_ROLES)[number];

/** `invited` until the first emailed link is used; `disabled` accounts, their sessions and tokens are refused. */
export const COORDINATOR_STATUSES = ['invited', 'active', 'disabled'] as const;
export type CoordinatorStatus = (typeof COORDINATOR_STATUSES)[number];

/** A person who runs the network from the console, signed in by emailed links (no password). Emails are stored lower-cased and are unique. */
@Entity({ name: 'coordinators' })
export class CoordinatorEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Index('uq_coordinators_email', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email!: string;
  @Column({ type: 'varchar', length: 16 }) role!: CoordinatorRole;
  @Column({ type: 'varchar', length: 16, default: 'invited' }) status!: CoordinatorStatus;
  /** Who invited them: `coordinator:<id>` or `bootstrap`. */
  @Column({ name: 'invited_by', type: 'varchar', length: 100 }) invitedBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  /** When the account first signed in (the invitation was accepted). */
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true }) activatedAt!: Date | null;
}

/**
 * A coordinator's personal API token (`dpn_crd_…`), usable as Bearer on /admin routes with the
 * coordinator's role. Only its SHA-256 is stored; revoked tokens are kept for the audit trail.
 */
@Entity({ name: 'coordinator_tokens' })
export class CoordinatorTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('ix_coordinator_tokens_coordinator')
  @Column({ name: 'coordinator_id', type: 'uuid' })
  coordinatorId!: string;
  @ManyToOne(() => CoordinatorEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'coordinator_id', foreignKeyConstraintName: 'fk_coordinator_tokens_coordinator' })
  coordinator?: Relation<CoordinatorEntity>;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true }) tokenHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
