import { Body, Controller, Get, HttpCode, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MemberEntity } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import {
  BidDto,
  BidResultDto,
  ClaimDto,
  CreateBidDto,
  CreateClaimDto,
  CreateListingDto,
  FirstRefusalPageDto,
  ListingDto,
  ListingResultDto,
  MarketOverviewDto,
  MarketSettingsDto,
  MyMarketDto,
  PutMarketSettingsDto,
  TradeDto,
} from './market.dto';
import { MarketService } from './market.service';

const KEY_HEADER = { name: 'Idempotency-Key', required: true, description: 'A retry with the same key returns the same order (nothing held or sold twice)' };

@ApiTags('admin: assets')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/assets/:id/market')
export class MarketAdminController {
  constructor(private readonly market: MarketService) {}

  @Put()
  @ApiOperation({ summary: "Open or change an asset's fraction market: its currency, the co-owners' first-refusal window, the operator and the parts they always keep" })
  @ApiOkResponse({ type: MarketSettingsDto })
  @ApiNotFoundResponse({ description: 'no such asset or operator' })
  @ApiConflictResponse({ description: 'operator_floor: more than the asset; currency_mismatch: bids in the old currency are open' })
  async put(@UuidParam() id: string, @Body() dto: PutMarketSettingsDto): Promise<MarketSettingsDto> {
    return MarketSettingsDto.from(await this.market.putSettings(id, dto));
  }

  @Get()
  @ApiOkResponse({ type: MarketSettingsDto })
  @ApiConflictResponse({ description: 'market_not_open' })
  async get(@UuidParam() id: string): Promise<MarketSettingsDto> {
    return MarketSettingsDto.from(await this.market.settings(id));
  }
}

@ApiTags('public')
@Controller('public/assets/:id/market')
export class PublicMarketController {
  constructor(private readonly market: MarketService) {}

  @Get()
  @ApiOperation({ summary: "An asset's market: the order book as price levels (no names), what is offered to co-owners first, the last trades, a daily price history, and what the asset makes" })
  @ApiOkResponse({ type: MarketOverviewDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'market_not_open' })
  async get(@UuidParam() id: string): Promise<MarketOverviewDto> {
    const o = await this.market.overview(id);
    const level = (l: { pricePerPart: bigint; parts: bigint; orders: number }) => ({ pricePerPart: String(l.pricePerPart), parts: String(l.parts), orders: l.orders });
    return {
      assetId: o.asset.id,
      assetName: o.asset.name,
      totalParts: String(o.asset.totalParts),
      currency: o.settings.currency,
      rofrDays: o.settings.rofrDays,
      operatorFloorParts: String(o.settings.operatorFloorParts),
      asks: o.asks.map(level),
      bids: o.bids.map(level),
      firstRefusal: { listings: o.firstRefusal.listings, parts: String(o.firstRefusal.parts), nextWindowEnd: o.firstRefusal.nextWindowEnd?.toISOString() ?? null },
      lastPrice: o.lastTrades[0] ? String(o.lastTrades[0].pricePerPart) : null,
      lastTrades: o.lastTrades.map((t) => ({ parts: String(t.parts), pricePerPart: String(t.pricePerPart), at: t.at.toISOString() })),
      history: o.daily.map((d) => ({ day: d.day, open: String(d.open), high: String(d.high), low: String(d.low), close: String(d.close), parts: String(d.parts), trades: d.trades })),
      makes: o.asset.outputCatalogue.map((p) => ({ id: p.id, name: p.name, unit: p.unit, leadTimeDays: p.leadTimeDays })),
      quarterlyCapacity: o.asset.quarterlyCapacity,
      capacityUnit: o.asset.capacityUnit,
    };
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/market')
export class MemberMarketController {
  constructor(private readonly market: MarketService) {}

  @Get()
  @ApiOperation({ summary: 'My listings, bids, first-refusal claims and trades, newest first, paged alike' })
  @ApiOkResponse({ type: MyMarketDto })
  async mine(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<MyMarketDto> {
    const page = pageOf(q);
    const r = await this.market.mine(m, page);
    return {
      listings: { items: r.listings.items.map(ListingDto.from), total: r.listings.total },
      bids: { items: r.bids.items.map(BidDto.from), total: r.bids.total },
      claims: { items: r.claims.items.map(ClaimDto.from), total: r.claims.total },
      trades: { items: r.trades.items.map(TradeDto.from), total: r.trades.total },
      ...page,
    };
  }

  @Get('first-refusal')
  @ApiOperation({ summary: "Listings in their co-owners' first-refusal window on the assets I co-own (not mine): what I may claim now, soonest window end first" })
  @ApiOkResponse({ type: FirstRefusalPageDto })
  async firstRefusal(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<FirstRefusalPageDto> {
    const page = pageOf(q);
    const r = await this.market.firstRefusal(m, page);
    return { items: r.items.map((i) => ({ listing: ListingDto.from(i.listing), assetName: i.assetName, myClaim: i.myClaim === null ? null : String(i.myClaim) })), total: r.total, ...page };
  }

  @Post('listings')
  @ApiOperation({
    summary:
      "List parts for sale at a price per part, or ask to be bought out at the last settled price. With a first-refusal window the asset's other co-owners may claim it first; then it matches the bids (highest first, at their price)",
  })
  @ApiHeader(KEY_HEADER)
  @ApiCreatedResponse({ type: ListingResultDto })
  @ApiBadRequestResponse({ description: 'parts or price not a positive whole number, a past expiry, an expiry inside the first-refusal window' })
  @ApiConflictResponse({ description: 'market_not_open, currency_mismatch, insufficient_parts (counting parts already listed), operator_floor, no_settled_price: with the figures' })
  async list(@CurrentMember() m: MemberEntity, @Body() dto: CreateListingDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response): Promise<ListingResultDto> {
    const r = await this.market.placeListing(m, dto, key);
    if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return { listing: ListingDto.from(r.listing), trades: r.trades.map(TradeDto.from) };
  }

  @Post('listings/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel my listing (claims in its first-refusal window get their money back)' })
  @ApiOkResponse({ type: ListingDto })
  @ApiNotFoundResponse({ description: 'no listing of mine with this id' })
  @ApiConflictResponse({ description: 'order_closed: already filled or expired' })
  async cancelListing(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<ListingDto> {
    return ListingDto.from(await this.market.cancelListing(m, id));
  }

  @Post('listings/:id/claims')
  @ApiOperation({ summary: "Claim parts of a listing in its first-refusal window (co-owners only), at its price; the money is held until the window ends, then the claims are allocated pro rata to the claimants' shares" })
  @ApiCreatedResponse({ type: ClaimDto })
  @ApiConflictResponse({ description: 'rofr_closed, not_co_owner, own_listing, already_claimed, insufficient_parts, insufficient_funds' })
  async claim(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: CreateClaimDto, @Res({ passthrough: true }) res: Response): Promise<ClaimDto> {
    const r = await this.market.claim(m, id, dto.parts);
    if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return ClaimDto.from(r.claim);
  }

  @Post('bids')
  @ApiOperation({ summary: 'Bid for parts at a price per part: parts × price is held from my account while the bid is open; it matches the listings open to everyone (cheapest first, at their price; the difference comes back)' })
  @ApiHeader(KEY_HEADER)
  @ApiCreatedResponse({ type: BidResultDto })
  @ApiBadRequestResponse({ description: 'parts or price not a positive whole number, a past expiry' })
  @ApiConflictResponse({ description: 'market_not_open, currency_mismatch, insufficient_funds (with the figures), insufficient_parts (more than the asset has)' })
  async bid(@CurrentMember() m: MemberEntity, @Body() dto: CreateBidDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response): Promise<BidResultDto> {
    const r = await this.market.placeBid(m, dto, key);
    if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return { bid: BidDto.from(r.bid), trades: r.trades.map(TradeDto.from) };
  }

  @Post('bids/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel my bid: what its hold still holds comes back' })
  @ApiOkResponse({ type: BidDto })
  @ApiNotFoundResponse({ description: 'no bid of mine with this id' })
  @ApiConflictResponse({ description: 'order_closed: already filled or expired' })
  async cancelBid(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<BidDto> {
    return BidDto.from(await this.market.cancelBid(m, id));
  }
}
