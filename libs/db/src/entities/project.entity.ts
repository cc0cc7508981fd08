import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryColumn, Relation, UpdateDateColumn } from 'typeorm';
import type { ProjectGate, ProjectPhase, ProjectStatus } from '@app/contracts';
import { ProjectEventEntity } from './project-event.entity';

/**
 * Read model of a production project. Written at creation by the API and, after that, only by the
 * `recordProjectTransition` activity (the workflow is the source of truth for phase and status).
 */
@Entity({ name: 'production_projects' })
export class ProjectEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Index('ix_production_projects_phase')
  @Column({ type: 'varchar', length: 32 })
  phase!: ProjectPhase;

  @Index('ix_production_projects_status')
  @Column({ type: 'varchar', length: 16 })
  status!: ProjectStatus;

  @Column({ name: 'workflow_id', type: 'varchar', length: 100, unique: true })
  workflowId!: string;

  /** Who may pass a phase gate: the coordinator alone, or a members' vote (see ProjectGate). */
  @Column({ type: 'jsonb', default: { mode: 'coordinator' } })
  gate!: ProjectGate;

  /** Sequence number of the last transition applied: projection writes only move it forward. */
  @Column({ name: 'last_seq', type: 'int', default: 0 })
  lastSeq!: number;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  /** The client's Idempotency-Key for the create request, with a hash of the request body. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true, unique: true })
  idempotencyKey!: string | null;

  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true })
  requestHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => ProjectEventEntity, (e) => e.project)
  events?: Relation<ProjectEventEntity[]>;
}
