import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import type { Lease, LeaseQuarter, LeaseRequest } from '@app/db';
import { CURRENCY_CODES, Currency, MAX_LEASE_QUARTERS } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, PageQuery, ToBigInt } from '../common/dto';

const QUARTER = { pattern: /^\d{4}-Q[1-4]$/, message: 'quarter must look like 2027-Q1' };
const QUARTER_DOC = { example: '2027-Q1', pattern: '^\\d{4}-Q[1-4]$' };
const PARTS_DOC = { type: String, example: '3', description: 'Whole parts of the asset (of its totalParts), as a string of digits' };

export class ProposeLeaseDto {
  @ApiProperty({ format: 'uuid', description: 'An asset you own parts of' })
  @IsUUID()
  assetId!: string;

  @ApiProperty({ format: 'uuid', description: 'The member who receives the output (not yourself)' })
  @IsUUID()
  lesseeMemberId!: string;

  @ApiProperty(PARTS_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 1n }, { message: 'parts must be a whole number of parts from 1, as a string of digits or a JSON integer' })
  parts!: bigint;

  @ApiProperty({ ...QUARTER_DOC, description: 'The first quarter: one whose orders have not opened yet' })
  @Matches(QUARTER.pattern, { message: QUARTER.message })
  @IsString()
  firstQuarter!: string;

  @ApiProperty({ example: 4, minimum: 1, maximum: MAX_LEASE_QUARTERS, description: 'How many quarters' })
  @Max(MAX_LEASE_QUARTERS)
  @Min(1)
  @IsInt()
  quarters!: number;

  @ApiProperty({ ...AMOUNT_DOC, description: 'The price of the whole term, integer minor units (split exactly per quarter)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  price!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES, { message: 'currency must be a supported ISO 4217 code such as EUR' })
  currency!: Currency;

  @ApiProperty({ enum: ['upfront', 'quarterly'], description: 'upfront: all of it when the lessee accepts; quarterly: each quarter’s part when that quarter’s orders open' })
  @IsIn(['upfront', 'quarterly'])
  payment!: 'upfront' | 'quarterly';
}

export class LeaseAnswerDto {
  @ApiProperty({ description: 'true accepts, false declines' })
  @IsIn([true, false], { message: 'accept must be true or false' })
  accept!: boolean;
}

export class LeaseRequestDto {
  @ApiProperty({ enum: ['renew', 'end'], description: 'renew: more quarters at a price; end: stop the quarters not yet begun' })
  @IsIn(['renew', 'end'])
  kind!: 'renew' | 'end';

  @ApiPropertyOptional({ example: 2, minimum: 1, maximum: MAX_LEASE_QUARTERS, description: 'renew: how many more quarters' })
  @IsOptional()
  @Max(MAX_LEASE_QUARTERS)
  @Min(1)
  @IsInt()
  quarters?: number;

  @ApiPropertyOptional({ ...AMOUNT_DOC, description: 'renew: the price of the added quarters (the lease’s currency and payment)' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  price?: bigint;
}

export class LeaseListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  assetId?: string;
}

export class LeaseQuarterDto {
  @ApiProperty(QUARTER_DOC) quarter!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'This quarter’s part of the price' }) amount!: string;
  @ApiProperty({ enum: ['prepaid', 'due', 'paid', 'unpaid', 'cancelled'], description: 'unpaid: the output stayed with the owner that quarter; cancelled: ended early' }) status!: string;
}

export class LeaseRequestViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['renew', 'end'] }) kind!: string;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ nullable: true, type: Number }) quarters!: number | null;
  @ApiProperty({ ...AMOUNT_DOC, nullable: true }) price!: string | null;
  @ApiProperty({ enum: ['open', 'accepted', 'declined'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;

  static from(r: LeaseRequest): LeaseRequestViewDto {
    return { id: r.id, kind: r.kind, requestedBy: r.requestedBy, quarters: r.quarters, price: r.price === null ? null : String(r.price), status: r.status, createdAt: r.createdAt.toISOString(), decidedAt: r.decidedAt?.toISOString() ?? null };
  }
}

export class LeaseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty({ format: 'uuid' }) lessorMemberId!: string;
  @ApiProperty({ format: 'uuid' }) lesseeMemberId!: string;
  @ApiProperty({ description: "The lessor's name" }) lessorName!: string;
  @ApiProperty({ description: "The lessee's name" }) lesseeName!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty(QUARTER_DOC) firstQuarter!: string;
  @ApiProperty(QUARTER_DOC) lastQuarter!: string;
  @ApiProperty() quarters!: number;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The price of the term (renewals included, refunds deducted)' }) price!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ enum: ['upfront', 'quarterly'] }) payment!: string;
  @ApiProperty({ enum: ['proposed', 'declined', 'active', 'ended'], description: 'ended: after its last quarter, or early by agreement (endedEarlyFrom)' }) status!: string;
  @ApiProperty({ nullable: true, type: String, example: '2027-Q3' }) endedEarlyFrom!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
  @ApiPropertyOptional({ type: [LeaseQuarterDto] }) quarterRows?: LeaseQuarterDto[];
  @ApiPropertyOptional({ type: [LeaseRequestViewDto] }) requests?: LeaseRequestViewDto[];

  static from(l: Lease, quarters?: LeaseQuarter[], requests?: LeaseRequest[]): LeaseDto {
    return {
      id: l.id,
      assetId: l.assetId,
      assetName: l.assetName,
      lessorMemberId: l.lessorMemberId,
      lesseeMemberId: l.lesseeMemberId,
      lessorName: l.lessorName,
      lesseeName: l.lesseeName,
      parts: String(l.parts),
      totalParts: String(l.totalParts),
      firstQuarter: l.firstQuarter,
      lastQuarter: l.lastQuarter,
      quarters: l.quarters,
      price: String(l.price),
      currency: l.currency,
      payment: l.payment,
      status: l.status,
      endedEarlyFrom: l.endedEarlyFrom,
      createdAt: l.createdAt.toISOString(),
      decidedAt: l.decidedAt?.toISOString() ?? null,
      ...(quarters ? { quarterRows: quarters.map((q) => ({ quarter: q.quarter, amount: String(q.amount), status: q.status })) } : {}),
      ...(requests ? { requests: requests.map(LeaseRequestViewDto.from) } : {}),
    };
  }
}

export class LeasePageDto {
  @ApiProperty({ type: [LeaseDto] }) items!: LeaseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class LeaseRequestAnswerDto {
  @ApiProperty({ type: LeaseDto }) lease!: LeaseDto;
  @ApiProperty({ type: LeaseRequestViewDto }) request!: LeaseRequestViewDto;
}
