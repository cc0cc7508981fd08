import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { OpenLicence, PhaseEvent, PhasePlan, PhaseView, TaskOutput, WorkingPhase } from '@app/contracts';

/** The coordinator's plan for one phase of a project. Editable until the phase's work starts. */
@Entity({ name: 'project_phase_plans' })
export class ProjectPhasePlanEntity {
  @PrimaryColumn({ name: 'project_id', type: 'uuid' }) projectId!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) phase!: WorkingPhase;
  @Column({ type: 'jsonb' }) plan!: PhasePlan;
  /** Raised on every change (a client can tell whether the plan it read is still current). */
  @Column({ type: 'int', default: 1 }) version!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/**
 * Read model of one run (attempt) of a phase's work, written only by the phase workflow's
 * `recordPhase` activity; `record_seq` keeps a slower write from overwriting a newer one.
 */
@Entity({ name: 'project_phases' })
export class ProjectPhaseEntity {
  @PrimaryColumn({ name: 'project_id', type: 'uuid' }) projectId!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) phase!: WorkingPhase;
  @PrimaryColumn({ type: 'int' }) attempt!: number;
  @Column({ name: 'workflow_id', type: 'varchar', length: 120, unique: true }) workflowId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: PhaseView['status'];
  @Column({ name: 'round_id', type: 'uuid', nullable: true }) roundId!: string | null;
  @Column({ type: 'jsonb' }) view!: PhaseView;
  @Column({ name: 'record_seq', type: 'int', default: 0 }) recordSeq!: number;
  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** The phase's own stream of the project timeline; (project, phase, attempt, seq) makes writes idempotent. */
@Entity({ name: 'project_phase_events' })
@Unique('uq_project_phase_events_seq', ['projectId', 'phase', 'attempt', 'seq'])
export class ProjectPhaseEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'project_id', type: 'uuid' }) projectId!: string;
  @Column({ type: 'varchar', length: 16 }) phase!: WorkingPhase;
  @Column({ type: 'int' }) attempt!: number;
  @Column({ type: 'int' }) seq!: number;
  @Column({ type: 'varchar', length: 32 }) kind!: PhaseEvent['kind'];
  @Column({ type: 'text' }) note!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' }) recordedAt!: Date;
}

/** What a project produced: designs and test reports (documents under a licence), attached by its jobs. */
@Entity({ name: 'project_outputs' })
@Unique('uq_project_outputs_job_url', ['jobId', 'url'])
export class ProjectOutputEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Index('ix_project_outputs_project')
  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;
  @Column({ type: 'varchar', length: 16 }) phase!: WorkingPhase;
  @Column({ name: 'task_key', type: 'varchar', length: 64 }) taskKey!: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: TaskOutput;
  @Column({ type: 'varchar', length: 200 }) title!: string;
  @Column({ type: 'text' }) url!: string;
  @Column({ name: 'content_hash', type: 'varchar', length: 100, nullable: true }) contentHash!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) licence!: OpenLicence | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
