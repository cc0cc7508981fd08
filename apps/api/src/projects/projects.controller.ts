import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { isWorkingPhase, type WorkingPhase } from '@app/contracts';
import { FlowsRepository } from '@app/db';
import { flowBlockers } from '../phases/blocked-on';
import { IdempotencyKey, PhaseParam, UuidParam } from '../common/params';
import { SkipPhaseDto } from '../phases/phases.dto';
import { PhasesService } from '../phases/phases.service';
import {
  AdvancePhaseDto,
  CancelProjectDto,
  CreateProjectDto,
  ListProjectsQuery,
  ProjectDetailDto,
  ProjectDto,
  ProjectEventDto,
  ProjectLiveStateDto,
  ProjectPageDto,
} from './dto/project.dto';
import { ProjectsService } from './projects.service';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes a retry safe: the same key returns the first result instead of acting twice.',
};

@ApiTags('admin: projects')
@ApiBearerAuth('coordinator')
@ApiUnauthorizedResponse({ description: 'Missing or wrong coordinator token' })
@UseGuards(AdminGuard)
@Controller('admin/projects')
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly phases: PhasesService,
    private readonly flows: FlowsRepository,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a production project and start its workflow' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiConflictResponse({ description: 'Idempotency-Key reused with a different body' })
  async create(
    @Body() dto: CreateProjectDto,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @Actor() actor: string,
  ): Promise<ProjectDto> {
    const { project, replayed } = await this.projects.create(dto, actor, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/admin/projects/${project.id}`);
    return ProjectDto.from(project);
  }

  @Get()
  @ApiOperation({ summary: 'List projects with their phase (from the database; works while Temporal is down)' })
  @ApiOkResponse({ type: ProjectPageDto })
  async list(@Query() q: ListProjectsQuery): Promise<ProjectPageDto> {
    const page = await this.projects.list(q);
    return { ...page, items: page.items.map(ProjectDto.from) };
  }

  @Get(':id')
  @ApiOperation({
    summary: "A project: each phase's state, round, jobs (nodes, lead times), outputs and who it waits for; its timeline; its live workflow state",
    description: 'Everything but `live` comes from the database projection (it works while Temporal is down).',
  })
  @ApiOkResponse({ type: ProjectDetailDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<ProjectDetailDto> {
    const { project, timeline, live, liveError } = await this.projects.get(id);
    const [phases, phaseEvents, flowRows] = await Promise.all([this.phases.details(project, live), this.phases.phaseEvents(id), this.flows.blockersOfProject(id)]);
    // A project's flows run beside its phases: what they wait for shows under the current phase.
    const current: WorkingPhase = isWorkingPhase(project.phase) ? project.phase : 'upgrade';
    const events = [
      ...timeline.map((e) => ({ at: e.occurredAt.toISOString(), source: 'project' as const, phase: e.fromPhase ?? e.toPhase, attempt: null, kind: e.kind, actor: e.actor, note: e.note })),
      ...phaseEvents.map((e) => ({ at: new Date(e.occurred_at).toISOString(), source: 'phase' as const, phase: e.phase, attempt: e.attempt, kind: e.kind, actor: null, note: e.note })),
    ].sort((a, b) => a.at.localeCompare(b.at));
    return {
      ...ProjectDto.from(project),
      phases,
      blockedOn: [...phases.flatMap((p) => p.blockedOn.map((b) => ({ phase: p.phase, ...b }))), ...flowBlockers(flowRows).map((b) => ({ phase: current, ...b }))],
      timeline: timeline.map(ProjectEventDto.from),
      events,
      live: live ? ProjectLiveStateDto.from(live) : null,
      ...(liveError ? { liveError } : {}),
    };
  }

  @Post(':id/phases/:phase/skip')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Skip the current phase: the network already has what it builds (recorded with the reason). Passes the phase gate like an advance.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: ProjectLiveStateDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'project_phase_mismatch (not the current phase), phase_running, gate_vote_open, project_not_active' })
  async skip(
    @UuidParam() id: string,
    @PhaseParam() phase: WorkingPhase,
    @Body() dto: SkipPhaseDto,
    @IdempotencyKey() key: string | undefined,
    @Actor() actor: string,
  ): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.projects.advance(id, { fromPhase: phase, note: `skipped: ${dto.reason}` }, actor, key));
  }

  @Post(':id/phases/advance')
  @HttpCode(200)
  @ApiOperation({ summary: 'Advance the project to its next phase (a Temporal Update; 409 when it cannot advance)' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: ProjectLiveStateDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Project completed or cancelled, another request pending, or fromPhase mismatch' })
  async advance(
    @UuidParam() id: string,
    @Body() dto: AdvancePhaseDto,
    @IdempotencyKey() key: string | undefined,
    @Actor() actor: string,
  ): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.projects.advance(id, dto, actor, key));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel the project (a Temporal Update; 409 when already completed or cancelled)' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: ProjectLiveStateDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async cancel(
    @UuidParam() id: string,
    @Body() dto: CancelProjectDto,
    @IdempotencyKey() key: string | undefined,
    @Actor() actor: string,
  ): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.projects.cancel(id, dto, actor, key));
  }
}
