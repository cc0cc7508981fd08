import { Body, Controller, Delete, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { NodeEntity } from '@app/db';
import { Actor, AdminGuard, Roles } from '../auth/admin.guard';
import { CurrentNode, NodeTokenGuard } from '../auth/node-token.guard';
import { PageQuery, Trim } from '../common/dto';
import type { JobView } from '@app/contracts';
import { UuidParam } from '../common/params';
import { AcceptOfferDto, CancelJobDto, CompleteDto, CounterOfferDto, CreateJobDto, JobDto, JobOfferDto, ListJobsQuery, ProgressDto, RejectOfferDto, SettleJobDto } from './jobs.dto';
import { JobsService } from './jobs.service';
import { WebhookAttemptDto, WebhookAttemptPageDto } from '../nodes/nodes.dto';
import { NodesService } from '../nodes/nodes.service';

class JobOfferPageDto {
  @ApiProperty({ type: [JobOfferDto] }) items!: JobOfferDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

class JobPageDto {
  @ApiProperty({ type: [JobDto] }) items!: JobDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

class CreateNodeTokenDto {
  @ApiProperty({ example: 'workshop server' }) @Trim() @MaxLength(100) @IsNotEmpty() @IsString() name!: string;
}

@ApiTags('admin: jobs')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin')
export class JobsAdminController {
  constructor(
    private readonly jobs: JobsService,
    private readonly nodes: NodesService,
  ) {}

  @Post('jobs')
  @ApiOperation({ summary: 'Create a job against a real demand; its workflow offers it to the best free node' })
  @ApiCreatedResponse({ type: JobDto })
  async create(@Body() dto: CreateJobDto, @Actor() actor: string): Promise<JobDto> {
    return JobDto.from(await this.jobs.create(dto, actor));
  }

  @Get('jobs')
  @ApiOkResponse({ type: JobPageDto })
  async list(@Query() q: ListJobsQuery): Promise<JobPageDto> {
    const page = await this.jobs.list(q);
    return { ...page, items: page.items.map((j) => JobDto.from(j)) };
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'A job: offers, node, progress, runs with yield, lead times (live from its workflow when it runs)' })
  @ApiOkResponse({ type: JobDto })
  async get(@UuidParam() id: string): Promise<JobDto> {
    const j = await this.jobs.find(id);
    return JobDto.from(j, await this.jobs.live(j));
  }

  @Get('jobs/:id/offers')
  @ApiOperation({ summary: 'Every offer of a job, oldest first (the job shows only the latest ones)' })
  @ApiOkResponse({ type: JobOfferPageDto })
  async offers(@UuidParam() id: string, @Query() q: PageQuery): Promise<JobOfferPageDto> {
    return this.jobs.offers(id, q);
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a job: the node holding it (or offered it) gets job.cancelled' })
  @ApiOkResponse({ type: JobDto })
  async cancel(@UuidParam() id: string, @Body() dto: CancelJobDto, @Actor() actor: string): Promise<JobDto> {
    const view = await this.jobs.cancel(id, actor, dto.reason);
    return JobDto.from(await this.jobs.find(id), view);
  }

  @Post('jobs/:id/settle')
  @HttpCode(200)
  @Roles('treasurer')
  @ApiOperation({ summary: 'Settle a priced delivery its recipient did not answer in time: pay the node owner or release the reserved price' })
  @ApiOkResponse({ type: JobDto })
  @ApiForbiddenResponse({ description: 'forbidden_role: only a treasurer (or the bootstrap token) moves money' })
  @ApiConflictResponse({ description: 'job_not_priced, job_not_unanswered, or job_already_settled (settled the other way); the same outcome again answers the job' })
  async settle(@UuidParam() id: string, @Body() dto: SettleJobDto): Promise<JobDto> {
    return JobDto.from(await this.jobs.settleUnanswered(id, dto.outcome));
  }

  @Post('nodes/:id/tokens')
  @ApiOperation({ summary: 'Issue a node API token (shown once) for /nodes/me/*' })
  async issueToken(@UuidParam() id: string, @Body() dto: CreateNodeTokenDto): Promise<{ id: string; name: string; token: string }> {
    return this.nodes.issueToken(id, dto.name);
  }

  @Delete('nodes/:id/tokens/:tokenId')
  @HttpCode(204)
  async revokeToken(@UuidParam() id: string, @UuidParam('tokenId') tokenId: string): Promise<void> {
    await this.nodes.revokeToken(id, tokenId);
  }
}

/** The node API: a node answers offers and reports its work with its own token. */
@ApiTags('node')
@ApiBearerAuth('node')
@UseGuards(NodeTokenGuard)
@Controller('nodes/me/jobs')
export class NodeJobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'Jobs offered to this node now, and the ones it holds' })
  @ApiOkResponse({ type: JobPageDto })
  async list(@CurrentNode() node: NodeEntity, @Query() q: ListJobsQuery): Promise<JobPageDto> {
    const page = await this.jobs.list(q, { nodeId: node.id });
    return { ...page, items: page.items.map((j) => JobDto.from(j)) };
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept the offer (a repeat is harmless)' })
  @ApiConflictResponse({ description: 'job_not_offered, job_not_yours, node_suspended' })
  async accept(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: AcceptOfferDto): Promise<JobDto> {
    return this.after(id, await this.jobs.answer(id, { kind: 'accept', nodeId: node.id, offerId: dto.offerId }, node));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject the offer, with a reason; it goes to the next node' })
  async reject(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: RejectOfferDto): Promise<JobDto> {
    return this.after(id, await this.jobs.answer(id, { kind: 'reject', nodeId: node.id, offerId: dto.offerId, reason: dto.reason }, node));
  }

  @Post(':id/counter')
  @HttpCode(200)
  @ApiOperation({ summary: 'Counter-offer: a later date and/or part of the quantity; taken or refused by the job’s rules' })
  @ApiConflictResponse({ description: 'job_not_offered, job_not_yours, node_suspended' })
  async counter(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: CounterOfferDto): Promise<JobDto> {
    return this.after(id, await this.jobs.answer(id, { kind: 'counter', nodeId: node.id, offerId: dto.offerId, dueAt: dto.dueAt, quantity: dto.quantity, note: dto.note, ...(dto.price !== undefined ? { price: String(dto.price) } : {}) }, node));
  }

  @Post(':id/progress')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report progress (as often as useful: recorded in the job, not sent to its workflow each time)' })
  @ApiConflictResponse({ description: 'job_not_accepted, job_not_yours, job_closed' })
  async progress(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: ProgressDto): Promise<JobDto> {
    return JobDto.from(await this.jobs.progress(id, node.id, dto));
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report the job done: quantity made and scrapped; a delivery to the recipient follows' })
  @ApiConflictResponse({ description: 'job_not_accepted (complete before accept), job_not_yours' })
  async complete(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: CompleteDto): Promise<JobDto> {
    return this.after(id, await this.jobs.complete(id, node.id, dto));
  }

  /** The job after a node's call; without a view (the call was a repeat) from its row. */
  private async after(id: string, view: JobView | null): Promise<JobDto> {
    return JobDto.from(await this.jobs.find(id), view);
  }
}

/** What a node's operator needs to debug their endpoint: every delivery attempt to it. */
@ApiTags('node')
@ApiBearerAuth('node')
@UseGuards(NodeTokenGuard)
@Controller('nodes/me/webhook-attempts')
export class NodeAttemptsController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ApiOperation({ summary: 'Every webhook delivery attempt to this node, newest first: event, status, latency, error' })
  @ApiOkResponse({ type: WebhookAttemptPageDto })
  async list(@CurrentNode() node: NodeEntity, @Query() q: PageQuery): Promise<WebhookAttemptPageDto> {
    const page = await this.nodes.attempts(node.id, q);
    return { ...page, items: page.items.map(WebhookAttemptDto.from) };
  }
}
