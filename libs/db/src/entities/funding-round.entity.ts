import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation, UpdateDateColumn } from 'typeorm';
import type { RoundDocument, RoundStatus } from '@app/contracts';
import { bigintColumn } from './columns';
import { ProjectEntity } from './project.entity';

/**
 * Read model of a funding round. Created by the API when the coordinator opens it; after that
 * written only by the round workflow's `recordRound` activity (the workflow is the source of truth).
 */
@Entity({ name: 'funding_rounds' })
export class FundingRoundEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index('ix_funding_rounds_project')
  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;
  @ManyToOne(() => ProjectEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'fk_funding_rounds_project' })
  project?: Relation<ProjectEntity>;
  @Column({ name: 'asset_id', type: 'uuid', nullable: true }) assetId!: string | null;
  /** For a phase budget: the phase whose work it funds. */
  @Column({ type: 'varchar', length: 16, nullable: true }) phase!: string | null;
  @Column({ name: 'workflow_id', type: 'varchar', length: 100, unique: true }) workflowId!: string;
  @Column({ type: 'bigint', transformer: bigintColumn }) goal!: bigint;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ name: 'min_pledge', type: 'bigint', transformer: bigintColumn }) minPledge!: bigint;
  @Column({ type: 'timestamptz' }) deadline!: Date;
  @Column({ name: 'close_when_goal_met', type: 'boolean' }) closeWhenGoalMet!: boolean;
  @Column({ name: 'payout_approval', type: 'varchar', length: 16 }) payoutApproval!: 'coordinator' | 'members';
  @Column({ type: 'jsonb', nullable: true }) operator!: { memberId: string; upfront: string; outputBonusPercent: number } | null;
  @Column({ type: 'jsonb' }) documents!: RoundDocument[];
  @Index('ix_funding_rounds_status')
  @Column({ type: 'varchar', length: 16 })
  status!: RoundStatus;
  @Column({ type: 'bigint', transformer: bigintColumn, default: 0 }) total!: bigint;
  @Column({ type: 'int', default: 0 }) backers!: number;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true, unique: true }) idempotencyKey!: string | null;
  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true }) requestHash!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** One member's current pledge in a round (the projection of the workflow's state). */
@Entity({ name: 'funding_pledges' })
export class FundingPledgeEntity {
  @PrimaryColumn({ name: 'round_id', type: 'uuid' }) roundId!: string;
  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  @Index('ix_funding_pledges_member')
  memberId!: string;
  @ManyToOne(() => FundingRoundEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'round_id', foreignKeyConstraintName: 'fk_funding_pledges_round' })
  round?: Relation<FundingRoundEntity>;
  @Column({ type: 'bigint', transformer: bigintColumn }) amount!: bigint;
}
