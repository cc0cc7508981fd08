import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, Unique, UpdateDateColumn } from 'typeorm';
import { AssetEntity } from './asset.entity';
import { JobEntity } from './job.entity';
import { MemberEntity } from './member.entity';

export type OutputCreditStatus = 'promised' | 'granted' | 'cancelled';

/**
 * A job's price paid in output: so many units of a product of a co-owned asset in a future quarter.
 * Promised with the job; granted to the owner of the node that did it when the job is confirmed;
 * cancelled with the job. Promised and granted credits come off the top of the quarter's capacity
 * when it is planned; a granted one is a plan line for its holder.
 */
@Entity({ name: 'output_credits' })
@Unique('uq_output_credits_job', ['jobId'])
@Check('ck_output_credits_units', '"units" > 0')
@Check('ck_output_credits_status', `"status" IN ('promised', 'granted', 'cancelled')`)
@Check('ck_output_credits_holder', `"status" <> 'granted' OR "holder_member_id" IS NOT NULL`)
@Index('ix_output_credits_asset_quarter', ['assetId', 'quarter'])
@Index('ix_output_credits_holder', ['holderMemberId'])
export class OutputCreditEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_output_credits' }) id!: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId!: string;
  // A job row removed because its workflow never started takes its promise with it.
  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_output_credits_job' })
  job?: Relation<JobEntity>;
  @Column({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_output_credits_asset' })
  asset?: Relation<AssetEntity>;
  /** `2027-Q2`. */
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ name: 'product_id', type: 'varchar', length: 64 }) productId!: string;
  @Column({ type: 'int' }) units!: number;
  /** The owner of the node that did the job; null until granted. */
  @Column({ name: 'holder_member_id', type: 'uuid', nullable: true }) holderMemberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'holder_member_id', foreignKeyConstraintName: 'fk_output_credits_holder' })
  holder?: Relation<MemberEntity> | null;
  @Column({ type: 'varchar', length: 16, default: 'promised' }) status!: OutputCreditStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
