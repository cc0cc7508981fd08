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
import { AdminTokenGuard, COORDINATOR_ACTOR } from '../auth/admin-token.guard';
import { IdempotencyKey, UuidParam } from '../common/params';
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
@UseGuards(AdminTokenGuard)
@Controller('admin/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a production project and start its workflow' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiConflictResponse({ description: 'Idempotency-Key reused with a different body' })
  async create(
    @Body() dto: CreateProjectDto,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ProjectDto> {
    const { project, replayed } = await this.projects.create(dto, COORDINATOR_ACTOR, key);
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
  @ApiOperation({ summary: 'A project with its timeline and its live workflow state' })
  @ApiOkResponse({ type: ProjectDetailDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<ProjectDetailDto> {
    const { project, timeline, live, liveError } = await this.projects.get(id);
    return {
      ...ProjectDto.from(project),
      timeline: timeline.map(ProjectEventDto.from),
      live: live ? ProjectLiveStateDto.from(live) : null,
      ...(liveError ? { liveError } : {}),
    };
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
  ): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.projects.advance(id, dto, COORDINATOR_ACTOR, key));
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
  ): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.projects.cancel(id, dto, COORDINATOR_ACTOR, key));
  }
}
