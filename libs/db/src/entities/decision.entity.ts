import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import type { DecisionOption, DecisionOutcome, DecisionRule, DecisionStatus } from '@app/contracts';
import { MemberEntity } from './member.entity';

/**
 * Read model of a member decision. Written only by the decision workflow's activities: the
 * workflow is the source of truth; this table serves the decision page and the member API.
 */
@Entity({ name: 'decisions' })
@Index('ix_decisions_subject', ['subjectType', 'subjectId'])
export class DecisionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'workflow_id', type: 'varchar', length: 100, unique: true }) workflowId!: string;
  @Column({ type: 'varchar', length: 64 }) kind!: string;
  @Column({ name: 'subject_type', type: 'varchar', length: 32 }) subjectType!: string;
  @Column({ name: 'subject_id', type: 'uuid' }) subjectId!: string;
  @Column({ type: 'varchar', length: 300 }) title!: string;
  @Column({ type: 'text' }) question!: string;
  @Column({ type: 'jsonb' }) context!: Array<{ label: string; value: string }>;
  @Column({ type: 'jsonb' }) options!: DecisionOption[];
  @Column({ type: 'jsonb' }) rule!: DecisionRule;
  @Column({ name: 'fallback_option_id', type: 'varchar', length: 64, nullable: true }) fallbackOptionId!: string | null;
  @Column({ type: 'timestamptz' }) deadline!: Date;
  @Index('ix_decisions_status')
  @Column({ type: 'varchar', length: 16 })
  status!: DecisionStatus;
  @Column({ type: 'jsonb', nullable: true }) outcome!: DecisionOutcome | null;
  @Column({ name: 'requested_by', type: 'varchar', length: 100 }) requestedBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt!: Date | null;
}

/** One member asked in a decision, with their answer once given. */
@Entity({ name: 'decision_voters' })
export class DecisionVoterEntity {
  @PrimaryColumn({ name: 'decision_id', type: 'uuid' }) decisionId!: string;
  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  @Index('ix_decision_voters_member')
  memberId!: string;
  @ManyToOne(() => DecisionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'decision_id', foreignKeyConstraintName: 'fk_decision_voters_decision' })
  decision?: Relation<DecisionEntity>;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'member_id', foreignKeyConstraintName: 'fk_decision_voters_member' })
  member?: Relation<MemberEntity>;
  @Column({ name: 'option_id', type: 'varchar', length: 64, nullable: true }) optionId!: string | null;
  @Column({ type: 'text', nullable: true }) comment!: string | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) via!: 'link' | 'api' | null;
  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true }) answeredAt!: Date | null;
}
