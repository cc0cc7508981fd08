import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who a web session or an emailed link belongs to: a member (the member pages), or a coordinator
 * (the console), both signed in the same passwordless way.
 */
export const SESSION_SUBJECT_TYPES = ['member', 'coordinator'] as const;
export type SessionSubjectType = (typeof SESSION_SUBJECT_TYPES)[number];

/**
 * A browser session of the web app, opened by an emailed link. The cookie holds a random secret;
 * only its SHA-256 is stored. `csrf_token` is the synchronizer token every state-changing request
 * made with the cookie must echo in a header.
 */
@Entity({ name: 'web_sessions' })
export class WebSessionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true }) tokenHash!: string;
  @Column({ name: 'subject_type', type: 'varchar', length: 16 }) subjectType!: SessionSubjectType;
  @Index('ix_web_sessions_subject')
  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId!: string;
  @Column({ name: 'csrf_token', type: 'varchar', length: 64 }) csrfToken!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}

/** An emailed link that has signed someone in: each link does so once. */
@Entity({ name: 'used_links' })
export class UsedLinkEntity {
  /** SHA-256 of the whole signed link token. */
  @PrimaryColumn({ name: 'link_hash', type: 'char', length: 64 }) linkHash!: string;
  @Column({ name: 'subject_type', type: 'varchar', length: 16 }) subjectType!: SessionSubjectType;
  @Column({ name: 'subject_id', type: 'uuid' }) subjectId!: string;
  @CreateDateColumn({ name: 'used_at', type: 'timestamptz' }) usedAt!: Date;
  /** When the link itself expires: rows past it can be deleted (the signature refuses the link anyway). */
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
}

/** A sign-in link asked for (by email or by an old link): counted to limit how often one person is mailed. */
@Entity({ name: 'sign_in_requests' })
@Index('ix_sign_in_requests_subject_time', ['subjectId', 'requestedAt'])
export class SignInRequestEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'subject_type', type: 'varchar', length: 16 }) subjectType!: SessionSubjectType;
  @Column({ name: 'subject_id', type: 'uuid' }) subjectId!: string;
  @CreateDateColumn({ name: 'requested_at', type: 'timestamptz' }) requestedAt!: Date;
}
