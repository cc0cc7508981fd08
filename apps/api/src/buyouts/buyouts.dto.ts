import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import type { BuyoutAgreement, BuyoutChange, BuyoutClaim, BuyoutStepRecord, MemberBuyout } from '@app/db';
import { BUYOUT_FUNDINGS, BUYOUT_SOURCES, BuyoutFunding, BuyoutSource, CURRENCY_CODES, Currency } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt, Trim } from '../common/dto';

const PARTS_DOC = { type: String, example: '10', description: 'Integer parts of the asset (a string of digits)' };
const STATUSES = ['active', 'paused', 'completed', 'ended'];

export class BuyoutOfferDto {
  @ApiProperty({ format: 'uuid', description: 'An owner who offered parts to the operator' })
  @IsUUID()
  memberId!: string;

  @ApiProperty({ ...PARTS_DOC, description: 'Parts they offered (at most what they own)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  parts!: bigint;
}

export class CreateBuyoutDto {
  @ApiProperty({ format: 'uuid', description: 'The operator: a member who owns parts of the asset' })
  @IsUUID()
  operatorMemberId!: string;

  @ApiProperty({ ...PARTS_DOC, example: '600000', description: "The operator's target: parts they will own when the agreement is complete (above what they own, at most the asset's total)" })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  targetParts!: bigint;

  @ApiProperty({ ...AMOUNT_DOC, example: '150', description: 'Agreed price of one part, in minor units (a positive whole number)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  pricePerPart!: bigint;

  @ApiProperty({ ...CURRENCY_DOC, description: "The price's currency: the asset's sale currency when it has one" })
  @IsIn(CURRENCY_CODES, { message: 'currency must be a supported ISO 4217 code such as EUR' })
  currency!: Currency;

  @ApiProperty({ enum: BUYOUT_FUNDINGS, description: "What funds each quarter's step: `output-bonus` (the operator's income from the quarter's distribution beyond their ownership parts) or `fixed` (fixedAmount a quarter from the operator's account)" })
  @IsIn(BUYOUT_FUNDINGS)
  funding!: BuyoutFunding;

  @ApiPropertyOptional({ ...AMOUNT_DOC, description: 'Minor units a quarter, for `fixed` only' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  fixedAmount?: bigint;

  @ApiProperty({ enum: BUYOUT_SOURCES, description: '`pro-rata`: from every other owner by their parts (largest remainder); `offered`: only from `offers`, in their order, up to what each offered' })
  @IsIn(BUYOUT_SOURCES)
  source!: BuyoutSource;

  @ApiPropertyOptional({ type: [BuyoutOfferDto], description: 'For `offered`: the offers in the order they were made' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => BuyoutOfferDto)
  offers?: BuyoutOfferDto[];

  @ApiPropertyOptional({ example: 'Agreed at the owners’ meeting of 12 March', description: 'What the parties agreed, in words' })
  @IsOptional()
  @Trim()
  @MaxLength(2000)
  @IsString()
  note?: string;
}

export class BuyoutChangeDto {
  @ApiProperty({ example: 'The greenhouse is being repaired this quarter', description: 'Why (what the operator and the other owners agreed)' })
  @Trim()
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  reason!: string;
}

export class BuyoutDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty({ format: 'uuid' }) operatorMemberId!: string;
  @ApiProperty() operatorName!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'What the operator owns now' }) operatorParts!: string;
  @ApiProperty(PARTS_DOC) targetParts!: string;
  @ApiProperty(AMOUNT_DOC) pricePerPart!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ enum: BUYOUT_FUNDINGS }) funding!: string;
  @ApiProperty({ ...AMOUNT_DOC, nullable: true }) fixedAmount!: string | null;
  @ApiProperty({ enum: BUYOUT_SOURCES }) source!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ example: '2027-Q1', description: 'The quarter the agreement was made in (its first step follows its end)' }) firstQuarter!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The last quarter stepped' }) lastQuarter!: string | null;
  @ApiProperty(PARTS_DOC) partsBought!: string;
  @ApiProperty(AMOUNT_DOC) amountPaid!: string;
  @ApiProperty() stepCount!: number;
  @ApiProperty({ ...PARTS_DOC, description: 'Remaining claim: parts still to buy (as the sellers own them now)' }) claimParts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Remaining claim: claimParts × pricePerPart' }) claimAmount!: string;
  @ApiProperty() recordedBy!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;

  static from(a: BuyoutAgreement): BuyoutDto {
    return {
      id: a.id,
      assetId: a.assetId,
      assetName: a.assetName,
      totalParts: String(a.totalParts),
      operatorMemberId: a.operatorMemberId,
      operatorName: a.operatorName,
      operatorParts: String(a.operatorParts),
      targetParts: String(a.targetParts),
      pricePerPart: String(a.pricePerPart),
      currency: a.currency,
      funding: a.funding,
      fixedAmount: a.fixedAmount === null ? null : String(a.fixedAmount),
      source: a.source,
      status: a.status,
      firstQuarter: a.firstQuarter,
      lastQuarter: a.lastQuarter,
      partsBought: String(a.partsBought),
      amountPaid: String(a.amountPaid),
      stepCount: a.stepCount,
      claimParts: String(a.claimParts),
      claimAmount: String(a.claimAmount),
      recordedBy: a.recordedBy,
      note: a.note,
      createdAt: a.createdAt.toISOString(),
      closedAt: a.closedAt ? a.closedAt.toISOString() : null,
    };
  }
}

export class BuyoutPageDto {
  @ApiProperty({ type: [BuyoutDto] }) items!: BuyoutDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class BuyoutStepLineDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() memberName!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(AMOUNT_DOC) amount!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ledgerTransactionId!: string | null;
}

export class BuyoutStepDto {
  @ApiProperty({ example: '2027-Q1' }) quarter!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'What funded the step (at most what was in the operator’s account)' }) money!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'parts × price, paid to the sellers' }) amount!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Money not used: it stays with the operator' }) unspent!: string;
  @ApiProperty(PARTS_DOC) operatorPartsAfter!: string;
  @ApiProperty() completed!: boolean;
  @ApiProperty({ description: 'Where the money came from, in words' }) note!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: [BuyoutStepLineDto] }) lines!: BuyoutStepLineDto[];

  static from(s: BuyoutStepRecord): BuyoutStepDto {
    return {
      quarter: s.quarter,
      money: String(s.money),
      parts: String(s.parts),
      amount: String(s.amount),
      unspent: String(s.unspent),
      operatorPartsAfter: String(s.operatorPartsAfter),
      completed: s.completed,
      note: s.note,
      createdAt: s.createdAt.toISOString(),
      lines: s.lines.map((l) => ({ memberId: l.memberId, memberName: l.memberName, parts: String(l.parts), amount: String(l.amount), ledgerTransactionId: l.ledgerTransactionId })),
    };
  }
}

export class BuyoutClaimDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() memberName!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'Parts still to be bought from this owner' }) parts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'parts × price: what they are still owed for them' }) amount!: string;

  static from(c: BuyoutClaim): BuyoutClaimDto {
    return { memberId: c.memberId, memberName: c.memberName, parts: String(c.parts), amount: String(c.amount) };
  }
}

export class BuyoutChangeViewDto {
  @ApiProperty({ enum: ['pause', 'resume', 'end'] }) action!: string;
  @ApiProperty() by!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() at!: string;

  static from(c: BuyoutChange): BuyoutChangeViewDto {
    return { action: c.action, by: c.by, reason: c.reason, at: c.createdAt.toISOString() };
  }
}

export class BuyoutDetailDto extends BuyoutDto {
  @ApiProperty({ type: [BuyoutStepDto], description: 'A page of steps, newest quarter first (stepsTotal in all)' }) steps!: BuyoutStepDto[];
  @ApiProperty() stepsTotal!: number;
  @ApiProperty({ type: [BuyoutClaimDto], description: 'The remaining claim per seller (the first page; claimsTotal in all)' }) claims!: BuyoutClaimDto[];
  @ApiProperty() claimsTotal!: number;
  @ApiProperty({ type: [BuyoutChangeViewDto], description: 'The latest pauses, resumes and end, with who and why' }) changes!: BuyoutChangeViewDto[];
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class MyBuyoutDto extends BuyoutDto {
  @ApiProperty({ enum: ['operator', 'seller'] }) role!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'A seller: parts still to be bought from you' }) myClaimParts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'A seller: what you are still owed for them' }) myClaimAmount!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'Parts you sold (seller) or bought (operator) so far' }) myParts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'What you were paid (seller) or paid (operator) so far' }) myAmount!: string;

  static fromMember(b: MemberBuyout): MyBuyoutDto {
    return {
      ...BuyoutDto.from(b.agreement),
      role: b.role,
      myClaimParts: String(b.claimParts),
      myClaimAmount: String(b.claimAmount),
      myParts: String(b.partsMoved),
      myAmount: String(b.amountMoved),
    };
  }
}

export class MyBuyoutPageDto {
  @ApiProperty({ type: [MyBuyoutDto] }) items!: MyBuyoutDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
