import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDateString, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import type { MarketBid, MarketClaim, MarketListing, MarketSettings, MarketTrade } from '@app/db';
import { CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt } from '../common/dto';

const PARTS_DOC = { type: String, example: '5', description: "Whole parts of the asset's totalParts, as a string of digits (or a JSON integer)" };
const PRICE_DOC = { ...AMOUNT_DOC, example: '2500', description: "Price per part in integer minor units of the market's currency" };

export class PutMarketSettingsDto {
  @ApiProperty({ ...CURRENCY_DOC, description: 'The currency every listing and bid of this asset is priced in' })
  @IsIn(CURRENCY_CODES)
  currency!: string;

  @ApiProperty({ minimum: 0, maximum: 365, example: 7, description: "Days a new listing is offered to the asset's other co-owners only (0: none)" })
  @Max(365)
  @Min(0)
  @IsInt()
  rofrDays!: number;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: "The asset's operator" })
  @IsOptional()
  @IsUUID()
  operatorMemberId?: string | null;

  @ApiPropertyOptional({ ...PARTS_DOC, example: '20', description: 'Parts the operator always keeps (their steady percentage): no sale takes them below it' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  operatorFloorParts?: bigint;
}

export class MarketSettingsDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty() rofrDays!: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) operatorMemberId!: string | null;
  @ApiProperty(PARTS_DOC) operatorFloorParts!: string;

  static from(s: MarketSettings): MarketSettingsDto {
    return { assetId: s.assetId, currency: s.currency, rofrDays: s.rofrDays, operatorMemberId: s.operatorMemberId, operatorFloorParts: String(s.operatorFloorParts) };
  }
}

export class CreateListingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  assetId!: string;

  @ApiPropertyOptional({ ...PARTS_DOC, description: 'Parts to sell (a buy-out without it: every part you may list)' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  parts?: bigint;

  @ApiPropertyOptional({ ...PRICE_DOC, description: 'Price per part (not with buyout: that is the last settled price)' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  pricePerPart?: bigint;

  @ApiPropertyOptional({ default: false, description: 'Ask to be bought out at the last settled price (409 no_settled_price before any trade)' })
  @IsOptional()
  @IsBoolean()
  buyout?: boolean;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES)
  currency!: string;

  @ApiProperty({ format: 'date-time', description: 'When the listing closes if not sold (after the first-refusal window)' })
  @IsDateString({ strict: true })
  expiresAt!: string;
}

export class CreateBidDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  assetId!: string;

  @ApiProperty(PARTS_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  parts!: bigint;

  @ApiProperty(PRICE_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  pricePerPart!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES)
  currency!: string;

  @ApiProperty({ format: 'date-time', description: 'When the bid closes if not filled (its held money comes back)' })
  @IsDateString({ strict: true })
  expiresAt!: string;
}

export class CreateClaimDto {
  @ApiProperty({ ...PARTS_DOC, description: 'Parts of the listing you want (allocated pro rata to the claimants’ shares when the window ends)' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  parts!: bigint;
}

export class TradeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({ format: 'uuid' }) listingId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) bidId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'A first-refusal claim' }) claimId!: string | null;
  @ApiProperty({ format: 'uuid' }) sellerMemberId!: string;
  @ApiProperty({ format: 'uuid' }) buyerMemberId!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty(AMOUNT_DOC) amount!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(t: MarketTrade): TradeDto {
    return {
      id: t.id,
      assetId: t.assetId,
      listingId: t.listingId,
      bidId: t.bidId,
      claimId: t.claimId,
      sellerMemberId: t.sellerMemberId,
      buyerMemberId: t.buyerMemberId,
      parts: String(t.parts),
      pricePerPart: String(t.pricePerPart),
      amount: String(t.amount),
      currency: t.currency,
      createdAt: t.createdAt.toISOString(),
    };
  }
}

export class ListingDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty({ enum: ['price', 'buyout'] }) kind!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'Parts not sold yet' }) remaining!: string;
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ enum: ['rofr', 'open', 'filled', 'cancelled', 'expired'], description: "rofr: offered to the co-owners only until rofrEndsAt" }) status!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) rofrEndsAt!: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'cancelled, expired, or parts_gone (the seller no longer has them)' }) closedReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(l: MarketListing): ListingDto {
    return {
      id: l.id,
      assetId: l.assetId,
      kind: l.kind,
      parts: String(l.parts),
      remaining: String(l.remaining),
      pricePerPart: String(l.pricePerPart),
      currency: l.currency,
      status: l.status,
      rofrEndsAt: l.rofrEndsAt?.toISOString() ?? null,
      expiresAt: l.expiresAt.toISOString(),
      closedReason: l.closedReason,
      createdAt: l.createdAt.toISOString(),
    };
  }
}

export class BidDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ ...PARTS_DOC, description: 'Parts not bought yet' }) remaining!: string;
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ enum: ['open', 'filled', 'cancelled', 'expired'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(b: MarketBid): BidDto {
    return {
      id: b.id,
      assetId: b.assetId,
      parts: String(b.parts),
      remaining: String(b.remaining),
      pricePerPart: String(b.pricePerPart),
      currency: b.currency,
      status: b.status,
      expiresAt: b.expiresAt.toISOString(),
      createdAt: b.createdAt.toISOString(),
    };
  }
}

export class ClaimDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) listingId!: string;
  @ApiProperty({ format: 'uuid', description: "The listing's asset" }) assetId!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty(PARTS_DOC) requested!: string;
  @ApiProperty({ ...PARTS_DOC, nullable: true, description: 'Set when the window ends' }) allocated!: string | null;
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty({ enum: ['pending', 'allocated', 'void'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(c: MarketClaim): ClaimDto {
    return {
      id: c.id,
      listingId: c.listingId,
      assetId: c.assetId,
      currency: c.currency,
      requested: String(c.requested),
      allocated: c.allocated === null ? null : String(c.allocated),
      pricePerPart: String(c.pricePerPart),
      status: c.status,
      createdAt: c.createdAt.toISOString(),
    };
  }
}

export class ListingResultDto {
  @ApiProperty({ type: ListingDto }) listing!: ListingDto;
  @ApiProperty({ type: [TradeDto], description: 'Trades this request settled (empty on a replay)' }) trades!: TradeDto[];
}

export class BidResultDto {
  @ApiProperty({ type: BidDto }) bid!: BidDto;
  @ApiProperty({ type: [TradeDto], description: 'Trades this request settled (empty on a replay)' }) trades!: TradeDto[];
}

export class PriceLevelDto {
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ description: 'How many orders make up the level' }) orders!: number;
}

export class FirstRefusalDto {
  @ApiProperty({ description: 'Listings offered to the co-owners only, now' }) listings!: number;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the first of those windows ends' }) nextWindowEnd!: string | null;
}

export class LastTradeDto {
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty(PRICE_DOC) pricePerPart!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class DailyPriceDto {
  @ApiProperty({ example: '2026-12-01', description: 'UTC day' }) day!: string;
  @ApiProperty(PRICE_DOC) open!: string;
  @ApiProperty(PRICE_DOC) high!: string;
  @ApiProperty(PRICE_DOC) low!: string;
  @ApiProperty(PRICE_DOC) close!: string;
  @ApiProperty(PARTS_DOC) parts!: string;
  @ApiProperty() trades!: number;
}

export class MarketProductDto {
  @ApiProperty({ example: 'tomatoes' }) id!: string;
  @ApiProperty({ example: 'Tomatoes' }) name!: string;
  @ApiProperty({ example: 'crate' }) unit!: string;
  @ApiProperty({ example: 28, description: 'Days from the quarter’s start until it is ready' }) leadTimeDays!: number;
}

export class MarketOverviewDto {
  @ApiProperty({ format: 'uuid' }) assetId!: string;
  @ApiProperty() assetName!: string;
  @ApiProperty(PARTS_DOC) totalParts!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty() rofrDays!: number;
  @ApiProperty({ ...PARTS_DOC, description: 'Parts the operator always keeps' }) operatorFloorParts!: string;
  @ApiProperty({ type: [PriceLevelDto], description: 'Listings open to everyone, cheapest first (no names)' }) asks!: PriceLevelDto[];
  @ApiProperty({ type: [PriceLevelDto], description: 'Open bids, highest first (no names)' }) bids!: PriceLevelDto[];
  @ApiProperty({ type: FirstRefusalDto }) firstRefusal!: FirstRefusalDto;
  @ApiProperty({ ...PRICE_DOC, nullable: true, description: 'The last settled price per part' }) lastPrice!: string | null;
  @ApiProperty({ type: [LastTradeDto], description: 'The latest trades, newest first' }) lastTrades!: LastTradeDto[];
  @ApiProperty({ type: [DailyPriceDto], description: 'Price per part by UTC day (open, high, low, close), the last 365 days, oldest first' }) history!: DailyPriceDto[];
  @ApiProperty({ type: [MarketProductDto], description: 'What the asset makes: its output catalogue' }) makes!: MarketProductDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'Output capacity per quarter' }) quarterlyCapacity!: number | null;
  @ApiProperty({ nullable: true, type: String }) capacityUnit!: string | null;
}

class ListingPageDto {
  @ApiProperty({ type: [ListingDto] }) items!: ListingDto[];
  @ApiProperty() total!: number;
}
class BidPageDto {
  @ApiProperty({ type: [BidDto] }) items!: BidDto[];
  @ApiProperty() total!: number;
}
class ClaimPageDto {
  @ApiProperty({ type: [ClaimDto] }) items!: ClaimDto[];
  @ApiProperty() total!: number;
}
class TradePageDto {
  @ApiProperty({ type: [TradeDto] }) items!: TradeDto[];
  @ApiProperty() total!: number;
}

export class MyMarketDto {
  @ApiProperty({ type: ListingPageDto }) listings!: ListingPageDto;
  @ApiProperty({ type: BidPageDto }) bids!: BidPageDto;
  @ApiProperty({ type: ClaimPageDto, description: 'First-refusal claims' }) claims!: ClaimPageDto;
  @ApiProperty({ type: TradePageDto, description: 'Trades I sold or bought in' }) trades!: TradePageDto;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class FirstRefusalOfferDto {
  @ApiProperty({ type: ListingDto, description: "A co-owner's listing in its first-refusal window (no seller's name)" }) listing!: ListingDto;
  @ApiProperty() assetName!: string;
  @ApiProperty({ ...PARTS_DOC, nullable: true, description: 'What I claimed of it, if I did' }) myClaim!: string | null;
}

export class FirstRefusalPageDto {
  @ApiProperty({ type: [FirstRefusalOfferDto] }) items!: FirstRefusalOfferDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
