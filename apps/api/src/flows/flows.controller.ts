import { applyDecorators, Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { FlowsRepository, HandoffAnswerer, MemberEntity, NodeEntity } from '@app/db';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { CurrentNode, NodeTokenGuard } from '../auth/node-token.guard';
import { pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { CancelFlowDto, CreateFlowDto, FlowDto, FlowPageDto, HandoffAnswerDto, HandoffDto, HandoffPageDto, ListFlowsQuery, ListHandoffsQuery, LotTraceDto } from './flows.dto';
import { FlowsService } from './flows.service';

/**
 * The OpenAPI of the answer route, the same for a node and for a member. `HttpCode(200)`: an
 * answer changes a hand-off, it creates nothing.
 */
const ApiAnswerHandoff = () =>
  applyDecorators(
    HttpCode(200),
    ApiOperation({
      summary:
        'Answer a hand-off you receive: accepted (quantity received ≤ sent, note, photo) or refused (reason: the lot goes back for rework). The same answer again returns the hand-off; a different one after is 409.',
    }),
    ApiOkResponse({ type: HandoffDto }),
    ApiForbiddenResponse({ description: 'not_receiver: only the receiver answers' }),
    ApiUnprocessableEntityResponse({ description: 'more_than_sent (with quantitySent, quantityReceived): nothing is written' }),
    ApiConflictResponse({ description: 'handoff_answered (with answer, quantityReceived): it was answered otherwise' }),
    ApiServiceUnavailableResponse({ description: 'temporal_unavailable: the answer is recorded but the flow was not told; send the same answer again' }),
  );

/** The OpenAPI of the one-hand-off route, the same for a node and for a member. */
const ApiOneHandoff = () => applyDecorators(ApiOkResponse({ type: HandoffDto }), ApiNotFoundResponse());

/** Who a hand-off route serves: the party the repository checks, and how an answer records who gave it. */
interface HandoffParty {
  by: HandoffAnswerer;
  answeredBy: string;
}
const nodeParty = (node: NodeEntity): HandoffParty => ({ by: { kind: 'node', nodeId: node.id }, answeredBy: `node:${node.id}` });
const memberParty = (m: MemberEntity): HandoffParty => ({ by: { kind: 'member', memberId: m.id }, answeredBy: `member:${m.id}` });

@ApiTags('admin: flows')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin')
export class FlowsAdminController {
  constructor(
    private readonly flows: FlowsService,
    private readonly rows: FlowsRepository,
  ) {}

  @Post('flows')
  @ApiOperation({
    summary: 'Start a production flow: a recipe (saved or written here) run for a demand, planned backwards from its due date; each step becomes a job once its inputs are made',
    description: 'Checked first (nothing written on a refusal): the recipe, the demand, the recipient, a carrier for every flow type the recipe needs.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key with the same request answers the first flow (and starts its process if that failed)' })
  @ApiCreatedResponse({ type: FlowDto })
  @ApiNotFoundResponse({ description: 'unknown_recipe, unknown_demand, unknown_recipient, unknown_pickup_point (with the field)' })
  @ApiUnprocessableEntityResponse({ description: 'invalid_recipe (with problems), no_carrier (with flowTypes)' })
  @ApiConflictResponse({ description: 'project_not_active, idempotency_key_reused' })
  @ApiServiceUnavailableResponse({ description: 'temporal_unavailable' })
  async create(@Body() dto: CreateFlowDto, @Actor() actor: string, @IdempotencyKey() key: string | undefined, @Res({ passthrough: true }) res: Response): Promise<FlowDto> {
    const { flow, replayed } = await this.flows.create(dto, actor, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/admin/flows/${flow.id}`);
    return flow;
  }

  @Get('flows')
  @ApiOperation({ summary: 'Flows (of one demand), newest first, with their counts: steps done, late steps, open legs, pending hand-offs' })
  @ApiOkResponse({ type: FlowPageDto })
  async list(@Query() q: ListFlowsQuery): Promise<FlowPageDto> {
    const page = pageOf(q);
    const r = await this.rows.list({ demandType: q.demandType, demandId: q.demandId, status: q.status, ...page });
    return { ...r, ...page };
  }

  @Get('flows/:id')
  @ApiOperation({ summary: 'A flow: its steps with their plan and times (late by how much), its transport legs, its latest hand-offs' })
  @ApiOkResponse({ type: FlowDto })
  @ApiNotFoundResponse()
  get(@UuidParam() id: string): Promise<FlowDto> {
    return this.flows.get(id);
  }

  @Post('flows/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a flow: its open jobs are cancelled; hand-offs stay as records' })
  @ApiOkResponse({ type: FlowDto })
  @ApiConflictResponse({ description: 'flow_closed' })
  cancel(@UuidParam() id: string, @Body() dto: CancelFlowDto, @Actor() actor: string): Promise<FlowDto> {
    return this.flows.cancel(id, actor, dto.reason);
  }

  @Get('lots/:id/trace')
  @ApiOperation({ summary: 'A lot’s trace: who made it and every hand-off it went through; backward every lot it was made from, forward every lot it went into' })
  @ApiOkResponse({ type: LotTraceDto })
  @ApiNotFoundResponse()
  trace(@UuidParam() id: string): Promise<LotTraceDto> {
    return this.flows.trace(id);
  }
}

/** The node API: hand-offs of goods coming to this node (as a maker's next step, or as a carrier). */
@ApiTags('node')
@ApiBearerAuth('node')
@UseGuards(NodeTokenGuard)
@Controller('nodes/me/handoffs')
export class NodeHandoffsController {
  constructor(private readonly flows: FlowsService) {}

  @Get()
  @ApiOperation({ summary: 'Hand-offs to this node, pending first (filter by status)' })
  @ApiOkResponse({ type: HandoffPageDto })
  list(@CurrentNode() node: NodeEntity, @Query() q: ListHandoffsQuery): Promise<HandoffPageDto> {
    return this.flows.handoffsFor(nodeParty(node).by, q);
  }

  @Get(':id')
  @ApiOneHandoff()
  one(@CurrentNode() node: NodeEntity, @UuidParam() id: string): Promise<HandoffDto> {
    return this.flows.visibleHandoff(id, nodeParty(node).by);
  }

  @Post(':id/answer')
  @ApiAnswerHandoff()
  answer(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: HandoffAnswerDto): Promise<HandoffDto> {
    const { by, answeredBy } = nodeParty(node);
    return this.flows.answer(id, by, dto, answeredBy);
  }
}

/** A member's side of flows: what comes to them (or to their pickup point, or their nodes), and the trace of what they got. */
@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me')
export class MemberFlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Get('handoffs')
  @ApiOperation({ summary: 'Hand-offs you answer: to you, to a pickup point you keep, to nodes you own; pending first' })
  @ApiOkResponse({ type: HandoffPageDto })
  list(@CurrentMember() m: MemberEntity, @Query() q: ListHandoffsQuery): Promise<HandoffPageDto> {
    return this.flows.handoffsFor(memberParty(m).by, q);
  }

  @Get('handoffs/:id')
  @ApiOneHandoff()
  one(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<HandoffDto> {
    return this.flows.visibleHandoff(id, memberParty(m).by);
  }

  @Post('handoffs/:id/answer')
  @ApiAnswerHandoff()
  answer(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: HandoffAnswerDto): Promise<HandoffDto> {
    const { by, answeredBy } = memberParty(m);
    return this.flows.answer(id, by, dto, answeredBy);
  }

  @Get('lots/:id/trace')
  @ApiOperation({ summary: 'The trace of a lot you hold or received, or that your nodes made, carried or received' })
  @ApiOkResponse({ type: LotTraceDto })
  @ApiNotFoundResponse()
  trace(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<LotTraceDto> {
    return this.flows.trace(id, m.id);
  }

  @Get('flows/:id')
  @ApiOperation({ summary: 'A flow you receive, or one your nodes make or carry for' })
  @ApiOkResponse({ type: FlowDto })
  @ApiNotFoundResponse()
  flow(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<FlowDto> {
    return this.flows.forMember(m.id, id);
  }
}
