import { Body, Controller, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { WorkingPhase } from '@app/contracts';
import type { ProjectPhasePlanEntity } from '@app/db';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { IdempotencyKey, PhaseParam, UuidParam } from '../common/params';
import { ProjectLiveStateDto } from '../projects/dto/project.dto';
import { PhasePlanDto, StoredPlanDto } from './phases.dto';
import { PhasesService } from './phases.service';

const toStored = (r: ProjectPhasePlanEntity): StoredPlanDto => ({ phase: r.phase, version: r.version, plan: r.plan, updatedAt: r.updatedAt.toISOString() });

@ApiTags('admin: project phases')
@ApiBearerAuth('coordinator')
@ApiUnauthorizedResponse({ description: 'Missing or wrong coordinator token' })
@UseGuards(AdminGuard)
@Controller('admin/projects/:id/phases/:phase')
export class PhasesController {
  constructor(private readonly phases: PhasesService) {}

  @Put('plan')
  @ApiOperation({
    summary: "Write a phase's plan: tasks (capability, quantity, spec, due, output), an optional budget, the gate, and (node-buildout) the nodes it adds",
    description: 'Editable until the phase starts (and again after a failed attempt). Every member, node and asset it names must exist: 422 otherwise, with one error per field.',
  })
  @ApiOkResponse({ type: StoredPlanDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'phase_running, phase_done, phase_passed, project_not_active' })
  @ApiUnprocessableEntityResponse({ description: 'invalid_plan: outputs not of this phase, unknown members/nodes/assets, not an upgrade…' })
  async putPlan(@UuidParam() id: string, @PhaseParam() phase: WorkingPhase, @Body() dto: PhasePlanDto): Promise<StoredPlanDto> {
    return toStored(await this.phases.putPlan(id, phase, dto));
  }

  @Get('plan')
  @ApiOperation({ summary: "A phase's stored plan" })
  @ApiOkResponse({ type: StoredPlanDto })
  @ApiNotFoundResponse()
  async getPlan(@UuidParam() id: string, @PhaseParam() phase: WorkingPhase): Promise<StoredPlanDto> {
    return toStored(await this.phases.getPlan(id, phase));
  }

  @Post('start')
  @HttpCode(200)
  @ApiOperation({
    summary: "Start the current phase's work as a child workflow of the project: its funding round, then a job per task, its checks and outputs",
    description: 'Restarting a failed phase keeps what is finished (a funded round, confirmed tasks). Watch it at GET /admin/projects/:id.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key returns the first answer instead of starting twice.' })
  @ApiOkResponse({ type: ProjectLiveStateDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'phase_not_planned, project_phase_mismatch (not the current phase), phase_running, phase_done, gate_vote_open' })
  async start(@UuidParam() id: string, @PhaseParam() phase: WorkingPhase, @IdempotencyKey() key: string | undefined, @Actor() actor: string): Promise<ProjectLiveStateDto> {
    return ProjectLiveStateDto.from(await this.phases.start(id, phase, actor, key));
  }
}
