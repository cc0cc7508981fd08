import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { RoundPublicView, RoundStatus, RoundView } from '@app/contracts';
import { CURRENCY_CODES } from '@app/domain';
import type { FundingPledgeEntity, FundingRoundEntity } from '@app/db';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt, Trim } from '../common/dto';

export class RoundDocumentDto {
  @ApiProperty({ example: 'Business plan v3' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  title!: string;

  @ApiProperty({ example: 'https://docs.example.org/plan-v3.pdf' })
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @ApiProperty({ example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', description: 'sha256:<64 hex> of the document' })
  @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'contentHash must be sha256:<64 lower-case hex digits>' })
  @IsString()
  contentHash!: string;
}

export class RoundOperatorDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  memberId!: string;

  @ApiProperty({ ...AMOUNT_DOC, description: 'What the operator puts in up front (held when the round opens)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  upfront!: bigint;

  @ApiProperty({ minimum: 0, maximum: 50, example: 20, description: 'Extra share of the output (%) for running the asset' })
  @Max(50)
  @Min(0)
  @IsInt()
  outputBonusPercent!: number;
}

export class CreateRoundDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The asset this round buys: its ownership table is created from the pledges' })
  @IsOptional()
  @IsUUID()
  assetId?: string;

  @ApiProperty({ ...AMOUNT_DOC, example: '2500000' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  goal!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES)
  currency!: string;

  @ApiPropertyOptional({ ...AMOUNT_DOC, example: '5000', description: 'Smallest pledge; default 1 minor unit' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  minPledge?: bigint;

  @ApiProperty({ format: 'date-time', example: '2026-12-21T12:00:00Z', description: 'At least 5 minutes and at most a year ahead' })
  @IsDateString({ strict: true })
  deadline!: string;

  @ApiPropertyOptional({ default: false, description: 'Close as soon as the goal is reached, instead of staying open to the deadline' })
  @IsOptional()
  @IsBoolean()
  closeWhenGoalMet?: boolean;

  @ApiPropertyOptional({ enum: ['coordinator', 'members'], default: 'coordinator', description: "Who releases the collected money: the coordinator, or a vote of the round's backers" })
  @IsOptional()
  @IsIn(['coordinator', 'members'])
  payoutApproval?: 'coordinator' | 'members';

  @ApiPropertyOptional({ type: RoundOperatorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RoundOperatorDto)
  operator?: RoundOperatorDto;

  @ApiPropertyOptional({ type: [RoundDocumentDto] })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RoundDocumentDto)
  @IsArray()
  documents?: RoundDocumentDto[];
}

export class PledgeDto {
  @ApiProperty({ ...AMOUNT_DOC, example: '50000', description: 'Your whole pledge after this request: raise, lower, or "0" to withdraw' })
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  amount!: bigint;
}

export class CancelRoundDto {
  @ApiProperty({ example: 'The site fell through' })
  @Trim()
  @MaxLength(1000)
  @IsNotEmpty()
  @IsString()
  reason!: string;
}

const STATUSES: RoundStatus[] = ['opening', 'open', 'closing', 'capturing', 'awaiting-payout', 'paying-out', 'funded', 'releasing', 'failed', 'cancelled'];

export class RoundPublicDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ enum: STATUSES }) status!: RoundStatus;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty(AMOUNT_DOC) total!: string;
  @ApiProperty() backers!: number;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty(AMOUNT_DOC) minPledge!: string;
  @ApiProperty() closeWhenGoalMet!: boolean;
  @ApiProperty({ enum: ['live', 'record'], description: 'live: from the running workflow; record: from the database (workflow closed or Temporal unreachable)' })
  source!: 'live' | 'record';

  static fromView(v: RoundPublicView, source: 'live' | 'record' = 'live'): RoundPublicDto {
    return {
      roundId: v.roundId,
      projectId: v.projectId,
      status: v.status,
      goal: v.goal,
      currency: v.currency,
      total: v.total,
      backers: v.backers,
      deadline: v.deadline,
      minPledge: v.minPledge,
      closeWhenGoalMet: v.closeWhenGoalMet,
      source,
    };
  }

  static fromRecord(r: FundingRoundEntity): RoundPublicDto {
    return {
      roundId: r.id,
      projectId: r.projectId,
      status: r.status,
      goal: String(r.goal),
      currency: r.currency,
      total: String(r.total),
      backers: r.backers,
      deadline: r.deadline.toISOString(),
      minPledge: String(r.minPledge),
      closeWhenGoalMet: r.closeWhenGoalMet,
      source: 'record',
    };
  }
}

export class PledgeLineDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty(AMOUNT_DOC) amount!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(p: FundingPledgeEntity): PledgeLineDto {
    return { memberId: p.memberId, amount: String(p.amount), updatedAt: p.updatedAt.toISOString() };
  }
}

export class PledgePageDto {
  @ApiProperty({ type: [PledgeLineDto] }) items!: PledgeLineDto[];
  @ApiProperty({ description: 'Pledges above 0 in the round' }) total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

/** The coordinator's view of a round (its pledges are paged: GET /admin/rounds/:id/pledges). */
export class RoundDto extends RoundPublicDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assetId!: string | null;
  @ApiProperty({ enum: ['coordinator', 'members'] }) payoutApproval!: 'coordinator' | 'members';
  @ApiProperty({ type: RoundOperatorDto, nullable: true }) operator!: { memberId: string; upfront: string; outputBonusPercent: number } | null;
  @ApiProperty({ type: [RoundDocumentDto] }) documents!: RoundDocumentDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Why it ended as it did' }) reason!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: "The backers' payout vote, if any" }) payoutDecisionId!: string | null;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(r: FundingRoundEntity, view: RoundPublicView & { source: 'live' | 'record' }, live: RoundView | null): RoundDto {
    return {
      ...RoundPublicDto.fromView(view, view.source),
      assetId: r.assetId,
      payoutApproval: r.payoutApproval,
      operator: r.operator,
      documents: r.documents,
      reason: live?.outcomeReason ?? r.reason,
      payoutDecisionId: live?.payoutDecisionId ?? null,
      workflowId: r.workflowId,
      createdAt: r.createdAt.toISOString(),
    };
  }
}

/** What a pledge returns: the member's pledge and the round's live total (constant in size). */
export class PledgeResultDto {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Your whole pledge now ("0": none)' }) amount!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: "The round's live total, your pledge included" }) total!: string;
  @ApiProperty() backers!: number;
  @ApiProperty(AMOUNT_DOC) goal!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ enum: STATUSES, description: '`closing` when your pledge met the goal of a round that closes on it' }) status!: RoundStatus;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
}

export class MemberRoundDto extends RoundPublicDto {
  @ApiProperty({ type: String, nullable: true, description: 'Your current pledge' }) myPledge!: string | null;
}
