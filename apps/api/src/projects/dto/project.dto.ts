import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  ALL_PROJECT_PHASES,
  ProjectLiveState,
  ProjectPhase,
  ProjectStatus,
  ProjectTransition,
} from '@app/contracts';
import type { ProjectEntity, ProjectEventEntity } from '@app/db';
import { PageQuery, Trim } from '../../common/dto';

const STATUSES: ProjectStatus[] = ['active', 'completed', 'cancelled'];

// ---- requests ------------------------------------------------------------------------------

export class CreateProjectDto {
  @ApiProperty({ example: 'Community greenhouse, Lindenau', maxLength: 200 })
  // class-validator checks the decorator nearest the property first: the type comes first.
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiPropertyOptional({ example: 'Design, prototype and build out an automated greenhouse node.', maxLength: 5000 })
  @IsOptional()
  @MaxLength(5000)
  @IsString()
  description?: string;
}

export class AdvancePhaseDto {
  @ApiPropertyOptional({
    enum: ALL_PROJECT_PHASES,
    description: 'Guard: the phase you believe the project is in. If it is elsewhere the request is refused (409) instead of advancing twice.',
  })
  @IsOptional()
  @IsIn(ALL_PROJECT_PHASES)
  fromPhase?: ProjectPhase;

  @ApiPropertyOptional({ example: 'Design review passed', maxLength: 1000 })
  @IsOptional()
  @MaxLength(1000)
  @IsString()
  note?: string;
}

export class CancelProjectDto {
  @ApiProperty({ example: 'Funding fell through', maxLength: 1000 })
  @Trim()
  @MaxLength(1000)
  @IsNotEmpty()
  @IsString()
  reason!: string;
}

export class ListProjectsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ALL_PROJECT_PHASES })
  @IsOptional()
  @IsIn(ALL_PROJECT_PHASES)
  phase?: ProjectPhase;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ProjectStatus;
}

// ---- responses -----------------------------------------------------------------------------

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: ALL_PROJECT_PHASES }) phase!: ProjectPhase;
  @ApiProperty({ enum: STATUSES }) status!: ProjectStatus;
  @ApiProperty({ example: 'project-6f1c…' }) workflowId!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(p: ProjectEntity): ProjectDto {
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      phase: p.phase,
      status: p.status,
      workflowId: p.workflowId,
      createdBy: p.createdBy,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class ProjectEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ enum: ['started', 'advanced', 'completed', 'cancelled'] }) kind!: ProjectTransition['kind'];
  @ApiProperty({ enum: ALL_PROJECT_PHASES, nullable: true }) fromPhase!: ProjectPhase | null;
  @ApiProperty({ enum: ALL_PROJECT_PHASES }) toPhase!: ProjectPhase;
  @ApiProperty({ enum: STATUSES }) status!: ProjectStatus;
  @ApiProperty() actor!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;

  static from(e: ProjectEventEntity): ProjectEventDto {
    return {
      seq: e.seq,
      kind: e.kind,
      fromPhase: e.fromPhase,
      toPhase: e.toPhase,
      status: e.status,
      actor: e.actor,
      note: e.note,
      occurredAt: e.occurredAt.toISOString(),
    };
  }
}

export class ProjectLiveStateDto implements Omit<ProjectLiveState, 'transitions' | 'projectId'> {
  @ApiProperty({ enum: ALL_PROJECT_PHASES }) phase!: ProjectPhase;
  @ApiProperty({ enum: STATUSES }) status!: ProjectStatus;
  @ApiProperty({ enum: ['advance', 'cancel'], nullable: true, description: 'A request the workflow is applying right now.' })
  pendingRequest!: 'advance' | 'cancel' | null;
  @ApiProperty({ description: 'Number of transitions the workflow has made.' }) transitionCount!: number;

  static from(s: ProjectLiveState): ProjectLiveStateDto {
    return { phase: s.phase, status: s.status, pendingRequest: s.pendingRequest, transitionCount: s.transitions.length };
  }
}

export class ProjectDetailDto extends ProjectDto {
  @ApiProperty({ type: [ProjectEventDto], description: 'The timeline, from the database projection.' })
  timeline!: ProjectEventDto[];

  @ApiProperty({ type: ProjectLiveStateDto, nullable: true, description: 'Live state from the workflow query; null when it could not be read.' })
  live!: ProjectLiveStateDto | null;

  @ApiPropertyOptional({ description: 'Why `live` is null (e.g. temporal_unavailable).' })
  liveError?: string;
}

export class ProjectPageDto {
  @ApiProperty({ type: [ProjectDto] }) items!: ProjectDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
