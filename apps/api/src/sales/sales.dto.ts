import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, IsInt, ValidateNested } from 'class-validator';
import { AssetSaleEntity, IncomeDistributionEntity, IncomeDistributionLineEntity, MemberIncomeLine } from '@app/db';
import { CURRENCY_CODES, Currency } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, PageQuery, ToBigInt, Trim } from '../common/dto';

const QUARTER = { pattern: /^\d{4}-Q[1-4]$/, message: 'quarter must look like 2026-Q3' };
const QUARTER_DOC = { example: '2026-Q3', pattern: '^\\d{4}-Q[1-4]$' };

export class BuyerDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A member of the network who bought it' })
  @IsOptional()
  @IsUUID()
  memberId?: string;

  @ApiPropertyOptional({ example: 'Farmers’ market stall 4', description: 'Who bought it, when not a member' })
  @IsOptional()
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name?: string;
}

export class RecordSaleDto {
  @ApiProperty({ ...QUARTER_DOC, description: 'The quarter whose output was sold (planned, not yet distributed)' })
  @Matches(QUARTER.pattern, { message: QUARTER.message })
  @IsString()
  quarter!: string;

  @ApiProperty({ example: 'tomatoes', description: 'A catalogue product marked for sale' })
  @MaxLength(64)
  @IsString()
  productId!: string;

  @ApiProperty({ example: 12, description: 'Whole units' })
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  quantity!: number;

  @ApiProperty({ ...AMOUNT_DOC, example: '450', description: 'Price of one unit in integer minor units' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  unitPrice!: bigint;

  @ApiProperty({ ...CURRENCY_DOC, description: 'Must be the asset’s sale currency' })
  @IsIn(CURRENCY_CODES, { message: 'currency must be a supported ISO 4217 code such as EUR' })
  currency!: Currency;

  @ApiProperty({ type: BuyerDto, description: 'A member (memberId) or a name' })
  @ValidateNested()
  @Type(() => BuyerDto)
  buyer!: BuyerDto;
}

export class ListSalesQuery extends PageQuery {
  @ApiPropertyOptional(QUARTER_DOC)
  @IsOptional()
  @Matches(QUARTER.pattern, { message: QUARTER.message })
  quarter?: string;
}

export class DistributeDto {
  @ApiProperty({ ...QUARTER_DOC, description: 'A quarter that has ended (in the asset’s time zone)' })
  @Matches(QUARTER.pattern, { message: QUARTER.message })
  @IsString()
  quarter!: string;
}

export class SaleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty(QUARTER_DOC) quarter!: string;
  @ApiProperty() productId!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty(AMOUNT_DOC) unitPrice!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'quantity × unitPrice, minor units' }) amount!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) buyerMemberId!: string | null;
  @ApiProperty({ nullable: true, type: String }) buyerName!: string | null;
  @ApiProperty({ example: 'node:6f1c…', description: '`coordinator:<id>`, `coordinator` (bootstrap token) or `node:<id>`' }) recordedBy!: string;
  @ApiProperty({ format: 'uuid' }) ledgerTransactionId!: string;
  @ApiProperty() createdAt!: string;

  static from(s: AssetSaleEntity): SaleDto {
    return {
      id: s.id,
      assetId: s.assetId,
      quarter: s.quarter,
      productId: s.productId,
      quantity: s.quantity,
      unitPrice: String(s.unitPrice),
      amount: String(s.amount),
      currency: s.currency,
      buyerMemberId: s.buyerMemberId,
      buyerName: s.buyerName,
      recordedBy: s.recordedBy,
      ledgerTransactionId: s.ledgerTransactionId,
      createdAt: s.createdAt.toISOString(),
    };
  }
}

export class SalePageDto {
  @ApiProperty({ type: [SaleDto] }) items!: SaleDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class DistributionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty(QUARTER_DOC) quarter!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The quarter’s sales, shared' }) income!: string;
  @ApiProperty() saleCount!: number;
  @ApiProperty({ example: 'largest-remainder-by-output-parts' }) rule!: string;
  @ApiProperty({ description: 'The rule in words' }) ruleText!: string;
  @ApiProperty({ type: String, description: 'The asset’s parts' }) totalParts!: string;
  @ApiProperty({ type: String, description: 'Output parts the income was split by' }) totalOutputParts!: string;
  @ApiProperty({ type: String, description: 'Output parts beyond ownership parts: the operator’s output bonus' }) bonusParts!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null when there was no income to move' }) ledgerTransactionId!: string | null;
  @ApiProperty() distributedBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'Owners with a line (GET …/distributions/:quarter lists them)' }) lineCount!: number;

  static from(d: IncomeDistributionEntity, lineCount: number): DistributionDto {
    return {
      id: d.id,
      assetId: d.assetId,
      quarter: d.quarter,
      currency: d.currency,
      income: String(d.income),
      saleCount: d.saleCount,
      rule: d.rule,
      ruleText: d.ruleText,
      totalParts: String(d.totalParts),
      totalOutputParts: String(d.totalOutputParts),
      bonusParts: String(d.bonusParts),
      ledgerTransactionId: d.ledgerTransactionId,
      distributedBy: d.distributedBy,
      createdAt: d.createdAt.toISOString(),
      lineCount,
    };
  }
}

export class DistributionLineDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() memberName!: string;
  @ApiProperty({ type: String }) parts!: string;
  @ApiProperty({ type: String }) outputParts!: string;
  @ApiProperty({ type: String, description: 'Output parts beyond ownership parts (the operator’s bonus)' }) bonusParts!: string;
  @ApiProperty(AMOUNT_DOC) amount!: string;
  @ApiProperty({ example: 'You hold 12 of the 100 output parts of Greenhouse (12 %), so you get 14.40 EUR of the 120.00 EUR it earned from sales in 2026-Q3.' }) explanation!: string;

  static from(l: IncomeDistributionLineEntity & { memberName: string }): DistributionLineDto {
    return { memberId: l.memberId, memberName: l.memberName, parts: String(l.parts), outputParts: String(l.outputParts), bonusParts: String(l.bonusParts), amount: String(l.amount), explanation: l.explanation };
  }
}

export class DistributionDetailDto extends DistributionDto {
  @ApiProperty({ type: [DistributionLineDto], description: 'A page of the lines, in member id order' }) lines!: DistributionLineDto[];
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class DistributionPageDto {
  @ApiProperty({ type: [DistributionDto] }) items!: DistributionDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class MyDistributionLineDto {
  @ApiProperty({ format: 'uuid' }) distributionId!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty(QUARTER_DOC) quarter!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'What the asset earned that quarter' }) income!: string;
  @ApiProperty({ type: String }) outputParts!: string;
  @ApiProperty({ type: String }) bonusParts!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Your part' }) amount!: string;
  @ApiProperty() explanation!: string;
  @ApiProperty() createdAt!: string;

  static from(l: MemberIncomeLine): MyDistributionLineDto {
    return {
      distributionId: l.distributionId,
      assetId: l.assetId,
      assetName: l.assetName,
      quarter: l.quarter,
      currency: l.currency,
      income: String(l.income),
      outputParts: String(l.outputParts),
      bonusParts: String(l.bonusParts),
      amount: String(l.amount),
      explanation: l.explanation,
      createdAt: new Date(l.createdAt).toISOString(),
    };
  }
}

export class MyDistributionPageDto {
  @ApiProperty({ type: [MyDistributionLineDto] }) items!: MyDistributionLineDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
