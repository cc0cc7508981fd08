import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import { MarketRepository } from '@app/db';
import { MarketMail } from '@app/mail';

/**
 * The market's timers (marketOrderTimerWorkflow): each is one database transaction, and a no-op
 * for an order no longer waiting for it (filled, cancelled, or a retry after it committed).
 */
@Injectable()
export class MarketActivities {
  constructor(
    private readonly market: MarketRepository,
    private readonly mail: MarketMail,
  ) {}

  /** A listing's first-refusal window ended: allocate the co-owners' claims pro rata, open the rest to the book. */
  async closeMarketRofr(listingId: string): Promise<'opened' | 'filled' | 'noop'> {
    const r = await this.market.closeRofr(listingId, this.mail.notify);
    log.info('market listing: first-refusal window closed', { listingId, outcome: r.outcome, trades: r.trades });
    return r.outcome;
  }

  /** A listing or bid expired: close it if still open and give back what it holds. */
  async expireMarketOrder(kind: 'listing' | 'bid', id: string): Promise<'expired' | 'noop'> {
    const outcome = await this.market.expire(kind, id);
    log.info('market order expiry', { kind, id, outcome });
    return outcome;
  }
}
