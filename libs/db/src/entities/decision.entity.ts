import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import type { DecisionAnswersIn, DecisionAudience, DecisionOption, DecisionOutcome, DecisionRule, DecisionStatus } from '@app/contracts';
import { MemberEntity } from './member.entity';

/**
 * A member decision. `answers_in = 'database'` (every decision opened by the current code): the
 * answers are the truth here, written by the API in one transaction each under this row's lock,
 * which also keeps `answered` and `tally`; the workflow keeps the lifecycle and records the
 * outcome. `answers_in = 'workflow'` (decisions opened before): a read model of the workflow,
 * written only by its activities.
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
  @Column({ name: 'answers_in', type: 'varchar', length: 16, default: 'workflow' }) answersIn!: DecisionAnswersIn;
  /** Who was asked, when given as an audience (resolved into decision_voters when it opened). */
  @Column({ type: 'jsonb', nullable: true }) audience!: DecisionAudience | null;
  /** Members asked, answers given and answers per option: kept by the API (answers in the database). */
  @Column({ type: 'int', default: 0 }) asked!: number;
  @Column({ type: 'int', default: 0 }) answered!: number;
  @Column({ type: 'jsonb', default: () => "'{}'" }) tally!: Record<string, number>;
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
