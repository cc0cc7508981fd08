import { Body, Controller, Get, HttpCode, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodeEntity } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { PageQuery } from '../common/dto';
import { UuidParam } from '../common/params';
import { CreateNodeDto, ListNodesQuery, NodeDto, NodeWithSecretDto, PingResultDto, UpdateNodeDto, WebhookAttemptDto, WebhookAttemptPageDto } from './nodes.dto';
import { NodesService } from './nodes.service';

const withSecret = ({ node, secret }: { node: NodeEntity; secret: string }): NodeWithSecretDto => ({ ...NodeDto.from(node), webhookSecret: secret });

@ApiTags('admin: nodes')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Post()
  @ApiOperation({ summary: 'Register a node; the response carries its webhook signing secret, shown this once' })
  @ApiCreatedResponse({ type: NodeWithSecretDto })
  @ApiNotFoundResponse({ description: 'owner member or location does not exist' })
  async create(@Body() dto: CreateNodeDto): Promise<NodeWithSecretDto> {
    return withSecret(await this.nodes.create(dto));
  }

  @Get()
  @ApiOperation({ summary: 'List nodes, filtered by capability, automation level, location, owner or status' })
  async list(@Query() q: ListNodesQuery) {
    const page = await this.nodes.list(q);
    return { ...page, items: page.items.map(NodeDto.from) };
  }

  @Get(':id')
  @ApiOkResponse({ type: NodeDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a node (capabilities, automation level, webhook URL, status...)' })
  @ApiOkResponse({ type: NodeDto })
  async update(@UuidParam() id: string, @Body() dto: UpdateNodeDto): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.update(id, dto));
  }

  @Post(':id/webhook-secret/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the webhook signing secret: the new one is shown once; the old one keeps signing alongside for 24 h' })
  @ApiOkResponse({ type: NodeWithSecretDto })
  async rotate(@UuidParam() id: string): Promise<NodeWithSecretDto> {
    return withSecret(await this.nodes.rotateSecret(id));
  }

  @Post(':id/ping')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send the node a signed node.ping webhook now (one attempt) and report how it answered; a 2xx re-enables an endpoint disabled by a 410',
  })
  @ApiOkResponse({ type: PingResultDto })
  ping(@UuidParam() id: string): Promise<PingResultDto> {
    return this.nodes.ping(id);
  }

  @Get(':id/webhook-attempts')
  @ApiOperation({ summary: 'Every delivery attempt to this node, newest first: status, latency, error' })
  @ApiOkResponse({ type: WebhookAttemptPageDto })
  async attempts(@UuidParam() id: string, @Query() q: PageQuery): Promise<WebhookAttemptPageDto> {
    const page = await this.nodes.attempts(id, q);
    return { ...page, items: page.items.map(WebhookAttemptDto.from) };
  }
}
