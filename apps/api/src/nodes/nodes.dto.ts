import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsPositive, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, ValidateNested } from 'class-validator';
import { AUTOMATION_LEVELS, AutomationLevel, NODE_STATUSES, NodeCapability, NodeEntity, NodeStatus, WebhookAttemptEntity } from '@app/db';
import { PageQuery, Trim } from '../common/dto';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export class CapabilityDto implements NodeCapability {
  @ApiProperty({ example: 'cnc-milling', description: 'An atomic function: woodworking, cnc-milling, 3d-printing, greenhouse, assembly, transport...' })
  @Matches(SLUG, { message: 'function must be a lower-case slug such as cnc-milling' })
  @MaxLength(64)
  @IsString()
  function!: string;

  @ApiProperty({ example: 40, description: 'How much per period, in `unit`' })
  @Max(1e9)
  @IsPositive()
  capacity!: number;

  @ApiProperty({ example: 'parts/week' })
  @MaxLength(32)
  @IsNotEmpty()
  @IsString()
  unit!: string;
}

const WEBHOOK_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateNodeDto {
  @ApiProperty({ example: 'Lindenau CNC shop' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ format: 'uuid', description: 'The member who owns and operates the node' })
  @IsUUID()
  ownerMemberId!: string;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  locationId?: string | null;

  @ApiProperty({ enum: AUTOMATION_LEVELS })
  @IsIn(AUTOMATION_LEVELS)
  automationLevel!: AutomationLevel;

  @ApiProperty({ type: [CapabilityDto] })
  @ValidateNested({ each: true })
  @Type(() => CapabilityDto)
  @ArrayMaxSize(50)
  @ArrayMinSize(1)
  @IsArray()
  capabilities!: CapabilityDto[];

  @ApiPropertyOptional({ type: [String], example: ['crate', 'pallet'], description: 'Transport nodes: the flow types they carry (lower-case slugs: pallet, crate, cold-chain, documents). Default none.' })
  @IsOptional()
  @Matches(SLUG, { each: true, message: 'each flow type must be a lower-case slug such as cold-chain' })
  @MaxLength(40, { each: true })
  @IsString({ each: true })
  @ArrayUnique()
  @ArrayMaxSize(20)
  @IsArray()
  flowTypes?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Transport nodes: the locations they pick up from and deliver to (each must exist). Default none.' })
  @IsOptional()
  @IsUUID('all', { each: true })
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsArray()
  servedLocationIds?: string[];

  @ApiProperty({ example: 'https://cnc.lindenau.example/dpn/webhook', description: 'Where signed task webhooks are POSTed (http or https)' })
  @MaxLength(2000)
  @IsUrl(WEBHOOK_URL, { message: 'webhookUrl must be an http(s) URL' })
  webhookUrl!: string;
}

export class UpdateNodeDto extends PartialType(OmitType(CreateNodeDto, ['ownerMemberId'] as const)) {
  @ApiPropertyOptional({ enum: NODE_STATUSES })
  @IsOptional()
  @IsIn(NODE_STATUSES)
  status?: NodeStatus;
}

export class ListNodesQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'cnc-milling', description: 'Nodes that perform this function' })
  @IsOptional()
  @MaxLength(64)
  @Matches(SLUG, { message: 'capability must be a lower-case slug such as cnc-milling' })
  capability?: string;

  @ApiPropertyOptional({ enum: AUTOMATION_LEVELS })
  @IsOptional()
  @IsIn(AUTOMATION_LEVELS)
  automationLevel?: AutomationLevel;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  locationId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerMemberId?: string;

  @ApiPropertyOptional({ enum: NODE_STATUSES })
  @IsOptional()
  @IsIn(NODE_STATUSES)
  status?: NodeStatus;
}

export class NodeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) ownerMemberId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) locationId!: string | null;
  @ApiProperty({ enum: AUTOMATION_LEVELS }) automationLevel!: AutomationLevel;
  @ApiProperty({ type: [CapabilityDto] }) capabilities!: NodeCapability[];
  @ApiProperty({ type: [String], description: 'Transport nodes: the flow types they carry' }) flowTypes!: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Transport nodes: the locations they serve' }) servedLocationIds!: string[];
  @ApiProperty() webhookUrl!: string;
  @ApiProperty({ enum: NODE_STATUSES }) status!: NodeStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Until when the previous secret is still used for signing' })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set when the endpoint answered 410 Gone: nothing is sent until a ping succeeds or the URL changes' })
  webhookDisabledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) webhookDisabledReason!: string | null;

  static from(n: NodeEntity): NodeDto {
    return {
      id: n.id,
      name: n.name,
      ownerMemberId: n.ownerMemberId,
      locationId: n.locationId,
      automationLevel: n.automationLevel,
      capabilities: n.capabilities,
      flowTypes: n.flowTypes ?? [],
      servedLocationIds: n.servedLocationIds ?? [],
      webhookUrl: n.webhookUrl,
      status: n.status,
      previousSecretExpiresAt: n.previousSecretExpiresAt?.toISOString() ?? null,
      webhookDisabledAt: n.webhookDisabledAt?.toISOString() ?? null,
      webhookDisabledReason: n.webhookDisabledReason,
      createdAt: n.createdAt.toISOString(),
      updatedAt: n.updatedAt.toISOString(),
    };
  }
}

/** Returned only by create and rotate: the one time the signing secret is shown. */
export class NodeWithSecretDto extends NodeDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks signing secret. Shown once: store it now.' })
  webhookSecret!: string;
}

export class PingResultDto {
  @ApiProperty({ example: 'evt_…', description: 'The webhook-id of the ping' }) eventId!: string;
  @ApiProperty({ enum: ['delivered', 'retry', 'rejected', 'gone', 'blocked'] }) outcome!: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}

export class WebhookAttemptDto {
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'node.ping' }) eventType!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ enum: ['delivered', 'retry', 'rejected', 'gone', 'blocked', 'skipped'], description: 'skipped: not sent, no longer current (an offer that closed, a job that ended)' }) outcome!: string;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;

  static from(a: WebhookAttemptEntity): WebhookAttemptDto {
    return { eventId: a.eventId, eventType: a.eventType, attempt: a.attempt, url: a.url, statusCode: a.statusCode, latencyMs: a.latencyMs, outcome: a.outcome, error: a.error, at: a.createdAt.toISOString() };
  }
}

export class WebhookAttemptPageDto {
  @ApiProperty({ type: [WebhookAttemptDto] }) items!: WebhookAttemptDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
