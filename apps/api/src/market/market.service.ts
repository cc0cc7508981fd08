import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { MARKET_ORDER_WORKFLOW, MarketOrderTimerInput, marketOrderWorkflowId } from '@app/contracts';
import { AssetsRepository, MarketBid, MarketListing, MarketRepository, MemberEntity } from '@app/db';
import { Currency, MarketError } from '@app/domain';
import { MarketMail } from '@app/mail';
import { ProblemException, Problems } from '../common/problem';
import { CreateBidDto, CreateListingDto, PutMarketSettingsDto } from './market.dto';

/** A market rule's refusal as a problem document: 409 with its figures as extension members (a bad expiry: 400). */
export function marketProblem(err: MarketError): ProblemException {
  if (err.code === 'invalid_expiry') {
    return new ProblemException(HttpStatus.BAD_REQUEST, err.code, err.message, [{ field: 'expiresAt', code: err.code, message: err.message }], err.figures);
  }
  return new ProblemException(HttpStatus.CONFLICT, err.code, err.message, undefined, err.figures);
}

async function refusing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof MarketError ? marketProblem(err) : err;
  }
}

function futureExpiry(iso: string): Date {
  const at = new Date(iso);
  if (!(at.getTime() > Date.now())) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'expiry_in_past', 'expiresAt must be in the future', [{ field: 'expiresAt', code: 'expiry_in_past', message: 'must be in the future' }]);
  }
  return at;
}

/**
 * The fraction market's edge: checks the request, runs it in one transaction (MarketRepository),
 * then starts the order's timer workflow. A retry with the same Idempotency-Key replays the order
 * and starts its timer if the first attempt could not (the workflow id is the order's).
 */
@Injectable()
export class MarketService {
  private readonly logger = new Logger(MarketService.name);

  constructor(
    private readonly market: MarketRepository,
    private readonly assets: AssetsRepository,
    private readonly mail: MarketMail,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  putSettings(assetId: string, dto: PutMarketSettingsDto) {
    return refusing(() =>
      this.market.putSettings({
        assetId,
        currency: dto.currency as Currency,
        rofrDays: dto.rofrDays,
        operatorMemberId: dto.operatorMemberId ?? null,
        operatorFloorParts: dto.operatorMemberId ? (dto.operatorFloorParts ?? 0n) : 0n,
      }),
    );
  }

  async settings(assetId: string) {
    if (!(await this.assets.findById(assetId))) throw Problems.notFound('asset', assetId);
    const s = await this.market.settings(assetId);
    if (!s) throw Problems.conflict('market_not_open', 'this asset has no market: the coordinator has not opened one');
    return s;
  }

  async placeListing(member: MemberEntity, dto: CreateListingDto, key: string) {
    const buyout = dto.buyout ?? false;
    if (buyout && dto.pricePerPart !== undefined) throw Problems.badRequest('pricePerPart', 'a buy-out is at the last settled price: leave pricePerPart out');
    if (!buyout && dto.parts === undefined) throw Problems.badRequest('parts', 'parts is required (except for a buy-out)');
    if (!buyout && dto.pricePerPart === undefined) throw Problems.badRequest('pricePerPart', 'pricePerPart is required (except for a buy-out)');
    const expiresAt = futureExpiry(dto.expiresAt);
    const r = await refusing(() =>
      this.market.placeListing({ idempotencyKey: key, memberId: member.id, assetId: dto.assetId, parts: dto.parts, pricePerPart: dto.pricePerPart, buyout, currency: dto.currency, expiresAt }, this.mail.notify),
    );
    if (r.listing.status === 'rofr' || r.listing.status === 'open') await this.startTimer(timerOfListing(r.listing));
    return r;
  }

  async placeBid(member: MemberEntity, dto: CreateBidDto, key: string) {
    const expiresAt = futureExpiry(dto.expiresAt);
    const r = await refusing(() =>
      this.market.placeBid({ idempotencyKey: key, memberId: member.id, assetId: dto.assetId, parts: dto.parts, pricePerPart: dto.pricePerPart, currency: dto.currency, expiresAt }, this.mail.notify),
    );
    if (r.bid.status === 'open') await this.startTimer(timerOfBid(r.bid));
    return r;
  }

  claim(member: MemberEntity, listingId: string, parts: bigint) {
    return refusing(() => this.market.claim(member.id, listingId, parts));
  }

  async cancelListing(member: MemberEntity, id: string): Promise<MarketListing> {
    const l = await refusing(() => this.market.cancelListing(member.id, id));
    await this.endTimer('listing', id);
    return l;
  }

  async cancelBid(member: MemberEntity, id: string): Promise<MarketBid> {
    const b = await refusing(() => this.market.cancelBid(member.id, id));
    await this.endTimer('bid', id);
    return b;
  }

  async overview(assetId: string) {
    const asset = await this.assets.findById(assetId);
    if (!asset) throw Problems.notFound('asset', assetId);
    const settings = await this.market.settings(assetId);
    if (!settings) throw Problems.conflict('market_not_open', 'this asset has no market: the coordinator has not opened one');
    const o = await this.market.overview(assetId, { lastTrades: 20, historyDays: 365 });
    return { asset, settings, ...o };
  }

  mine(member: MemberEntity, page: { limit: number; offset: number }) {
    return this.market.ofMember(member.id, page);
  }

  firstRefusal(member: MemberEntity, page: { limit: number; offset: number }) {
    return this.market.firstRefusalFor(member.id, page);
  }

  private async startTimer(input: MarketOrderTimerInput): Promise<void> {
    try {
      await this.temporal.workflow.start(MARKET_ORDER_WORKFLOW, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: marketOrderWorkflowId(input.kind, input.id),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Ends a cancelled order's timer early; its activities are no-ops for it anyway, so a failure here only leaves it sleeping. */
  private async endTimer(kind: 'listing' | 'bid', id: string): Promise<void> {
    try {
      await this.temporal.workflow.getHandle(marketOrderWorkflowId(kind, id)).cancel();
    } catch (err) {
      this.logger.warn(`market ${kind} ${id}: its timer was not cancelled (it will wake up to a no-op): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const timerOfListing = (l: MarketListing): MarketOrderTimerInput => ({ kind: 'listing', id: l.id, rofrEndsAt: l.status === 'rofr' ? (l.rofrEndsAt?.toISOString() ?? null) : null, expiresAt: l.expiresAt.toISOString() });
const timerOfBid = (b: MarketBid): MarketOrderTimerInput => ({ kind: 'bid', id: b.id, rofrEndsAt: null, expiresAt: b.expiresAt.toISOString() });
