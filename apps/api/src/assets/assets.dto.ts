import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDateString, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { AssetEntity, AssetMovementEntity, AssetShareEntity, ShareTransferEntity } from '@app/db';
import { CURRENCY_CODES, Currency, fractionText } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, PageQuery, ToBigInt, Trim } from '../common/dto';

const PARTS_DOC = { type: String, example: '250000', description: 'Integer parts of the asset (a string of digits)' };

export class OwnerLineDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  memberId!: string;

  @ApiProperty(PARTS_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  parts!: bigint;

  @ApiPropertyOptional({ ...PARTS_DOC, description: 'Share of the output, when it differs from ownership (an operator bonus); defaults to `parts`' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  outputParts?: bigint;
}

export class CreateAssetDto {
  @ApiProperty({ example: 'Greenhouse A' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ example: 'greenhouse' })
  @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'kind must be a lower-case slug such as cnc-router' })
  @MaxLength(64)
  @IsString()
  kind!: string;

  @ApiProperty({ example: 'GH-2026-0001', description: 'Unique: serial number or inventory tag' })
  @Trim()
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  identifier!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The node that runs it' })
  @IsOptional()
  @IsUUID()
  nodeId?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  portable?: boolean;

  @ApiPropertyOptional({ ...PARTS_DOC, example: '1000000', description: 'Into how many equal parts ownership is divided (default 1000000)' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  totalParts?: bigint;

  @ApiPropertyOptional({ type: [OwnerLineDto], description: 'Initial owners; their parts must sum to totalParts. Default: the node owner owns it all.' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => OwnerLineDto)
  @ArrayMaxSize(1000)
  @ArrayMinSize(1)
  @IsArray()
  owners?: OwnerLineDto[];

  @ApiPropertyOptional({
    default: false,
    description:
      'true: the asset is to be bought by a funding round and has no owners until the round pays out (its backers then own it, by what each put in). A round can only buy such an asset: it never replaces an ownership table.',
  })
  @IsOptional()
  @IsBoolean()
  awaitingFunding?: boolean;
}

export class UpdateAssetDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  nodeId?: string | null;
}

export class ListAssetsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  kind?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  nodeId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Assets of which this member owns a fraction' })
  @IsOptional()
  @IsUUID()
  ownerMemberId?: string;
}

export class ReplaceOwnershipDto {
  @ApiProperty({ type: [OwnerLineDto] })
  @ValidateNested({ each: true })
  @Type(() => OwnerLineDto)
  @ArrayMaxSize(1000)
  @ArrayMinSize(1)
  @IsArray()
  owners!: OwnerLineDto[];
}

export class ShareTransferDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  fromMemberId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  toMemberId!: string;

  @ApiProperty(PARTS_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  parts!: bigint;

  @ApiProperty({ ...AMOUNT_DOC, description: 'What the buyer pays the seller, in minor units (0 for a gift)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  price!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES, { message: 'currency must be a supported ISO 4217 code such as EUR' })
  currency!: Currency;
}

export class MovementDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  locationId?: string;

  @ApiPropertyOptional({ example: 'on the truck to Leipzig' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  place?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @IsDateString({ strict: true })
  movedAt?: string;
}

export class ShareDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(PARTS_DOC) outputParts!: string;
  @ApiProperty({ example: '1/4', description: 'Ownership fraction in lowest terms' }) fraction!: string;
  @ApiProperty({ example: '3/10' }) outputFraction!: string;

  static from(s: AssetShareEntity, total: bigint): ShareDto {
    return {
      memberId: s.memberId,
      parts: s.parts.toString(),
      outputParts: s.outputParts.toString(),
      fraction: fractionText(s.parts, total),
      outputFraction: fractionText(s.outputParts, total),
    };
  }
}

export class AssetDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() identifier!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) nodeId!: string | null;
  @ApiProperty() portable!: boolean;
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(a: AssetEntity): AssetDto {
    return { id: a.id, name: a.name, kind: a.kind, identifier: a.identifier, nodeId: a.nodeId, portable: a.portable, totalParts: a.totalParts.toString(), createdAt: a.createdAt.toISOString() };
  }
}

export class AssetDetailDto extends AssetDto {
  @ApiProperty({ type: [ShareDto] }) owners!: ShareDto[];
}

export class MovementRecordDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) locationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) place!: string | null;
  @ApiProperty({ format: 'date-time' }) movedAt!: string;

  static from(m: AssetMovementEntity): MovementRecordDto {
    return { locationId: m.locationId, place: m.place, movedAt: m.movedAt.toISOString() };
  }
}

export class ShareTransferResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({ format: 'uuid' }) fromMemberId!: string;
  @ApiProperty({ format: 'uuid' }) toMemberId!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'Output parts that moved with the ownership' }) outputParts!: string;
  @ApiProperty(AMOUNT_DOC) price!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ledgerTransactionId!: string | null;
  @ApiProperty({ type: [ShareDto], description: 'The ownership table as it stands now (on a replay: including any later changes)' }) owners!: ShareDto[];

  static from(t: ShareTransferEntity, owners: ShareDto[]): ShareTransferResultDto {
    return {
      id: t.id,
      assetId: t.assetId,
      fromMemberId: t.fromMemberId,
      toMemberId: t.toMemberId,
      parts: t.parts.toString(),
      outputParts: t.outputParts.toString(),
      price: t.price.toString(),
      currency: t.currency,
      ledgerTransactionId: t.ledgerTransactionId,
      owners,
    };
  }
}
