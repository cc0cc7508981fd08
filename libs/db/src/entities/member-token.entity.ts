import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { MemberEntity } from './member.entity';

/**
 * A member API token. Only its SHA-256 is stored; the token itself is shown once, when the
 * coordinator issues it. Revoked tokens are kept (with `revoked_at`) for the audit trail.
 */
@Entity({ name: 'member_tokens' })
export class MemberTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('ix_member_tokens_member')
  @Column({ name: 'member_id', type: 'uuid' })
  memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id', foreignKeyConstraintName: 'fk_member_tokens_member' })
  member?: Relation<MemberEntity>;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true }) tokenHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
