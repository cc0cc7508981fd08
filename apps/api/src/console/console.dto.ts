import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { RoundStatus } from '@app/contracts';
import { AUTOMATION_LEVELS, BOARD_COLUMNS, BoardColumn } from '@app/db';
import { ACCOUNT_KINDS, AccountKind, CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, PageQuery } from '../common/dto';
import { JobLeadTimesDto, JobYieldDto } from '../jobs/job-parts.dto';
import { CapabilityDto } from '../nodes/nodes.dto';

const ROUND_STATUSES: RoundStatus[] = ['opening', 'open', 'closing', 'capturing', 'awaiting-payout', 'paying-out', 'funded', 'releasing', 'failed', 'cancelled'];

export class NetworkQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 200 }) @IsOptional() @Type(() => Number) @Max(500) @Min(1) @IsInt() limit?: number;
  @ApiPropertyOptional({ minimum: 0, default: 0 }) @IsOptional() @Type(() => Number) @Min(0) @IsInt() offset?: number;
}

export class NetworkNodeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The member who owns and runs it' }) ownerName!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) locationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) locationName!: string | null;
  @ApiProperty({ enum: AUTOMATION_LEVELS }) automationLevel!: string;
  @ApiProperty({ type: [CapabilityDto] }) capabilities!: CapabilityDto[];
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
  @ApiProperty({ description: 'Its endpoint answered 410 Gone: nothing is sent until a ping succeeds' }) webhookDisabled!: boolean;
  @ApiProperty({ description: 'Work-in-progress limit' }) wipLimit!: number;
  @ApiProperty({ description: 'Jobs accepted and not yet delivered' }) load!: number;
  @ApiProperty({ description: 'Offers waiting for its answer' }) openOffers!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean seconds from an offer to its answer, last 90 days (null: none answered)' }) responseSeconds!: number | null;
  @ApiProperty({ description: 'Jobs it completed in the last 90 days' }) completed!: number;
  @ApiProperty({ description: 'Of those, completed by their due date' }) onTime!: number;
  @ApiProperty({ description: 'Made over all its runs (not counting rejected deliveries)' }) made!: number;
  @ApiProperty({ description: 'Scrapped over all its runs (with rejected deliveries)' }) scrapped!: number;
}

export class LevelCountDto {
  @ApiProperty({ enum: AUTOMATION_LEVELS }) level!: string;
  @ApiProperty() count!: number;
}

export class LocationCountDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null: nodes without a location' }) id!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() count!: number;
}

export class NetworkDto {
  @ApiProperty({ type: [NetworkNodeDto], description: 'A page of the nodes, by location and name' }) nodes!: NetworkNodeDto[];
  @ApiProperty({ description: 'Nodes in the network' }) total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ type: [LevelCountDto], description: 'Nodes per automation level, along the upgrade path' }) levels!: LevelCountDto[];
  @ApiProperty({ type: [LocationCountDto] }) locations!: LocationCountDto[];
}

export class JobBoardQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'Jobs shown per column (each column says how many it holds)' })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  perColumn?: number;
}

export class BoardJobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The task’s title or the product’s name' }) title!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The project, or the asset and quarter of an order' }) forWhat!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty() capability!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() unit!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The node that holds it, or that it is offered to now' }) nodeName!: string | null;
  @ApiProperty({ type: JobLeadTimesDto }) leadTimes!: JobLeadTimesDto;
  @ApiProperty({ type: JobYieldDto }) yield!: JobYieldDto;
  @ApiProperty({ nullable: true, type: Number, description: 'Percent reported by the node in this run' }) progress!: number | null;
  @ApiProperty() offerCount!: number;
}

export class BoardColumnDto {
  @ApiProperty({ enum: BOARD_COLUMNS }) key!: BoardColumn;
  @ApiProperty({ description: 'Jobs in this column' }) total!: number;
  @ApiProperty({ type: [BoardJobDto], description: 'The first ones: active columns soonest due first, delivered and confirmed latest first' }) jobs!: BoardJobDto[];
}

export class JobBoardDto {
  @ApiProperty({ type: [BoardColumnDto] }) columns!: BoardColumnDto[];
}

export class ConsoleRoundsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROUND_STATUSES }) @IsOptional() @IsIn(ROUND_STATUSES) status?: RoundStatus;
}

export class ConsoleRoundDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() projectName!: string;
  @ApiProperty({ enum: ROUND_STATUSES }) status!: RoundStatus;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The live total while open; the final tally after' }) total!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty() backers!: number;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty({ enum: ['coordinator', 'members'] }) payoutApproval!: 'coordinator' | 'members';
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class StatusCountDto {
  @ApiProperty() status!: string;
  @ApiProperty() count!: number;
}

export class ConsoleRoundPageDto {
  @ApiProperty({ type: [ConsoleRoundDto] }) items!: ConsoleRoundDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ type: [StatusCountDto], description: 'Rounds in the network by status' }) byStatus!: StatusCountDto[];
}

export class ConsoleAccountsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ACCOUNT_KINDS }) @IsOptional() @IsIn(ACCOUNT_KINDS) kind?: AccountKind;
  @ApiPropertyOptional({ enum: CURRENCY_CODES }) @IsOptional() @IsIn(CURRENCY_CODES) currency?: string;
}

export class ConsoleAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ACCOUNT_KINDS }) kind!: AccountKind;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ description: 'Whose it is, in words: the member, the project, the project a round raises for, or the network' }) owner!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Derived from its entries' }) balance!: string;
}

export class CurrencyTotalDto {
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The sum of every entry in this currency: "0" in a sound ledger' }) total!: string;
}

export class ConsoleAccountPageDto {
  @ApiProperty({ type: [CurrencyTotalDto], description: 'The trial balance: every currency sums to zero (double entry)' }) trialBalance!: CurrencyTotalDto[];
  @ApiProperty({ type: [ConsoleAccountDto] }) items!: ConsoleAccountDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
