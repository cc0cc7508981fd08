import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, Unique } from 'typeorm';
import type { ProjectPhase, ProjectStatus, ProjectTransition } from '@app/contracts';
import { ProjectEntity } from './project.entity';

/** One entry of a project's timeline. (project_id, seq) makes the projection write idempotent. */
@Entity({ name: 'project_events' })
@Unique('uq_project_events_project_seq', ['projectId', 'seq'])
export class ProjectEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => ProjectEntity, (p) => p.events, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'fk_project_events_project' })
  project?: Relation<ProjectEntity>; // Relation<>: no eager reference in decorator metadata (circular import)

  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'varchar', length: 32 })
  kind!: ProjectTransition['kind'];

  @Column({ name: 'from_phase', type: 'varchar', length: 32, nullable: true })
  fromPhase!: ProjectPhase | null;

  @Column({ name: 'to_phase', type: 'varchar', length: 32 })
  toPhase!: ProjectPhase;

  @Column({ type: 'varchar', length: 16 })
  status!: ProjectStatus;

  @Column({ type: 'varchar', length: 100 })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** When it happened, in workflow time. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** When the projection wrote it. */
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
