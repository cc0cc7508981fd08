import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JobOffer, JobStatus, JobView } from '@app/contracts';

/**
 * Read model of a job. Created by the API (or, for the rest of a partial counter-offer, by the
 * job workflow); after that written only by the job workflow's `recordJob` activity.
 */
@Entity({ name: 'jobs' })
@Index('ix_jobs_demand', ['demandType', 'demandId'])
export class JobEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'workflow_id', type: 'varchar', length: 100, unique: true }) workflowId!: string;
  @Column({ type: 'varchar', length: 64 }) capability!: string;
  /** For output-order jobs: the catalogue product made. */
  @Column({ name: 'product_id', type: 'varchar', length: 64, nullable: true }) productId!: string | null;
  @Column({ type: 'int' }) quantity!: number;
  @Column({ type: 'varchar', length: 32 }) unit!: string;
  @Column({ name: 'spec_url', type: 'text' }) specUrl!: string;
  @Column({ name: 'due_at', type: 'timestamptz' }) dueAt!: Date;
  @Column({ name: 'recipient_type', type: 'varchar', length: 8 }) recipientType!: 'member' | 'node';
  @Column({ name: 'recipient_id', type: 'uuid' }) recipientId!: string;
  @Column({ name: 'demand_type', type: 'varchar', length: 16 }) demandType!: 'project' | 'order';
  @Column({ name: 'demand_id', type: 'uuid' }) demandId!: string;
  @Column({ name: 'parent_job_id', type: 'uuid', nullable: true }) parentJobId!: string | null;
  /** For project jobs dispatched by a phase: the phase and the plan's task key. */
  @Column({ type: 'varchar', length: 16, nullable: true }) phase!: string | null;
  @Column({ name: 'task_key', type: 'varchar', length: 64, nullable: true }) taskKey!: string | null;
  @Index('ix_jobs_status')
  @Column({ type: 'varchar', length: 24 })
  status!: JobStatus;
  @Index('ix_jobs_node')
  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) offers!: JobOffer[];
  @Column({ type: 'jsonb', default: () => "'[]'" }) runs!: JobView['runs'];
  @Column({ type: 'jsonb', nullable: true }) progress!: JobView['progress'];
  @Column({ name: 'first_offered_at', type: 'timestamptz', nullable: true }) firstOfferedAt!: Date | null;
  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true }) acceptedAt!: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt!: Date | null;
  /** The workflow's write sequence: projection writes only move forward. */
  @Column({ name: 'record_seq', type: 'int', default: 0 }) recordSeq!: number;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
