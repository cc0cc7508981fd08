import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AMOUNT_DOC, CURRENCY_DOC, PageQuery, Trim } from '../common/dto';
import { ConsoleAccountDto, LevelCountDto, StatusCountDto } from './console.dto';

const PARTS_DOC = { type: String, example: '250000', description: 'Integer parts of the asset (a string of digits)' };
const DECISION_STATUSES = ['open', 'closing', 'decided', 'defaulted', 'undecided', 'cancelled'];
const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'rejected', 'failed'];

abstract class PageDto {
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class BackerDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'What the member pledges now' }) amount!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Moved into the round at a funded close ("0" before)' }) captured!: string;
  @ApiProperty({ description: 'Given back: the hold released or the capture refunded' }) returned!: boolean;
  @ApiProperty({ format: 'date-time', description: 'The member’s last change of the pledge' }) pledgedAt!: string;
}

export class BackerPageDto extends PageDto {
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ type: [BackerDto], description: 'The latest pledge first' }) items!: BackerDto[];
}

export class ConsoleAssetDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty() portable!: boolean;
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The node that runs it' }) nodeName!: string | null;
  @ApiProperty({ description: 'Members who own a fraction' }) owners!: number;
  @ApiProperty({ nullable: true, type: String, description: 'A portable asset’s last place: a location or free text' }) lastPlace!: string | null;
  @ApiProperty({ description: 'It grows or makes something its owners order quarter by quarter' }) producing!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ConsoleAssetPageDto extends PageDto {
  @ApiProperty({ type: [ConsoleAssetDto] }) items!: ConsoleAssetDto[];
}

export class QuarterProductDto {
  @ApiProperty({ example: 'tomatoes' }) productId!: string;
  @ApiProperty({ example: 'Tomatoes' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'crate' }) unit!: string | null;
  @ApiProperty({ description: 'Asked for by the owners (before the plan: the orders placed so far)' }) requested!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Granted by the allocation (null until the quarter is planned)' }) granted!: number | null;
}

export class ConsoleQuarterDto {
  @ApiProperty({ example: '2027-Q2' }) quarter!: string;
  @ApiProperty({ enum: ['open', 'closed', 'planned'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) windowOpensAt!: string;
  @ApiProperty({ format: 'date-time' }) windowClosesAt!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Capacity of the quarter in the asset’s unit' }) capacity!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Capacity left unused by the plan' }) spare!: number | null;
  @ApiProperty({ description: 'Owners asked when the window opened' }) owners!: number;
  @ApiProperty({ description: 'Of those, who placed an order' }) ordered!: number;
  @ApiProperty({ type: [QuarterProductDto] }) products!: QuarterProductDto[];
}

export class ConsoleAssetDetailDto extends ConsoleAssetDto {
  @ApiProperty(PARTS_DOC) ownedParts!: string;
  @ApiProperty({ nullable: true, type: Number }) quarterlyCapacity!: number | null;
  @ApiProperty({ nullable: true, type: String }) capacityUnit!: string | null;
  @ApiProperty({ example: 'Europe/Berlin' }) timeZone!: string;
  @ApiProperty({ type: [ConsoleQuarterDto], description: 'The latest quarters (at most 8), newest first' }) quarters!: ConsoleQuarterDto[];
}

export class AssetOwnerDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() name!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(PARTS_DOC) outputParts!: string;
  @ApiProperty({ example: '1/4' }) fraction!: string;
  @ApiProperty({ example: '25 %', description: 'The fraction in percent, to a tenth (for people)' }) percent!: string;
}

export class AssetOwnerPageDto extends PageDto {
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty({ type: [AssetOwnerDto], description: 'Largest fraction first' }) items!: AssetOwnerDto[];
}

export class ShareTransferLineDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ example: '1/10' }) fraction!: string;
  @ApiProperty(AMOUNT_DOC) price!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class ShareTransferPageDto extends PageDto {
  @ApiProperty({ type: [ShareTransferLineDto], description: 'Newest first' }) items!: ShareTransferLineDto[];
}

export class MovementLineDto {
  @ApiProperty({ nullable: true, type: String }) location!: string | null;
  @ApiProperty({ nullable: true, type: String }) place!: string | null;
  @ApiProperty({ format: 'date-time' }) movedAt!: string;
}

export class MovementPageDto extends PageDto {
  @ApiProperty({ type: [MovementLineDto], description: 'Newest first' }) items!: MovementLineDto[];
}

export class ConsoleStatementLineDto {
  @ApiProperty() entryId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'deposit' }) kind!: string;
  @ApiProperty({ nullable: true, type: String }) memo!: string | null;
  @ApiProperty({ description: 'The other side of the posting, by name' }) counterparty!: string;
  @ApiProperty({ ...AMOUNT_DOC, example: '-50000', description: 'Minor units; negative is money out' }) amount!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The balance after this entry' }) balanceAfter!: string;
}

export class ConsoleStatementDto extends PageDto {
  @ApiProperty({ type: ConsoleAccountDto }) account!: ConsoleAccountDto;
  @ApiProperty({ type: [ConsoleStatementLineDto], description: 'Newest first' }) items!: ConsoleStatementLineDto[];
}

export class ConsoleMembersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of a name or an email address' }) @IsOptional() @Trim() @MaxLength(200) @IsString() q?: string;
}

export class ConsoleMemberDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'Nodes they own and run' }) nodes!: number;
  @ApiProperty({ description: 'Assets they own a fraction of' }) assets!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ConsoleMemberPageDto extends PageDto {
  @ApiProperty({ type: [ConsoleMemberDto] }) items!: ConsoleMemberDto[];
}

export class ConsoleLocationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() address!: string;
  @ApiProperty() nodes!: number;
  @ApiProperty({ type: [String], description: 'The first ten by name' }) nodeNames!: string[];
}

export class ConsoleLocationPageDto extends PageDto {
  @ApiProperty({ type: [ConsoleLocationDto] }) items!: ConsoleLocationDto[];
}

export class ConsoleDecisionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DECISION_STATUSES }) @IsOptional() @IsIn(DECISION_STATUSES) status?: string;
}

export class ConsoleDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: DECISION_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty({ description: 'Members asked' }) asked!: number;
  @ApiProperty({ description: 'Members who have answered (never what)' }) answered!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ConsoleDecisionPageDto extends PageDto {
  @ApiProperty({ type: [ConsoleDecisionDto], description: 'Open ones first (soonest deadline), then the newest' }) items!: ConsoleDecisionDto[];
}

export class VotersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'true: those who answered; false: those still to answer' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  answered?: boolean;
}

export class ConsoleVoterDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() answered!: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) answeredAt!: string | null;
}

export class ConsoleVoterPageDto extends PageDto {
  @ApiProperty({ type: ConsoleDecisionDto }) decision!: ConsoleDecisionDto;
  @ApiProperty({ description: 'false: the answers live in the decision’s workflow (decisions opened before they moved to PostgreSQL); only the counts are known here' })
  votersKnown!: boolean;
  @ApiProperty({ type: [ConsoleVoterDto], description: 'Who has answered and who has not, never what: those still to answer first' }) items!: ConsoleVoterDto[];
}

export class OutboxQuery extends PageQuery {
  @ApiPropertyOptional({ enum: OUTBOX_STATUSES }) @IsOptional() @IsIn(OUTBOX_STATUSES) status?: string;
}

export class OutboxLineDto {
  @ApiProperty() to!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: OUTBOX_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Why the last attempt failed' }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt!: string | null;
}

export class OutboxPageDto extends PageDto {
  @ApiProperty({ type: [OutboxLineDto], description: 'Newest first; never a body (sign-in emails carry links that sign in)' }) items!: OutboxLineDto[];
  @ApiProperty({ type: [StatusCountDto] }) byStatus!: StatusCountDto[];
}

export class LevelHistoryQuery {
  @ApiPropertyOptional({ minimum: 2, maximum: 104, default: 26, description: 'How many weeks back' })
  @IsOptional()
  @Type(() => Number)
  @Max(104)
  @Min(2)
  @IsInt()
  weeks?: number;
}

export class LevelPointDto {
  @ApiProperty({ format: 'date-time', description: 'The end of a week (the last point: now)' }) at!: string;
  @ApiProperty({ type: [LevelCountDto], description: 'Nodes per automation level then, in the order of the upgrade path' }) levels!: LevelCountDto[];
}

export class LevelHistoryDto {
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Since when level changes are recorded (earlier points show none)' }) since!: string | null;
  @ApiProperty({ type: [LevelPointDto], description: 'Oldest first' }) points!: LevelPointDto[];
}
