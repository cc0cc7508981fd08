import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsIn } from 'class-validator';
import { CURRENCY_CODES, Currency } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt, Trim } from '../common/dto';

/** Part of a product's quarterly output offered for sale. */
export class CatalogueSaleDto {
  @ApiProperty({ ...AMOUNT_DOC, example: '450', description: 'List price of one unit, in minor units of the catalogue’s saleCurrency' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  unitPrice!: bigint;

  @ApiPropertyOptional({ example: 20, default: 0, description: 'Units a quarter kept out of the owners’ allocation for sale' })
  @IsOptional()
  @Max(1_000_000)
  @Min(0)
  @IsInt()
  fixedUnits?: number;

  @ApiPropertyOptional({ default: false, description: 'Also sell capacity the owners did not order (the plan’s spare) as this product' })
  @IsOptional()
  @IsBoolean()
  unordered?: boolean;
}

export class CatalogueProductDto {
  @ApiProperty({ example: 'tomatoes' }) @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'id must be lower-case letters, digits and dashes' }) @IsString() id!: string;
  @ApiProperty({ example: 'Tomatoes' }) @Trim() @MaxLength(100) @IsNotEmpty() @IsString() name!: string;
  @ApiProperty({ example: 'crate' }) @Trim() @MaxLength(32) @IsNotEmpty() @IsString() unit!: string;
  @ApiProperty({ example: 2, description: 'Capacity one unit takes, in the asset’s capacity unit' }) @Max(1_000_000) @Min(1) @IsInt() capacityPerUnit!: number;
  @ApiProperty({ example: 70, description: 'Days from the quarter’s start until it is ready' }) @Max(366) @Min(0) @IsInt() leadTimeDays!: number;
  @ApiProperty({ example: 'greenhouse', description: 'The node capability that produces it' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'capability must be lower-case letters, digits and dashes' })
  @IsString()
  capability!: string;

  @ApiPropertyOptional({ type: CatalogueSaleDto, description: 'Part of this product’s output for sale each quarter (needs saleCurrency)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CatalogueSaleDto)
  sale?: CatalogueSaleDto;
}

export class OrderWindowDto {
  @ApiProperty({ example: 28, description: 'The window opens at 00:00 local time this many days before the quarter' }) @Max(120) @Min(1) @IsInt() openDaysBefore!: number;
  @ApiProperty({ example: 7, description: 'It closes this many days before the quarter...' }) @Max(119) @Min(0) @IsInt() closeDaysBefore!: number;
  @ApiProperty({ example: 18, description: '...at this hour, local time' }) @Max(23) @Min(0) @IsInt() closeHour!: number;
}

export class CatalogueDto {
  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone: order windows open and close in it' }) @MaxLength(64) @IsString() timeZone!: string;
  @ApiProperty({ example: 400, description: 'Capacity per quarter (e.g. m² of beds)' }) @Max(100_000_000) @Min(1) @IsInt() quarterlyCapacity!: number;
  @ApiProperty({ example: 'm2' }) @Trim() @MaxLength(32) @IsNotEmpty() @IsString() capacityUnit!: string;
  @ApiPropertyOptional({ type: OrderWindowDto, description: 'Default: opens 28 days before the quarter, closes 7 days before at 18:00 local time' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OrderWindowDto)
  orderWindow?: OrderWindowDto;

  @ApiPropertyOptional({ ...CURRENCY_DOC, description: 'The currency the asset’s output is sold in (required when a product is for sale)' })
  @IsOptional()
  @IsIn(CURRENCY_CODES, { message: 'saleCurrency must be a supported ISO 4217 code such as EUR' })
  saleCurrency?: Currency;

  @ApiProperty({ type: [CatalogueProductDto] })
  @ArrayMaxSize(100)
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => CatalogueProductDto)
  @IsArray()
  products!: CatalogueProductDto[];
}

export class OrderLineDto {
  @ApiProperty({ example: 'tomatoes' }) @MaxLength(64) @IsString() productId!: string;
  @ApiProperty({ example: 30 }) @Max(1_000_000) @Min(0) @IsInt() quantity!: number;
}

export class PlaceOrderDto {
  @ApiProperty({ type: [OrderLineDto], description: 'Your whole order for the open quarter (it replaces an earlier one)' })
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  @IsArray()
  lines!: OrderLineDto[];

  @ApiPropertyOptional({ default: false, description: 'Keep this order for later quarters when you do not order again' })
  @IsOptional()
  @IsBoolean()
  standing?: boolean;
}
