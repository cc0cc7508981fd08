import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation, UpdateDateColumn } from 'typeorm';
import type { RoundDocument, RoundStatus } from '@app/contracts';
import { bigintColumn } from './columns';
import { ProjectEntity } from './project.entity';

/**
 * A funding round. Created by the API (or a phase's activity) when it opens. Rounds opened since
 * pledges moved to PostgreSQL (`pledgeMode` 'database') hold their pledges here: the pledge rows
 * and the sharded running totals are the source of truth, written by one transaction per pledge;
 * the round workflow owns the lifecycle (`status`, written by its activities under `recordSeq`).
 * Older rounds (`pledgeMode` 'workflow') keep their pledges in the workflow, which projects them.
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
  /** Legacy rounds: projected by the workflow. Database-mode rounds: the final tally, written at the close. */
  @Column({ type: 'bigint', transformer: bigintColumn, default: 0 }) total!: bigint;
  @Column({ type: 'int', default: 0 }) backers!: number;
  /** Where pledges live: 'workflow' (rounds opened before this mode) or 'database'. */
  @Column({ name: 'pledge_mode', type: 'varchar', length: 16, default: 'workflow' }) pledgeMode!: 'workflow' | 'database';
  /** The workflow's write sequence: a late retry of an older status write changes nothing. */
  @Column({ name: 'record_seq', type: 'int', default: 0 }) recordSeq!: number;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true, unique: true }) idempotencyKey!: string | null;
  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true }) requestHash!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/**
 * One member's pledge in a round. Database-mode rounds: the source of truth, changed only by
 * `FundingRepository.setPledge` (the row lock serializes one member's changes); a withdrawn pledge
 * stays with amount 0 so its change sequence (`seq`, part of each ledger key) never repeats.
 * Legacy rounds: the projection of the workflow's state (rows at 0 are deleted).
 */
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
  /** Changes made so far: the ledger key of the next change is `round:<id>:hold:<member>:<seq+1>`. */
  @Column({ type: 'int', default: 0 }) seq!: number;
  /** The member's `hold` account for this round (database-mode rounds). */
  @Column({ name: 'hold_account_id', type: 'uuid', nullable: true }) holdAccountId!: string | null;
  /** Moved into the round's account at the close (funded), and when. */
  @Column({ name: 'captured_amount', type: 'bigint', transformer: bigintColumn, default: 0 }) capturedAmount!: bigint;
  @Column({ name: 'captured_at', type: 'timestamptz', nullable: true }) capturedAt!: Date | null;
  /** Given back: the hold released, or the capture refunded. */
  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true }) returnedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}

/**
 * The running total of a database-mode round, split over a few shards (by member) so that
 * concurrent pledges rarely wait on the same row; the live total is the sum of the shards.
 */
@Entity({ name: 'funding_round_tallies' })
export class FundingRoundTallyEntity {
  @PrimaryColumn({ name: 'round_id', type: 'uuid' }) roundId!: string;
  @PrimaryColumn({ type: 'smallint' }) shard!: number;
  @ManyToOne(() => FundingRoundEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'round_id', foreignKeyConstraintName: 'fk_funding_round_tallies_round' })
  round?: Relation<FundingRoundEntity>;
  @Column({ type: 'bigint', transformer: bigintColumn, default: 0 }) total!: bigint;
  @Column({ type: 'int', default: 0 }) backers!: number;
}
