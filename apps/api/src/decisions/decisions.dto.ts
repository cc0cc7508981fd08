import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { DecisionOutcome, DecisionStatus } from '@app/contracts';
import type { DecisionEntity, DecisionVoterEntity } from '@app/db';
import { PageQuery, Trim } from '../common/dto';

const FILTERS = ['pending', 'open', 'closed', 'all'] as const;
const STATUSES: DecisionStatus[] = ['open', 'closing', 'decided', 'defaulted', 'undecided', 'cancelled'];

export class MemberDecisionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: FILTERS, default: 'pending', description: 'pending: open and not answered by you yet' })
  @IsOptional()
  @IsIn(FILTERS)
  status?: (typeof FILTERS)[number];
}

export class AnswerDecisionDto {
  @ApiProperty({ example: 'approve', description: 'The id of one of the options' })
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  option!: string;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Plain text; a NUL character or a broken surrogate pair is refused (400)' })
  @IsOptional()
  @Trim()
  @MaxLength(1000)
  @IsString()
  comment?: string;
}

class OptionDto {
  @ApiProperty() id!: string;
  @ApiProperty() label!: string;
}

class ContextLineDto {
  @ApiProperty() label!: string;
  @ApiProperty() value!: string;
}

class MyAnswerDto {
  @ApiProperty() option!: string;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty({ format: 'date-time' }) answeredAt!: string;
}

export class MemberDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'phase-gate' }) kind!: string;
  @ApiProperty({ example: { type: 'project', id: '…' } }) subject!: { type: string; id: string };
  @ApiProperty() title!: string;
  @ApiProperty() question!: string;
  @ApiProperty({ type: [ContextLineDto] }) context!: ContextLineDto[];
  @ApiProperty({ type: [OptionDto] }) options!: OptionDto[];
  @ApiProperty({ example: { kind: 'majority' } }) rule!: unknown;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty({ enum: STATUSES, description: '`closing`: the outcome is certain and being recorded; no answer is taken any more' }) status!: DecisionStatus;
  @ApiProperty({ type: MyAnswerDto, nullable: true }) myAnswer!: MyAnswerDto | null;
  @ApiProperty({
    nullable: true,
    description: "Once closed: status, winning option, reason and tally. Who voted what is not shown to members (the coordinator sees it at /admin/decisions/:id).",
  })
  outcome!: Omit<DecisionOutcome, 'perMember'> | null;

  static from(d: DecisionEntity, v: DecisionVoterEntity): MemberDecisionDto {
    return {
      id: d.id,
      kind: d.kind,
      subject: { type: d.subjectType, id: d.subjectId },
      title: d.title,
      question: d.question,
      context: d.context,
      options: d.options,
      rule: d.rule,
      deadline: d.deadline.toISOString(),
      status: d.status,
      myAnswer: v.optionId ? { option: v.optionId, comment: v.comment, answeredAt: v.answeredAt!.toISOString() } : null,
      outcome: publicOutcome(d.outcome),
    };
  }
}

export class MemberDecisionPageDto {
  @ApiProperty({ type: [MemberDecisionDto] }) items!: MemberDecisionDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
}

/** The outcome without `perMember`: a member sees the tally, not how each other member voted. */
export function publicOutcome(o: DecisionOutcome | null): Omit<DecisionOutcome, 'perMember'> | null {
  if (!o) return null;
  const rest: Partial<DecisionOutcome> = { ...o };
  delete rest.perMember;
  delete rest.perMemberOmitted;
  return rest as Omit<DecisionOutcome, 'perMember'>;
}

/** `limit` and `offset` over the members asked in `GET /admin/decisions/:id`. */
export class DecisionVotersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'Members asked per page (member id order)' })
  @IsOptional()
  @Type(() => Number)
  @Max(1000)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 10_000_000, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Max(10_000_000)
  @Min(0)
  @IsInt()
  offset?: number;
}
