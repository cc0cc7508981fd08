import { Body, Controller, Delete, Get, Header, HttpCode, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { OwnedNodeRow } from '@app/db';
import { MemberEntity, NodeOperatorRepository } from '@app/db';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery } from '../common/dto';
import { UuidParam } from '../common/params';
import { AcceptOfferDto, CompleteDto, CounterOfferDto, ListJobsQuery, ProgressDto, RejectOfferDto } from '../jobs/jobs.dto';
import { NodeWithSecretDto, PingResultDto, WebhookAttemptDto, WebhookAttemptPageDto } from '../nodes/nodes.dto';
import { NodesService } from '../nodes/nodes.service';
import { NodeOwnerGuard, OperatedNode } from './node-owner.guard';
import { CreateOperatorTokenDto, IssuedNodeTokenDto, NodeTokenListDto, OperatorJobDto, OperatorJobPageDto, OperatorNodeDto, OperatorNodeListDto, OperatorWorkDto, UpdateWebhookDto } from './operator.dto';
import { OperatorService } from './operator.service';

/** The nodes a member owns (the node pages of the web app start here). */
@ApiTags('node operator')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Not signed in, session expired, or no valid member token' })
@UseGuards(MemberTokenGuard)
@Controller('members/me/nodes')
export class OperatorNodesController {
  constructor(private readonly operators: NodeOperatorRepository) {}

  @Get()
  @ApiOperation({ summary: 'The nodes you own and operate, with their load against their work-in-progress limit and the offers waiting for them' })
  @ApiOkResponse({ type: OperatorNodeListDto })
  async list(@CurrentMember() m: MemberEntity): Promise<OperatorNodeListDto> {
    return { items: (await this.operators.ownedNodes(m.id)).map(OperatorNodeDto.fromRow) };
  }
}

/**
 * One node, for its owner: what the node API lets the node do (answer offers, report progress and
 * completion), and its endpoint (webhook URL, a test ping, the attempts log, the secret, its API
 * tokens), without the coordinator. With the session cookie, writes need the X-CSRF-Token header.
 */
@ApiTags('node operator')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Not signed in, session expired, or no valid member token' })
@ApiForbiddenResponse({ description: 'csrf_failed (a session write without X-CSRF-Token), member_suspended' })
@ApiNotFoundResponse({ description: 'not_found: not one of your nodes, or not one of this node’s jobs' })
@ApiParam({ name: 'nodeId', type: String, format: 'uuid', description: 'One of your nodes' })
@UseGuards(MemberTokenGuard, NodeOwnerGuard)
@Controller('members/me/nodes/:nodeId')
export class OperatorNodeController {
  constructor(
    private readonly operator: OperatorService,
    private readonly nodes: NodesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your node: its registry record, location, load and open offers' })
  @ApiOkResponse({ type: OperatorNodeDto })
  get(@OperatedNode() n: OwnedNodeRow): OperatorNodeDto {
    return OperatorNodeDto.fromRow(n);
  }

  @Get('work')
  @ApiOperation({ summary: 'The node’s work on one page: offers to answer, jobs in hand, deliveries awaiting confirmation, what ended lately' })
  @ApiOkResponse({ type: OperatorWorkDto })
  work(@OperatedNode() n: OwnedNodeRow): Promise<OperatorWorkDto> {
    return this.operator.work(n.node.id);
  }

  @Get('jobs')
  @ApiOperation({ summary: 'The jobs the node holds and the ones offered to it now, paged (as GET /nodes/me/jobs)' })
  @ApiOkResponse({ type: OperatorJobPageDto })
  jobs(@OperatedNode() n: OwnedNodeRow, @Query() q: ListJobsQuery): Promise<OperatorJobPageDto> {
    return this.operator.list(n.node.id, q);
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'One of the node’s jobs: offers, progress, runs with yield and documents' })
  @ApiOkResponse({ type: OperatorJobDto })
  job(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string): Promise<OperatorJobDto> {
    return this.operator.job(n.node.id, id);
  }

  @Post('jobs/:id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept the offer (a repeat is harmless)' })
  @ApiOkResponse({ type: OperatorJobDto })
  @ApiConflictResponse({ description: 'job_not_offered, node_suspended, job_closed' })
  accept(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string, @Body() dto: AcceptOfferDto): Promise<OperatorJobDto> {
    return this.operator.accept(n, id, dto);
  }

  @Post('jobs/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject the offer, with a reason; it goes to the next node' })
  @ApiOkResponse({ type: OperatorJobDto })
  reject(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string, @Body() dto: RejectOfferDto): Promise<OperatorJobDto> {
    return this.operator.reject(n, id, dto);
  }

  @Post('jobs/:id/counter')
  @HttpCode(200)
  @ApiOperation({ summary: 'Counter-offer a later date and/or part of the quantity; taken or refused by the job’s rules' })
  @ApiOkResponse({ type: OperatorJobDto })
  @ApiConflictResponse({ description: 'job_not_offered, node_suspended' })
  counter(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string, @Body() dto: CounterOfferDto): Promise<OperatorJobDto> {
    return this.operator.counter(n, id, dto);
  }

  @Post('jobs/:id/progress')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report progress on a job the node holds' })
  @ApiOkResponse({ type: OperatorJobDto })
  @ApiConflictResponse({ description: 'job_not_accepted, job_closed' })
  progress(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string, @Body() dto: ProgressDto): Promise<OperatorJobDto> {
    return this.operator.progress(n.node.id, id, dto);
  }

  @Post('jobs/:id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report the job done: quantity made and scrapped, and documents for a design or test report' })
  @ApiOkResponse({ type: OperatorJobDto })
  @ApiConflictResponse({ description: 'job_not_accepted, job_closed' })
  complete(@OperatedNode() n: OwnedNodeRow, @UuidParam() id: string, @Body() dto: CompleteDto): Promise<OperatorJobDto> {
    return this.operator.complete(n.node.id, id, dto);
  }

  @Patch('webhook')
  @ApiOperation({ summary: 'Point the node’s webhooks at another URL (a new URL re-enables an endpoint disabled by a 410)' })
  @ApiOkResponse({ type: OperatorNodeDto })
  async setWebhook(@OperatedNode() n: OwnedNodeRow, @Body() dto: UpdateWebhookDto): Promise<OperatorNodeDto> {
    const node = await this.nodes.update(n.node.id, { webhookUrl: dto.webhookUrl });
    return OperatorNodeDto.fromRow({ ...n, node });
  }

  @Post('webhook/ping')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the node a signed node.ping now (one attempt) and say how its endpoint answered' })
  @ApiOkResponse({ type: PingResultDto })
  ping(@OperatedNode() n: OwnedNodeRow): Promise<PingResultDto> {
    return this.nodes.ping(n.node.id);
  }

  @Get('webhook/attempts')
  @ApiOperation({ summary: 'Every webhook delivery attempt to the node, newest first: event, status, latency, error' })
  @ApiOkResponse({ type: WebhookAttemptPageDto })
  async attempts(@OperatedNode() n: OwnedNodeRow, @Query() q: PageQuery): Promise<WebhookAttemptPageDto> {
    const page = await this.nodes.attempts(n.node.id, q);
    return { ...page, items: page.items.map(WebhookAttemptDto.from) };
  }

  @Post('webhook/secret/rotate')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Rotate the webhook signing secret: the new one is shown this once; the old one keeps signing alongside for 24 h' })
  @ApiOkResponse({ type: NodeWithSecretDto })
  async rotate(@OperatedNode() n: OwnedNodeRow): Promise<NodeWithSecretDto> {
    const { node, secret } = await this.nodes.rotateSecret(n.node.id);
    return { ...OperatorNodeDto.fromRow({ ...n, node }), webhookSecret: secret };
  }

  @Get('tokens')
  @ApiOperation({ summary: 'The node’s API tokens that still work (names and dates; a token is shown only when issued)' })
  @ApiOkResponse({ type: NodeTokenListDto })
  async tokens(@OperatedNode() n: OwnedNodeRow): Promise<NodeTokenListDto> {
    return { items: await this.operator.tokens(n.node.id) };
  }

  @Post('tokens')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Issue a node API token for /nodes/me/* (shown this once)' })
  @ApiCreatedResponse({ type: IssuedNodeTokenDto })
  issueToken(@OperatedNode() n: OwnedNodeRow, @Body() dto: CreateOperatorTokenDto): Promise<IssuedNodeTokenDto> {
    return this.operator.issueToken(n.node.id, dto.name);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of the node’s tokens (at once; a repeat is harmless)' })
  @ApiNoContentResponse()
  revokeToken(@OperatedNode() n: OwnedNodeRow, @UuidParam('tokenId') tokenId: string): Promise<void> {
    return this.operator.revokeToken(n.node.id, tokenId);
  }
}
