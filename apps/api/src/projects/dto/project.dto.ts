import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import {
  ALL_PROJECT_PHASES,
  GateVote,
  ProjectGate,
  ProjectLiveState,
  ProjectPhase,
  ProjectStatus,
  ProjectTransition,
  WorkingPhase,
} from '@app/contracts';
import type { Blocker } from '../../phases/blocked-on';
import type { PhaseDetail } from '../../phases/phases.service';
import type { ProjectEntity, ProjectEventEntity } from '@app/db';
import { PageQuery, Trim } from '../../common/dto';

const STATUSES: ProjectStatus[] = ['active', 'completed', 'cancelled'];

// ---- requests ------------------------------------------------------------------------------

const GATE_RULES = ['majority', 'quorum', 'unanimity'] as const;
const VOTERS = ['funders', 'owners'] as const;

/** Who passes the project's phase gates. */
export class ProjectGateDto {
  @ApiProperty({
    enum: ['coordinator', 'members'],
    description: "`coordinator`: the coordinator's advance request moves the project on. `members`: it opens a members' vote instead, and the project moves on if they approve.",
  })
  @IsIn(['coordinator', 'members'])
  mode!: 'coordinator' | 'members';

  @ApiPropertyOptional({ enum: VOTERS, description: "Members gate: who votes. `funders`: members who paid into the project's account; `owners`: the owners of `assetId`." })
  @ValidateIf((g: ProjectGateDto) => g.mode === 'members')
  @IsIn(VOTERS)
  voters?: 'funders' | 'owners';

  @ApiPropertyOptional({ format: 'uuid', description: 'Required when voters are `owners`.' })
  @ValidateIf((g: ProjectGateDto) => g.mode === 'members' && g.voters === 'owners')
  @IsUUID()
  assetId?: string;

  @ApiPropertyOptional({ enum: GATE_RULES, default: 'majority', description: 'majority of votes cast; quorum (majority once enough voted); unanimity' })
  @IsOptional()
  @IsIn(GATE_RULES)
  rule?: (typeof GATE_RULES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, description: 'Required with rule `quorum`: the share of voters (%) who must vote.' })
  @ValidateIf((g: ProjectGateDto) => g.rule === 'quorum')
  @Max(100)
  @Min(1)
  @IsInt()
  quorumPercent?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 2160, default: 168, description: 'How long a vote stays open, in hours (default a week).' })
  @IsOptional()
  @Max(2160)
  @Min(1)
  @IsInt()
  votingHours?: number;

  toGate(): ProjectGate {
    if (this.mode === 'coordinator') return { mode: 'coordinator' };
    const rule = this.rule === 'quorum' ? { kind: 'quorum' as const, quorumPercent: this.quorumPercent! } : { kind: this.rule ?? 'majority' };
    return {
      mode: 'members',
      voters: this.voters!,
      ...(this.voters === 'owners' ? { assetId: this.assetId } : {}),
      rule,
      votingHours: this.votingHours ?? 168,
    };
  }
}

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

  @ApiPropertyOptional({ type: ProjectGateDto, description: 'Who passes phase gates; the coordinator when absent.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProjectGateDto)
  gate?: ProjectGateDto;
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
  @ApiProperty({ description: 'Who passes phase gates (see ProjectGateDto).', example: { mode: 'members', voters: 'owners', assetId: '…', rule: { kind: 'majority' }, votingHours: 168 } })
  gate!: ProjectGate;
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
      gate: p.gate,
      createdBy: p.createdBy,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class ProjectEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ enum: ['started', 'advanced', 'skipped', 'completed', 'cancelled', 'vote-opened', 'vote-failed', 'phase-started', 'phase-done', 'phase-failed'] })
  kind!: ProjectTransition['kind'];
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
  @ApiProperty({ enum: ['advance', 'cancel', 'start-phase'], nullable: true, description: 'A request the workflow is applying right now.' })
  pendingRequest!: ProjectLiveState['pendingRequest'];
  @ApiProperty({ description: 'Number of transitions the workflow has made.' }) transitionCount!: number;
  @ApiPropertyOptional({
    description: "The latest members' vote on a gate (members gate): open, approved, not-approved or cancelled, with its decision id and deadline.",
    example: { decisionId: '…', fromPhase: 'rnd', toPhase: 'prototyping', deadline: '2026-11-28T10:00:00.000Z', voters: 3, status: 'open', reason: null },
  })
  gateVote?: GateVote;
  @ApiPropertyOptional({
    description: 'The work of each phase started so far (its latest attempt), as the project workflow knows it.',
    example: { rnd: { attempt: 1, workflowId: 'project-…-rnd-1', status: 'done', startedAt: '…', endedAt: '…', reason: null } },
  })
  phases?: ProjectLiveState['phases'];

  static from(s: ProjectLiveState): ProjectLiveStateDto {
    return {
      phase: s.phase,
      status: s.status,
      pendingRequest: s.pendingRequest,
      transitionCount: s.lastSeq ?? s.transitions.length,
      ...(s.gateVote ? { gateVote: s.gateVote } : {}),
      ...(s.phases ? { phases: s.phases } : {}),
    };
  }
}

export class ProjectDetailDto extends ProjectDto {
  @ApiProperty({
    description: "Each phase: state (not-planned, planned, running, done, failed, cancelled, skipped), its round, its jobs with their nodes and lead times, its outputs (designs, test reports with their licence), node checks, upgrades, and who it waits for.",
    isArray: true,
    type: Object,
  })
  phases!: PhaseDetail[];

  @ApiProperty({ description: 'Who the project waits for right now, across its phases: a member, the members of a decision, a node, or the coordinator.', isArray: true, type: Object })
  blockedOn!: Array<Blocker & { phase: WorkingPhase }>;

  @ApiProperty({ type: [ProjectEventDto], description: "The project's transitions (phases, gates), from the database projection." })
  timeline!: ProjectEventDto[];

  @ApiProperty({ description: "One timeline of the project's transitions and of the work inside its phases (rounds, jobs, outputs, checks), oldest first, from the database projection.", isArray: true, type: Object })
  events!: Array<{ at: string; source: 'project' | 'phase'; phase: string; attempt: number | null; kind: string; actor: string | null; note: string | null }>;

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
