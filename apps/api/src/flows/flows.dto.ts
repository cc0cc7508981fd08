import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, IsUUID, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import type {
  FlowLegStatus,
  FlowLegView,
  FlowRecipient,
  FlowStatus,
  FlowStepStatus,
  FlowStepView,
  FlowView,
  HandoffStatus,
  HandoffView,
  LotStatus,
  LotTrace,
  PartyType,
  TraceLot,
} from '@app/contracts';
import type { FlowListItem } from '@app/db';
import { PageQuery, Trim } from '../common/dto';
import { RecipeDto } from '../recipes/recipes.dto';

const FLOW_STATUSES: FlowStatus[] = ['running', 'delivered', 'cancelled', 'failed'];
const STEP_STATUSES: FlowStepStatus[] = ['waiting', 'offered', 'accepted', 'made', 'handed-off', 'cancelled'];
const LEG_STATUSES: FlowLegStatus[] = ['searching', 'offered', 'accepted', 'picked-up', 'delivered', 'received', 'rejected', 'no-carrier', 'cancelled'];
const HANDOFF_STATUSES: HandoffStatus[] = ['pending', 'accepted', 'rejected'];
const LOT_STATUSES: LotStatus[] = ['made', 'in-transit', 'received', 'consumed', 'delivered', 'rejected'];
const PARTY_TYPES: PartyType[] = ['node', 'member', 'pickup'];
/** Most units a flow makes (the same bound as a job's quantity). */
export const MAX_FLOW_QUANTITY = 1_000_000;

export class FlowRecipientDto {
  @ApiProperty({ enum: ['member', 'node', 'pickup'], description: 'A member, a node, or a pickup point where the member collects on its set days' })
  @IsIn(['member', 'node', 'pickup'])
  type!: 'member' | 'node' | 'pickup';

  @ApiPropertyOptional({ format: 'uuid', description: 'The member or node (type member or node)' })
  @ValidateIf((r: FlowRecipientDto) => r.type !== 'pickup')
  @IsUUID()
  id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The pickup point (type pickup)' })
  @ValidateIf((r: FlowRecipientDto) => r.type === 'pickup')
  @IsUUID()
  pickupPointId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The member who collects (type pickup)' })
  @ValidateIf((r: FlowRecipientDto) => r.type === 'pickup')
  @IsUUID()
  memberId?: string;
}

export class FlowDemandDto {
  @ApiProperty({ enum: ['project', 'order'], description: 'The real demand the flow serves: a production project or a quarterly output order' })
  @IsIn(['project', 'order'])
  type!: 'project' | 'order';
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
}

export class CreateFlowDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A saved recipe (or give `recipe`)' })
  @IsOptional()
  @IsUUID()
  recipeId?: string;

  @ApiPropertyOptional({ type: RecipeDto, description: 'A recipe written for this flow only (or give `recipeId`)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecipeDto)
  recipe?: RecipeDto;

  @ApiProperty({ example: 10, description: 'How much of the output step’s unit' })
  @Max(MAX_FLOW_QUANTITY)
  @Min(1)
  @IsInt()
  quantity!: number;

  @ApiProperty({ format: 'date-time', description: 'When the output is due at the recipient: the flow is planned backwards from it' })
  @IsDateString({ strict: true })
  dueAt!: string;

  @ApiProperty({ type: FlowRecipientDto }) @ValidateNested() @Type(() => FlowRecipientDto) recipient!: FlowRecipientDto;
  @ApiProperty({ type: FlowDemandDto }) @ValidateNested() @Type(() => FlowDemandDto) demand!: FlowDemandDto;
}

export class ListFlowsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['project', 'order'] }) @IsOptional() @IsIn(['project', 'order']) demandType?: 'project' | 'order';
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() demandId?: string;
  @ApiPropertyOptional({ enum: FLOW_STATUSES }) @IsOptional() @IsIn(FLOW_STATUSES) status?: FlowStatus;
}

export class CancelFlowDto {
  @ApiProperty({ example: 'the order was withdrawn' }) @Trim() @MaxLength(500) @IsNotEmpty() @IsString() reason!: string;
}

export class HandoffAnswerDto {
  @ApiProperty({ description: 'true: received (all that was sent, or `quantityReceived`); false: refused (with a reason: the lot goes back for rework)' })
  @IsBoolean()
  accepted!: boolean;

  @ApiPropertyOptional({ example: 10, description: 'Accepted only: how much arrived (at most what was sent; default all of it). Less starts a make-up run.' })
  @IsOptional()
  @Max(MAX_FLOW_QUANTITY * 10)
  @Min(0)
  @IsInt()
  quantityReceived?: number;

  @ApiPropertyOptional({ example: 'two boards scratched' }) @IsOptional() @Trim() @MaxLength(2000) @IsString() note?: string;

  @ApiPropertyOptional({ example: 'https://photos.example.org/handoff-17.jpg' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  photoUrl?: string;

  @ApiPropertyOptional({ example: 'boards warped', description: 'Refused only (required then): why' })
  @ValidateIf((a: HandoffAnswerDto) => a.accepted === false || a.reason !== undefined)
  @Trim()
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  reason?: string;
}

export class ListHandoffsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: HANDOFF_STATUSES }) @IsOptional() @IsIn(HANDOFF_STATUSES) status?: HandoffStatus;
}

// --- Responses (the read models of @app/contracts) ----------------------------------------------

class PartyDto {
  @ApiProperty({ enum: PARTY_TYPES }) type!: PartyType;
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
}

export class HandoffDto implements HandoffView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) flowId!: string;
  @ApiProperty({ format: 'uuid' }) lotId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) legId!: string | null;
  @ApiProperty({ type: PartyDto }) from!: PartyDto;
  @ApiProperty({ type: PartyDto }) to!: PartyDto;
  @ApiProperty() quantitySent!: number;
  @ApiProperty({ nullable: true, type: Number }) quantityReceived!: number | null;
  @ApiProperty({ enum: HANDOFF_STATUSES }) status!: HandoffStatus;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String }) photoUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) answeredAt!: string | null;
}

export class HandoffPageDto {
  @ApiProperty({ type: [HandoffDto] }) items!: HandoffDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class FlowStepDto implements FlowStepView {
  @ApiProperty() key!: string;
  @ApiProperty() capability!: string;
  @ApiProperty() item!: string;
  @ApiProperty() unit!: string;
  @ApiProperty({ description: 'Good units needed' }) goodQuantity!: number;
  @ApiProperty({ description: 'Units to start (scrap included)' }) startQuantity!: number;
  @ApiProperty() leadTimeMs!: number;
  @ApiProperty({ enum: ['declared', 'learned'] }) leadTimeSource!: 'declared' | 'learned';
  @ApiProperty({ format: 'date-time' }) plannedStartAt!: string;
  @ApiProperty({ format: 'date-time' }) plannedDoneAt!: string;
  @ApiProperty({ enum: STEP_STATUSES }) status!: FlowStepStatus;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) nodeId!: string | null;
  @ApiProperty({ nullable: true, type: String }) nodeName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) jobId!: string | null;
  @ApiProperty() runs!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) offeredAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) acceptedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) doneAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) receivedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Not done by its planned time (or done after it): by how much, in ms' }) lateByMs!: number | null;
}

export class FlowLegDto implements FlowLegView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() fromStep!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The consuming step; null: the recipient' }) toStep!: string | null;
  @ApiProperty({ format: 'uuid' }) lotId!: string;
  @ApiProperty() flowType!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) fromLocationId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) toLocationId!: string | null;
  @ApiProperty() quantity!: number;
  @ApiProperty({ enum: LEG_STATUSES }) status!: FlowLegStatus;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) carrierNodeId!: string | null;
  @ApiProperty({ nullable: true, type: String }) carrierName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) jobId!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) plannedDoneAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) offeredAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) acceptedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) doneAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) receivedAt!: string | null;
}

class FlowRecipientViewDto {
  @ApiProperty({ enum: ['member', 'node', 'pickup'] }) type!: 'member' | 'node' | 'pickup';
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) pickupPointId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) memberId?: string;
}

export class FlowDto implements FlowView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() recipeName!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) recipeId!: string | null;
  @ApiProperty({ type: FlowDemandDto }) demand!: { type: 'project' | 'order'; id: string };
  @ApiProperty() quantity!: number;
  @ApiProperty() unit!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ type: FlowRecipientViewDto }) recipient!: FlowRecipient;
  @ApiProperty({ enum: FLOW_STATUSES }) status!: FlowStatus;
  @ApiProperty({ type: [FlowStepDto], description: 'In the recipe’s order, with the backward plan and what happened' }) steps!: FlowStepDto[];
  @ApiProperty({ type: [FlowLegDto] }) legs!: FlowLegDto[];
  @ApiProperty({ type: [HandoffDto], description: 'The latest hand-offs (at most 50), newest first' }) handoffs!: HandoffDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt!: string | null;
}

export class FlowListItemDto implements FlowListItem {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() recipeName!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) recipeId!: string | null;
  @ApiProperty({ type: FlowDemandDto }) demand!: { type: 'project' | 'order'; id: string };
  @ApiProperty() quantity!: number;
  @ApiProperty() unit!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ enum: FLOW_STATUSES }) status!: FlowStatus;
  @ApiProperty() steps!: number;
  @ApiProperty() stepsDone!: number;
  @ApiProperty() lateSteps!: number;
  @ApiProperty() openLegs!: number;
  @ApiProperty() pendingHandoffs!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt!: string | null;
}

export class FlowPageDto {
  @ApiProperty({ type: [FlowListItemDto] }) items!: FlowListItemDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

class LotMakerDto {
  @ApiProperty({ format: 'uuid' }) nodeId!: string;
  @ApiProperty({ nullable: true, type: String }) nodeName!: string | null;
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty() run!: number;
}

export class TraceLotDto implements TraceLot {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() stepKey!: string;
  @ApiProperty() item!: string;
  @ApiProperty() unit!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty({ enum: LOT_STATUSES }) status!: LotStatus;
  @ApiProperty({ type: LotMakerDto }) madeBy!: LotMakerDto;
  @ApiProperty({ format: 'date-time' }) madeAt!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) reworkOf!: string | null;
  @ApiProperty({ type: [HandoffDto], description: 'Every hand-off of the lot, in order' }) handoffs!: HandoffDto[];
  @ApiProperty({ description: '0: the lot traced; n: n lots away' }) depth!: number;
}

export class LinkedTraceLotDto extends TraceLotDto {
  @ApiProperty({ format: 'uuid', description: 'The lot it was reached through (the one it went into, backward; the one it was made from, forward)' }) via!: string;
}

export class LotTraceDto implements LotTrace {
  @ApiProperty({ type: TraceLotDto }) lot!: TraceLotDto;
  @ApiProperty({ type: [LinkedTraceLotDto], description: 'Every lot it was made from, transitively, nearest first' }) backward!: LinkedTraceLotDto[];
  @ApiProperty({ type: [LinkedTraceLotDto], description: 'Every lot it went into, transitively, nearest first' }) forward!: LinkedTraceLotDto[];
}
