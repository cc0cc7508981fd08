import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const MEMBER_STATUSES = ['active', 'suspended'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A person or business in the network. Emails are stored lower-cased and are unique. */
@Entity({ name: 'members' })
export class MemberEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Index('uq_members_email', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email!: string;
  @Index('ix_members_status')
  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: MemberStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
