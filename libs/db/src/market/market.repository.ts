import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { allocateProRata, assertListable, assertWhole, Currency, matchIncoming, MarketError, movement, priceLevels, RestingOrder, settlementAmounts, ShareLine, transferParts } from '@app/domain';
import { leasedOutParts } from '../leases/leased-out';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { LedgerService } from '../ledger/ledger.service';

export interface MarketSettings {
  assetId: string;
  currency: Currency;
  rofrDays: number;
  operatorMemberId: string | null;
  operatorFloorParts: bigint;
  updatedAt: Date;
}

export type ListingStatus = 'rofr' | 'open' | 'filled' | 'cancelled' | 'expired';
export type BidStatus = 'open' | 'filled' | 'cancelled' | 'expired';

export interface MarketListing {
  id: string;
  assetId: string;
  memberId: string;
  kind: 'price' | 'buyout';
  parts: bigint;
  remaining: bigint;
  pricePerPart: bigint;
  currency: Currency;
  status: ListingStatus;
  rofrEndsAt: Date | null;
  expiresAt: Date;
  closedReason: string | null;
  createdAt: Date;
}

export interface MarketBid {
  id: string;
  assetId: string;
  memberId: string;
  parts: bigint;
  remaining: bigint;
  pricePerPart: bigint;
  currency: Currency;
  status: BidStatus;
  expiresAt: Date;
  holdAccountId: string;
  createdAt: Date;
}

export interface MarketClaim {
  id: string;
  listingId: string;
  memberId: string;
  requested: bigint;
  allocated: bigint | null;
  pricePerPart: bigint;
  status: 'pending' | 'allocated' | 'void';
  createdAt: Date;
  /** The listing's asset and currency (joined where claims are read for a member). */
  assetId: string;
  currency: string;
}

export interface MarketTrade {
  id: string;
  assetId: string;
  listingId: string;
  bidId: string | null;
  claimId: string | null;
  sellerMemberId: string;
  buyerMemberId: string;
  parts: bigint;
  pricePerPart: bigint;
  amount: bigint;
  currency: Currency;
  createdAt: Date;
}

/** What the emails of a trade need (read in the trade's own transaction). */
export interface TradeNotice {
  trade: MarketTrade;
  assetName: string;
  totalParts: bigint;
  seller: { id: string; name: string; email: string };
  buyer: { id: string; name: string; email: string };
}

/** Queues the emails of trades in the trade's transaction (MailOutbox lives above libs/db). */
export type TradeNotifier = (notices: TradeNotice[], m: EntityManager) => Promise<void>;

export interface PlaceListing {
  idempotencyKey: string;
  memberId: string;
  assetId: string;
  /** Absent for a buy-out: every part the member may list. */
  parts?: bigint;
  /** Absent for a buy-out: the last settled price. */
  pricePerPart?: bigint;
  buyout: boolean;
  currency: string;
  expiresAt: Date;
}

export interface PlaceBid {
  idempotencyKey: string;
  memberId: string;
  assetId: string;
  parts: bigint;
  pricePerPart: bigint;
  currency: string;
  expiresAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

type Row = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string);
const toListing = (r: Row): MarketListing => ({
  id: r.id as string,
  assetId: r.asset_id as string,
  memberId: r.member_id as string,
  kind: r.kind as 'price' | 'buyout',
  parts: big(r.parts),
  remaining: big(r.remaining),
  pricePerPart: big(r.price_per_part),
  currency: (r.currency as string).trim() as Currency,
  status: r.status as ListingStatus,
  rofrEndsAt: (r.rofr_ends_at as Date | null) ?? null,
  expiresAt: r.expires_at as Date,
  closedReason: (r.closed_reason as string | null) ?? null,
  createdAt: r.created_at as Date,
});
const toBid = (r: Row): MarketBid => ({
  id: r.id as string,
  assetId: r.asset_id as string,
  memberId: r.member_id as string,
  parts: big(r.parts),
  remaining: big(r.remaining),
  pricePerPart: big(r.price_per_part),
  currency: (r.currency as string).trim() as Currency,
  status: r.status as BidStatus,
  expiresAt: r.expires_at as Date,
  holdAccountId: r.hold_account_id as string,
  createdAt: r.created_at as Date,
});
const toClaim = (r: Row, listing: { asset_id?: unknown; currency?: unknown } = r): MarketClaim => ({
  id: r.id as string,
  listingId: r.listing_id as string,
  memberId: r.member_id as string,
  requested: big(r.requested),
  allocated: r.allocated === null ? null : big(r.allocated),
  pricePerPart: big(r.price_per_part),
  status: r.status as MarketClaim['status'],
  createdAt: r.created_at as Date,
  assetId: listing.asset_id as string,
  currency: listing.currency as string,
});
const toTrade = (r: Row): MarketTrade => ({
  id: r.id as string,
  assetId: r.asset_id as string,
  listingId: r.listing_id as string,
  bidId: (r.bid_id as string | null) ?? null,
  claimId: (r.claim_id as string | null) ?? null,
  sellerMemberId: r.seller_member_id as string,
  buyerMemberId: r.buyer_member_id as string,
  parts: big(r.parts),
  pricePerPart: big(r.price_per_part),
  amount: big(r.amount),
  currency: (r.currency as string).trim() as Currency,
  createdAt: r.created_at as Date,
});

interface LockedAsset {
  id: string;
  name: string;
  totalParts: bigint;
  timeZone: string;
}

/** One side of a settlement: who buys, from which hold, at what price they offered. */
interface Taker {
  buyerId: string;
  holdAccountId: string;
  /** The price the buyer's hold was made at (a bid's price; a claim's is the listing's). */
  heldPrice: bigint;
  bidId: string | null;
  claimId: string | null;
}

/**
 * The fraction market of co-owned assets. Every change to an asset's market locks the asset row
 * (as OwnershipService does), so its book, its ownership table and the money of its trades change
 * one request at a time: a match moves parts, money (from the bid's hold to the seller, any
 * better price back to the bidder) and writes the trade and its emails in one transaction.
 */
@Injectable()
export class MarketRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  // ---- settings ---------------------------------------------------------------------------

  async settings(assetId: string, m: EntityManager = this.ds.manager): Promise<MarketSettings | null> {
    const [r] = (await m.query(`SELECT * FROM asset_market_settings WHERE asset_id = $1`, [assetId])) as Row[];
    return r ? toSettings(r) : null;
  }

  /** Sets the asset's market (the coordinator): refused when the operator's floor exceeds the asset or the operator is no member. */
  async putSettings(s: { assetId: string; currency: Currency; rofrDays: number; operatorMemberId: string | null; operatorFloorParts: bigint }): Promise<MarketSettings> {
    return this.ds.transaction(async (m) => {
      const asset = await this.lockAsset(m, s.assetId);
      if (s.operatorMemberId) {
        const found = (await m.query(`SELECT 1 FROM members WHERE id = $1`, [s.operatorMemberId])) as Row[];
        if (found.length === 0) throw new RecordNotFoundError('member', s.operatorMemberId);
      }
      if (s.operatorFloorParts > asset.totalParts) {
        throw new MarketError('operator_floor', `the operator's floor (${s.operatorFloorParts} parts) is more than the whole asset (${asset.totalParts} parts)`, {
          floor: String(s.operatorFloorParts),
          totalParts: String(asset.totalParts),
        });
      }
      const open = (await m.query(`SELECT 1 FROM market_bids WHERE asset_id = $1 AND status = 'open' AND currency <> $2 LIMIT 1`, [s.assetId, s.currency])) as Row[];
      if (open.length > 0) throw new MarketError('currency_mismatch', `bids in another currency are still open on this asset: the market's currency cannot change until they close`);
      const [r] = (await m.query(
        `INSERT INTO asset_market_settings (asset_id, currency, rofr_days, operator_member_id, operator_floor_parts)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (asset_id) DO UPDATE SET currency = EXCLUDED.currency, rofr_days = EXCLUDED.rofr_days,
           operator_member_id = EXCLUDED.operator_member_id, operator_floor_parts = EXCLUDED.operator_floor_parts, updated_at = now()
         RETURNING *`,
        [s.assetId, s.currency, s.rofrDays, s.operatorMemberId, String(s.operatorFloorParts)],
      )) as Row[];
      return toSettings(r);
    });
  }

  // ---- orders -----------------------------------------------------------------------------

  /**
   * Lists parts for sale (or asks to be bought out at the last settled price). Idempotent by the
   * member's key: a retry returns the listing as it is now. With a first-refusal window and other
   * co-owners it waits in `rofr`; otherwise it opens and matches the book at once.
   */
  async placeListing(req: PlaceListing, notify: TradeNotifier): Promise<{ listing: MarketListing; trades: MarketTrade[]; replayed: boolean }> {
    const key = `${req.memberId}:${req.idempotencyKey}`;
    const hash = requestHash({ ...req, idempotencyKey: undefined, expiresAt: req.expiresAt.toISOString() });
    return this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`market:${key}`]);
      const [existing] = (await m.query(`SELECT * FROM market_listings WHERE idempotency_key = $1`, [key])) as Row[];
      if (existing) {
        if (existing.request_hash !== hash) throw new IdempotencyConflictError(req.idempotencyKey);
        return { listing: toListing(existing), trades: [], replayed: true };
      }
      const asset = await this.lockAsset(m, req.assetId);
      const settings = await this.openSettings(m, req.assetId, req.currency);
      let price = req.pricePerPart;
      if (req.buyout) {
        const [last] = (await m.query(`SELECT price_per_part FROM market_trades WHERE asset_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [req.assetId])) as Row[];
        if (!last) throw new MarketError('no_settled_price', 'no trade has settled on this asset yet, so there is no last price to be bought out at: list at a price instead');
        price = big(last.price_per_part);
      }
      if (price === undefined) throw new MarketError('no_settled_price', 'a listing needs a price per part');
      const { owned: ownedParts, leased } = await this.sellableParts(m, asset, req.memberId);
      const owned = ownedParts - leased;
      const [{ listed }] = (await m.query(`SELECT COALESCE(SUM(remaining), 0)::text AS listed FROM market_listings WHERE asset_id = $1 AND member_id = $2 AND status IN ('rofr', 'open')`, [
        req.assetId,
        req.memberId,
      ])) as Array<{ listed: string }>;
      const floor = settings.operatorMemberId === req.memberId ? settings.operatorFloorParts : 0n;
      const free = owned - BigInt(listed) - floor;
      const parts = req.parts ?? (free > 0n ? free : 0n);
      const leasedNote = leased > 0n ? `, ${leased} leased out` : '';
      if (parts <= 0n) throw new MarketError('insufficient_parts', `you have no parts left to list (${ownedParts} owned${leasedNote}, ${listed} listed${floor > 0n ? `, ${floor} the operator keeps` : ''})`, { owned: String(ownedParts), leased: String(leased), listed, floor: String(floor) });
      if (leased > 0n && parts > free) {
        throw new MarketError('insufficient_parts', `you can list at most ${free > 0n ? free : 0n} parts (${ownedParts} owned${leasedNote}, ${listed} listed${floor > 0n ? `, ${floor} the operator keeps` : ''})`, { owned: String(ownedParts), leased: String(leased), listed, floor: String(floor), maxListable: String(free > 0n ? free : 0n) });
      }
      assertListable(parts, { owned, listed: BigInt(listed), floor });
      const now = await this.now(m);
      const others = (await m.query(`SELECT 1 FROM asset_shares WHERE asset_id = $1 AND member_id <> $2 AND parts > 0 LIMIT 1`, [req.assetId, req.memberId])) as Row[];
      const rofrEndsAt = settings.rofrDays > 0 && others.length > 0 ? new Date(now.getTime() + settings.rofrDays * DAY_MS) : null;
      if (rofrEndsAt && req.expiresAt <= rofrEndsAt) {
        throw new MarketError('invalid_expiry', `the listing must stay open past the co-owners' first-refusal window, which ends ${rofrEndsAt.toISOString()}`, { rofrEndsAt: rofrEndsAt.toISOString() });
      }
      const [row] = (await m.query(
        `INSERT INTO market_listings (asset_id, member_id, kind, parts, remaining, price_per_part, currency, status, rofr_ends_at, expires_at, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [req.assetId, req.memberId, req.buyout ? 'buyout' : 'price', String(parts), String(price), settings.currency, rofrEndsAt ? 'rofr' : 'open', rofrEndsAt, req.expiresAt, key, hash],
      )) as Row[];
      let listing = toListing(row);
      const notices: TradeNotice[] = [];
      if (listing.status === 'open') await this.matchAsk(m, asset, settings, listing, notices);
      if (notices.length) await notify(notices, m);
      listing = await this.listingIn(m, listing.id);
      return { listing, trades: notices.map((n) => n.trade), replayed: false };
    });
  }

  /**
   * Bids for parts: holds parts × price from the member's account in a hold account of the bid,
   * then matches the open listings (cheapest first, at their price; the difference goes back).
   * Idempotent by the member's key.
   */
  async placeBid(req: PlaceBid, notify: TradeNotifier): Promise<{ bid: MarketBid; trades: MarketTrade[]; replayed: boolean }> {
    const key = `${req.memberId}:${req.idempotencyKey}`;
    const hash = requestHash({ ...req, idempotencyKey: undefined, expiresAt: req.expiresAt.toISOString() });
    return this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`market:${key}`]);
      const [existing] = (await m.query(`SELECT * FROM market_bids WHERE idempotency_key = $1`, [key])) as Row[];
      if (existing) {
        if (existing.request_hash !== hash) throw new IdempotencyConflictError(req.idempotencyKey);
        return { bid: toBid(existing), trades: [], replayed: true };
      }
      const asset = await this.lockAsset(m, req.assetId);
      const settings = await this.openSettings(m, req.assetId, req.currency);
      if (req.parts > asset.totalParts) {
        throw new MarketError('insufficient_parts', `the asset has ${asset.totalParts} parts in all; a bid for ${req.parts} can never fill`, { totalParts: String(asset.totalParts), requested: String(req.parts) });
      }
      const id = randomUUID();
      const amount = req.parts * req.pricePerPart;
      const hold = await this.holdFrom(m, req.memberId, settings.currency, id, amount, `market:bid:${id}:hold`, `bid for ${req.parts} parts of ${asset.name}`);
      const [row] = (await m.query(
        `INSERT INTO market_bids (id, asset_id, member_id, parts, remaining, price_per_part, currency, status, expires_at, hold_account_id, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4, $4, $5, $6, 'open', $7, $8, $9, $10) RETURNING *`,
        [id, req.assetId, req.memberId, String(req.parts), String(req.pricePerPart), settings.currency, req.expiresAt, hold, key, hash],
      )) as Row[];
      const bid = toBid(row);
      const notices: TradeNotice[] = [];
      await this.matchBid(m, asset, settings, bid, notices);
      if (notices.length) await notify(notices, m);
      return { bid: await this.bidIn(m, id), trades: notices.map((n) => n.trade), replayed: false };
    });
  }

  /**
   * A co-owner claims parts of a listing in its first-refusal window, at the listing's price; the
   * money is held until the window ends. One claim per co-owner and listing: the same claim again
   * returns it.
   */
  async claim(memberId: string, listingId: string, parts: bigint): Promise<{ claim: MarketClaim; replayed: boolean }> {
    return this.ds.transaction(async (m) => {
      const listing = await this.listingFor(m, listingId);
      const asset = await this.lockAsset(m, listing.assetId);
      const current = await this.listingIn(m, listingId);
      const [mine] = (await m.query(`SELECT * FROM market_rofr_claims WHERE listing_id = $1 AND member_id = $2`, [listingId, memberId])) as Row[];
      if (mine) {
        const claim = toClaim(mine, { asset_id: current.assetId, currency: current.currency });
        if (claim.requested === parts) return { claim, replayed: true };
        throw new MarketError('already_claimed', `you already claimed ${claim.requested} parts of this listing`, { claimed: String(claim.requested) });
      }
      if (current.memberId === memberId) throw new MarketError('own_listing', 'you cannot claim your own listing');
      const now = await this.now(m);
      if (current.status !== 'rofr' || !current.rofrEndsAt || current.rofrEndsAt <= now) {
        throw new MarketError('rofr_closed', "this listing is not in its co-owners' first-refusal window: bid for it instead");
      }
      if ((await this.ownedParts(m, listing.assetId, memberId)) <= 0n) throw new MarketError('not_co_owner', "only the asset's co-owners may claim a listing in its first-refusal window");
      if (parts > current.remaining) {
        throw new MarketError('insufficient_parts', `the listing has ${current.remaining} parts; you claimed ${parts}`, { listed: String(current.remaining), requested: String(parts) });
      }
      const id = randomUUID();
      const hold = await this.holdFrom(m, memberId, current.currency, id, parts * current.pricePerPart, `market:claim:${id}:hold`, `first-refusal claim of ${parts} parts of ${asset.name}`);
      const [row] = (await m.query(
        `INSERT INTO market_rofr_claims (id, listing_id, member_id, requested, price_per_part, hold_account_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [id, listingId, memberId, String(parts), String(current.pricePerPart), hold],
      )) as Row[];
      return { claim: toClaim(row, { asset_id: current.assetId, currency: current.currency }), replayed: false };
    });
  }

  /** Cancels the member's open listing (claims in its window are void, their money released). */
  async cancelListing(memberId: string, listingId: string): Promise<MarketListing> {
    return this.ds.transaction(async (m) => {
      const first = await this.listingFor(m, listingId);
      if (first.memberId !== memberId) throw new RecordNotFoundError('listing', listingId);
      await this.lockAsset(m, first.assetId);
      const listing = await this.listingIn(m, listingId);
      if (listing.status === 'cancelled') return listing;
      if (listing.status !== 'rofr' && listing.status !== 'open') throw new MarketError('order_closed', `this listing is already ${listing.status}`, { orderStatus: listing.status });
      await this.closeListing(m, listing, 'cancelled', 'cancelled');
      return this.listingIn(m, listingId);
    });
  }

  /** Cancels the member's open bid and gives back what its hold still holds, once. */
  async cancelBid(memberId: string, bidId: string): Promise<MarketBid> {
    return this.ds.transaction(async (m) => {
      const first = await this.bidFor(m, bidId);
      if (first.memberId !== memberId) throw new RecordNotFoundError('bid', bidId);
      await this.lockAsset(m, first.assetId);
      const bid = await this.bidIn(m, bidId);
      if (bid.status === 'cancelled') return bid;
      if (bid.status !== 'open') throw new MarketError('order_closed', `this bid is already ${bid.status}`, { orderStatus: bid.status });
      await this.closeBid(m, bid, 'cancelled');
      return this.bidIn(m, bidId);
    });
  }

  // ---- timers (the market workflow's activities) -------------------------------------------

  /**
   * The end of a listing's first-refusal window: its claims are allocated pro rata to the
   * claimants' shares and settle; what is left opens to every member and matches the book. A
   * no-op for a listing no longer in its window (cancelled, or a retry after it ran).
   */
  async closeRofr(listingId: string, notify: TradeNotifier): Promise<{ outcome: 'opened' | 'filled' | 'noop'; trades: number }> {
    return this.ds.transaction(async (m) => {
      const first = await this.listingFor(m, listingId);
      const asset = await this.lockAsset(m, first.assetId);
      let listing = await this.listingIn(m, listingId);
      if (listing.status !== 'rofr') return { outcome: 'noop' as const, trades: 0 };
      const settings = (await this.settings(asset.id, m))!;
      const claims = ((await m.query(`SELECT * FROM market_rofr_claims WHERE listing_id = $1 AND status = 'pending' ORDER BY member_id`, [listingId])) as Row[]).map((r) => toClaim(r));
      const weights = await this.partsOf(m, asset.id, claims.map((c) => c.memberId));
      const seller = await this.sellableParts(m, asset, listing.memberId);
      const capacity = seller.owned - seller.leased - (settings.operatorMemberId === listing.memberId ? settings.operatorFloorParts : 0n);
      const available = listing.remaining < capacity ? listing.remaining : capacity > 0n ? capacity : 0n;
      const allocation = allocateProRata(available, claims.map((c) => ({ memberId: c.memberId, requested: c.requested, weight: weights.get(c.memberId) ?? 0n })));
      const notices: TradeNotice[] = [];
      for (const c of claims) {
        const parts = allocation.get(c.memberId) ?? 0n;
        if (parts > 0n) {
          await this.settle(m, asset, listing, { buyerId: c.memberId, holdAccountId: await this.claimHold(m, c.id), heldPrice: c.pricePerPart, bidId: null, claimId: c.id }, parts, listing.pricePerPart, notices);
          listing = await this.listingIn(m, listingId);
        }
        await m.query(`UPDATE market_rofr_claims SET status = 'allocated', allocated = $2 WHERE id = $1`, [c.id, String(parts)]);
        await this.releaseHold(m, await this.claimHold(m, c.id), c.memberId, listing.currency, `market:claim:${c.id}:release`, 'first-refusal claim: the part not allocated');
      }
      listing = await this.listingIn(m, listingId);
      if (listing.status === 'rofr') {
        await m.query(`UPDATE market_listings SET status = 'open', updated_at = now() WHERE id = $1`, [listingId]);
        await this.matchAsk(m, asset, settings, { ...listing, status: 'open' }, notices);
      }
      if (notices.length) await notify(notices, m);
      listing = await this.listingIn(m, listingId);
      return { outcome: listing.status === 'filled' ? ('filled' as const) : ('opened' as const), trades: notices.length };
    });
  }

  /** A listing's or bid's expiry: closes it if still open and gives back held money, once. */
  async expire(kind: 'listing' | 'bid', id: string): Promise<'expired' | 'noop'> {
    return this.ds.transaction(async (m) => {
      if (kind === 'listing') {
        const first = await this.listingFor(m, id);
        await this.lockAsset(m, first.assetId);
        const listing = await this.listingIn(m, id);
        if (listing.status !== 'rofr' && listing.status !== 'open') return 'noop' as const;
        await this.closeListing(m, listing, 'expired', 'expired');
        return 'expired' as const;
      }
      const first = await this.bidFor(m, id);
      await this.lockAsset(m, first.assetId);
      const bid = await this.bidIn(m, id);
      if (bid.status !== 'open') return 'noop' as const;
      await this.closeBid(m, bid, 'expired');
      return 'expired' as const;
    });
  }

  // ---- reads ------------------------------------------------------------------------------

  async listing(id: string): Promise<MarketListing | null> {
    const [r] = (await this.ds.query(`SELECT * FROM market_listings WHERE id = $1`, [id])) as Row[];
    return r ? toListing(r) : null;
  }

  async bid(id: string): Promise<MarketBid | null> {
    const [r] = (await this.ds.query(`SELECT * FROM market_bids WHERE id = $1`, [id])) as Row[];
    return r ? toBid(r) : null;
  }

  /** The book as price levels (no names), what is in first-refusal windows, the last trades and a daily price series. */
  async overview(assetId: string, opts: { lastTrades: number; historyDays: number }) {
    const asks = (await this.ds.query(
      `SELECT price_per_part::text, remaining::text FROM market_listings WHERE asset_id = $1 AND status = 'open' AND expires_at > now() AND remaining > 0`,
      [assetId],
    )) as Array<{ price_per_part: string; remaining: string }>;
    const bids = (await this.ds.query(`SELECT price_per_part::text, remaining::text FROM market_bids WHERE asset_id = $1 AND status = 'open' AND expires_at > now() AND remaining > 0`, [
      assetId,
    ])) as Array<{ price_per_part: string; remaining: string }>;
    const [rofr] = (await this.ds.query(
      `SELECT count(*)::int AS listings, COALESCE(SUM(remaining), 0)::text AS parts, MIN(rofr_ends_at) AS next_end FROM market_listings WHERE asset_id = $1 AND status = 'rofr'`,
      [assetId],
    )) as Array<{ listings: number; parts: string; next_end: Date | null }>;
    const last = (await this.ds.query(`SELECT parts::text, price_per_part::text, created_at FROM market_trades WHERE asset_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [
      assetId,
      opts.lastTrades,
    ])) as Array<{ parts: string; price_per_part: string; created_at: Date }>;
    const daily = (await this.ds.query(
      `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
              (array_agg(price_per_part ORDER BY created_at, id))[1]::text AS open,
              MAX(price_per_part)::text AS high, MIN(price_per_part)::text AS low,
              (array_agg(price_per_part ORDER BY created_at DESC, id DESC))[1]::text AS close,
              SUM(parts)::text AS parts, count(*)::int AS trades
         FROM market_trades WHERE asset_id = $1 AND created_at > now() - make_interval(days => $2)
        GROUP BY 1 ORDER BY 1`,
      [assetId, opts.historyDays],
    )) as Array<{ day: string; open: string; high: string; low: string; close: string; parts: string; trades: number }>;
    const conv = (rows: Array<{ price_per_part: string; remaining: string }>) => rows.map((r) => ({ pricePerPart: BigInt(r.price_per_part), remaining: BigInt(r.remaining) }));
    return {
      asks: priceLevels('ask', conv(asks)),
      bids: priceLevels('bid', conv(bids)),
      firstRefusal: { listings: rofr.listings, parts: BigInt(rofr.parts), nextWindowEnd: rofr.next_end },
      lastTrades: last.map((t) => ({ parts: BigInt(t.parts), pricePerPart: BigInt(t.price_per_part), at: t.created_at })),
      daily: daily.map((d) => ({ day: d.day, open: BigInt(d.open), high: BigInt(d.high), low: BigInt(d.low), close: BigInt(d.close), parts: BigInt(d.parts), trades: d.trades })),
    };
  }

  /** A member's listings, bids and trades, newest first, each paged the same way. */
  async ofMember(memberId: string, page: { limit: number; offset: number }) {
    const q = async <T>(table: string, where: string, map: (r: Row) => T) => {
      const items = ((await this.ds.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, [memberId, page.limit, page.offset])) as Row[]).map(map);
      const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, [memberId])) as Array<{ n: number }>;
      return { items, total: n };
    };
    return {
      listings: await q('market_listings', 'member_id = $1', toListing),
      bids: await q('market_bids', 'member_id = $1', toBid),
      claims: await q('(SELECT c.*, l.asset_id, l.currency FROM market_rofr_claims c JOIN market_listings l ON l.id = c.listing_id) AS claims', 'member_id = $1', (r) => toClaim(r)),
      trades: await q('market_trades', '(seller_member_id = $1 OR buyer_member_id = $1)', toTrade),
    };
  }

  /**
   * Listings in their co-owners' first-refusal window on the assets a member co-owns, not their
   * own: what they may claim now (soonest window end first), paged, with the asset's name.
   */
  async firstRefusalFor(memberId: string, page: { limit: number; offset: number }) {
    const where = `l.status = 'rofr' AND l.member_id <> $1 AND l.remaining > 0
       AND EXISTS (SELECT 1 FROM asset_shares s WHERE s.asset_id = l.asset_id AND s.member_id = $1 AND s.parts > 0)`;
    const rows = (await this.ds.query(
      `SELECT l.*, a.name AS asset_name, c.requested::text AS my_claim FROM market_listings l JOIN assets a ON a.id = l.asset_id
         LEFT JOIN market_rofr_claims c ON c.listing_id = l.id AND c.member_id = $1
        WHERE ${where} ORDER BY l.rofr_ends_at, l.id LIMIT $2 OFFSET $3`,
      [memberId, page.limit, page.offset],
    )) as Row[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM market_listings l WHERE ${where}`, [memberId])) as Array<{ n: number }>;
    return { items: rows.map((r) => ({ listing: toListing(r), assetName: String(r.asset_name), myClaim: r.my_claim === null ? null : BigInt(String(r.my_claim)) })), total: n };
  }

  // ---- internals --------------------------------------------------------------------------

  private async lockAsset(m: EntityManager, assetId: string): Promise<LockedAsset> {
    const [a] = (await m.query(`SELECT id, name, total_parts::text, time_zone FROM assets WHERE id = $1 FOR UPDATE`, [assetId])) as Array<{ id: string; name: string; total_parts: string; time_zone: string }>;
    if (!a) throw new RecordNotFoundError('asset', assetId);
    return { id: a.id, name: a.name, totalParts: BigInt(a.total_parts), timeZone: a.time_zone };
  }

  /** Parts a member may sell now: owned, less what they leased out for this quarter on. */
  private async sellableParts(m: EntityManager, asset: LockedAsset, memberId: string): Promise<{ owned: bigint; leased: bigint }> {
    const owned = await this.ownedParts(m, asset.id, memberId);
    const leased = (await leasedOutParts(m, asset, [memberId])).get(memberId) ?? 0n;
    return { owned, leased };
  }

  private async openSettings(m: EntityManager, assetId: string, currency: string): Promise<MarketSettings> {
    const settings = await this.settings(assetId, m);
    if (!settings) throw new MarketError('market_not_open', 'this asset has no market: the coordinator has not opened one');
    if (settings.currency !== currency) {
      throw new MarketError('currency_mismatch', `this asset's market trades in ${settings.currency}, not ${currency}`, { marketCurrency: settings.currency, currency });
    }
    return settings;
  }

  private async now(m: EntityManager): Promise<Date> {
    const [{ now }] = (await m.query(`SELECT now() AS now`)) as Array<{ now: Date }>;
    return now;
  }

  private async ownedParts(m: EntityManager, assetId: string, memberId: string): Promise<bigint> {
    const [r] = (await m.query(`SELECT parts::text FROM asset_shares WHERE asset_id = $1 AND member_id = $2`, [assetId, memberId])) as Array<{ parts: string }>;
    return r ? BigInt(r.parts) : 0n;
  }

  private async partsOf(m: EntityManager, assetId: string, memberIds: string[]): Promise<Map<string, bigint>> {
    const rows = (await m.query(`SELECT member_id, parts::text FROM asset_shares WHERE asset_id = $1 AND member_id = ANY($2::uuid[])`, [assetId, memberIds])) as Array<{ member_id: string; parts: string }>;
    return new Map(rows.map((r) => [r.member_id, BigInt(r.parts)]));
  }

  private async listingFor(m: EntityManager, id: string): Promise<MarketListing> {
    const [r] = (await m.query(`SELECT * FROM market_listings WHERE id = $1`, [id])) as Row[];
    if (!r) throw new RecordNotFoundError('listing', id);
    return toListing(r);
  }

  /** Read again after the asset lock (the first read only found the asset). */
  private listingIn(m: EntityManager, id: string): Promise<MarketListing> {
    return this.listingFor(m, id);
  }

  private async bidFor(m: EntityManager, id: string): Promise<MarketBid> {
    const [r] = (await m.query(`SELECT * FROM market_bids WHERE id = $1`, [id])) as Row[];
    if (!r) throw new RecordNotFoundError('bid', id);
    return toBid(r);
  }

  private bidIn(m: EntityManager, id: string): Promise<MarketBid> {
    return this.bidFor(m, id);
  }

  private async claimHold(m: EntityManager, claimId: string): Promise<string> {
    const [r] = (await m.query(`SELECT hold_account_id FROM market_rofr_claims WHERE id = $1`, [claimId])) as Array<{ hold_account_id: string }>;
    return r.hold_account_id;
  }

  /** Moves `amount` from the member's account into a hold account scoped to `scopeId`; 409 `insufficient_funds` with the figures. */
  private async holdFrom(m: EntityManager, memberId: string, currency: Currency, scopeId: string, amount: bigint, key: string, memo: string): Promise<string> {
    const wallet = await this.ledger.account('member', memberId, currency, m);
    const balance = await this.ledger.balance(wallet.id, m);
    if (balance < amount) {
      throw new MarketError('insufficient_funds', `holding this needs ${amount} ${currency} (minor units) and your account has ${balance}`, { needed: String(amount), available: String(balance), currency });
    }
    const hold = await this.ledger.account('hold', memberId, currency, m, scopeId);
    await this.ledger.post({ idempotencyKey: key, kind: 'market-hold', currency, entries: movement(wallet.id, hold.id, amount), memo }, m);
    return hold.id;
  }

  /** Gives back whatever a hold account still holds to its member, under a key (once). */
  private async releaseHold(m: EntityManager, holdAccountId: string, memberId: string, currency: Currency, key: string, memo: string): Promise<void> {
    const held = await this.ledger.balance(holdAccountId, m);
    if (held <= 0n) return;
    const wallet = await this.ledger.account('member', memberId, currency, m);
    await this.ledger.post({ idempotencyKey: key, kind: 'market-release', currency, entries: movement(holdAccountId, wallet.id, held), memo }, m);
  }

  private async closeListing(m: EntityManager, listing: MarketListing, status: 'cancelled' | 'expired', reason: string): Promise<void> {
    await m.query(`UPDATE market_listings SET status = $2, closed_reason = $3, updated_at = now() WHERE id = $1`, [listing.id, status, reason]);
    const claims = ((await m.query(`SELECT * FROM market_rofr_claims WHERE listing_id = $1 AND status = 'pending'`, [listing.id])) as Row[]).map((r) => toClaim(r));
    for (const c of claims) {
      await m.query(`UPDATE market_rofr_claims SET status = 'void', allocated = 0 WHERE id = $1`, [c.id]);
      await this.releaseHold(m, await this.claimHold(m, c.id), c.memberId, listing.currency, `market:claim:${c.id}:release`, `first-refusal claim: the listing was ${status}`);
    }
  }

  private async closeBid(m: EntityManager, bid: MarketBid, status: 'cancelled' | 'expired'): Promise<void> {
    await m.query(`UPDATE market_bids SET status = $2, updated_at = now() WHERE id = $1`, [bid.id, status]);
    await this.releaseHold(m, bid.holdAccountId, bid.memberId, bid.currency, `market:bid:${bid.id}:release`, `bid ${status}: its money given back`);
  }

  /** What each seller can still deliver: parts owned, less what they leased out and the operator's floor. */
  private async sellerCapacity(m: EntityManager, asset: LockedAsset, settings: MarketSettings, sellers: string[]): Promise<Map<string, bigint>> {
    const owned = await this.partsOf(m, asset.id, sellers);
    const leased = await leasedOutParts(m, asset, sellers);
    return new Map(sellers.map((s) => [s, (owned.get(s) ?? 0n) - (leased.get(s) ?? 0n) - (settings.operatorMemberId === s ? settings.operatorFloorParts : 0n)]));
  }

  private async matchBid(m: EntityManager, asset: LockedAsset, settings: MarketSettings, bid: MarketBid, notices: TradeNotice[]): Promise<void> {
    let remaining = bid.remaining;
    for (;;) {
      const rows = (await m.query(
        `SELECT * FROM market_listings WHERE asset_id = $1 AND status = 'open' AND expires_at > now() AND remaining > 0 AND price_per_part <= $2 AND member_id <> $3
          ORDER BY price_per_part, seq LIMIT 200`,
        [asset.id, String(bid.pricePerPart), bid.memberId],
      )) as Row[];
      const listings = rows.map(toListing);
      const capacity = await this.sellerCapacity(m, asset, settings, [...new Set(listings.map((l) => l.memberId))]);
      const fills = matchIncoming({ side: 'bid', memberId: bid.memberId, pricePerPart: bid.pricePerPart, remaining }, listings.map((l, i) => resting(l, i)), capacity);
      for (const f of fills) {
        const listing = listings.find((l) => l.id === f.restingId)!;
        await this.settle(m, asset, listing, { buyerId: bid.memberId, holdAccountId: bid.holdAccountId, heldPrice: bid.pricePerPart, bidId: bid.id, claimId: null }, f.parts, f.pricePerPart, notices);
        capacity.set(listing.memberId, capacity.get(listing.memberId)! - f.parts);
        remaining -= f.parts;
      }
      // A listing whose seller has nothing left to sell (parts moved by hand, or leased out since
      // it was listed) would stand in the book unsellable: it closes.
      for (const l of listings) {
        if ((capacity.get(l.memberId) ?? 0n) > 0n) continue;
        const left = await this.listingIn(m, l.id);
        if (left.status === 'open') await this.closeListing(m, left, 'cancelled', 'parts_gone');
      }
      if (fills.length === 0 || remaining <= 0n || rows.length < 200) return;
    }
  }

  private async matchAsk(m: EntityManager, asset: LockedAsset, settings: MarketSettings, listing: MarketListing, notices: TradeNotice[]): Promise<void> {
    let remaining = listing.remaining;
    for (;;) {
      const rows = (await m.query(
        `SELECT * FROM market_bids WHERE asset_id = $1 AND status = 'open' AND expires_at > now() AND remaining > 0 AND price_per_part >= $2 AND member_id <> $3
          ORDER BY price_per_part DESC, seq LIMIT 200`,
        [asset.id, String(listing.pricePerPart), listing.memberId],
      )) as Row[];
      const bids = rows.map(toBid);
      const capacity = await this.sellerCapacity(m, asset, settings, [listing.memberId]);
      const fills = matchIncoming({ side: 'ask', memberId: listing.memberId, pricePerPart: listing.pricePerPart, remaining }, bids.map((b, i) => resting(b, i)), capacity);
      if (fills.length === 0) break;
      for (const f of fills) {
        const bid = bids.find((b) => b.id === f.restingId)!;
        await this.settle(m, asset, await this.listingIn(m, listing.id), { buyerId: bid.memberId, holdAccountId: bid.holdAccountId, heldPrice: bid.pricePerPart, bidId: bid.id, claimId: null }, f.parts, f.pricePerPart, notices);
        remaining -= f.parts;
      }
      if (remaining <= 0n || rows.length < 200) break;
    }
    // Parts the seller no longer has (moved by hand or leased out since listing) cannot be sold: such a listing closes.
    const left = await this.listingIn(m, listing.id);
    if (left.status === 'open' && (await this.sellerCapacity(m, asset, settings, [listing.memberId])).get(listing.memberId)! <= 0n) {
      await this.closeListing(m, left, 'cancelled', 'parts_gone');
    }
  }

  /**
   * One trade, in the caller's transaction (the asset is locked): parts from the seller to the
   * buyer (transferParts), the money from the buyer's hold (parts × the price they held) to the
   * seller (parts × the trade price) and back to the buyer (any better price), the trade row, the
   * orders' remaining parts. The ledger posting's key is the trade's id.
   */
  private async settle(m: EntityManager, asset: LockedAsset, listing: MarketListing, taker: Taker, parts: bigint, price: bigint, notices: TradeNotice[]): Promise<void> {
    const before = ((await m.query(`SELECT member_id, parts::text, output_parts::text FROM asset_shares WHERE asset_id = $1`, [asset.id])) as Array<{
      member_id: string;
      parts: string;
      output_parts: string;
    }>).map((r): ShareLine => ({ memberId: r.member_id, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) }));
    const after = transferParts(before, listing.memberId, taker.buyerId, parts);
    assertWhole(after, asset.totalParts);
    for (const id of [listing.memberId, taker.buyerId]) {
      const line = after.find((l) => l.memberId === id);
      if (!line) await m.query(`DELETE FROM asset_shares WHERE asset_id = $1 AND member_id = $2`, [asset.id, id]);
      else {
        await m.query(
          `INSERT INTO asset_shares (asset_id, member_id, parts, output_parts) VALUES ($1, $2, $3, $4)
           ON CONFLICT (asset_id, member_id) DO UPDATE SET parts = EXCLUDED.parts, output_parts = EXCLUDED.output_parts`,
          [asset.id, id, String(line.parts), String(line.outputParts)],
        );
      }
    }
    const sellerBefore = before.find((l) => l.memberId === listing.memberId)!;
    const outputMoved = sellerBefore.outputParts - (after.find((l) => l.memberId === listing.memberId)?.outputParts ?? 0n);

    const { pay, refund } = settlementAmounts(parts, price, taker.heldPrice);
    const wallets = await this.ledger.accounts('member', [listing.memberId, taker.buyerId], listing.currency, m);
    const tradeId = randomUUID();
    const entries = [
      { accountId: taker.holdAccountId, amount: -(pay + refund) },
      { accountId: wallets.get(listing.memberId)!, amount: pay },
      ...(refund > 0n ? [{ accountId: wallets.get(taker.buyerId)!, amount: refund }] : []),
    ];
    const posted = await this.ledger.post(
      { idempotencyKey: `market:trade:${tradeId}`, kind: 'market-trade', currency: listing.currency, entries, memo: `${parts}/${asset.totalParts} parts of ${asset.name} at ${price} a part` },
      m,
    );
    const [row] = (await m.query(
      `INSERT INTO market_trades (id, asset_id, listing_id, bid_id, claim_id, seller_member_id, buyer_member_id, parts, output_parts, price_per_part, amount, currency, ledger_transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [tradeId, asset.id, listing.id, taker.bidId, taker.claimId, listing.memberId, taker.buyerId, String(parts), String(outputMoved), String(price), String(pay), listing.currency, posted.transaction.id],
    )) as Row[];
    await m.query(
      `UPDATE market_listings SET remaining = remaining - $2, status = CASE WHEN remaining - $2 = 0 THEN 'filled' ELSE status END, updated_at = now() WHERE id = $1`,
      [listing.id, String(parts)],
    );
    if (taker.bidId) {
      await m.query(`UPDATE market_bids SET remaining = remaining - $2, status = CASE WHEN remaining - $2 = 0 THEN 'filled' ELSE status END, updated_at = now() WHERE id = $1`, [
        taker.bidId,
        String(parts),
      ]);
    }
    const people = (await m.query(`SELECT id, name, email FROM members WHERE id = ANY($1::uuid[])`, [[listing.memberId, taker.buyerId]])) as Array<{ id: string; name: string; email: string }>;
    const who = (id: string) => people.find((p) => p.id === id)!;
    notices.push({ trade: toTrade(row), assetName: asset.name, totalParts: asset.totalParts, seller: who(listing.memberId), buyer: who(taker.buyerId) });
  }
}

function resting(o: { id: string; memberId: string; pricePerPart: bigint; remaining: bigint }, i: number): RestingOrder {
  // The query returns the book in price-time order already; the index keeps that order.
  return { id: o.id, memberId: o.memberId, pricePerPart: o.pricePerPart, remaining: o.remaining, seq: BigInt(i) };
}

function toSettings(r: Row): MarketSettings {
  return {
    assetId: r.asset_id as string,
    currency: (r.currency as string).trim() as Currency,
    rofrDays: r.rofr_days as number,
    operatorMemberId: (r.operator_member_id as string | null) ?? null,
    operatorFloorParts: big(r.operator_floor_parts),
    updatedAt: r.updated_at as Date,
  };
}
