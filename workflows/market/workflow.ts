/**
 * marketOrderTimerWorkflow: the timers of one market listing or bid. The book, the holds and the
 * trades live in PostgreSQL (libs/db/src/market); this workflow only wakes up when something is
 * due: at the end of a listing's co-owners' first-refusal window (allocate the claims, open the
 * rest to the book) and at the order's expiry (close it, give back held money). Each wake-up is
 * one idempotent activity that is a no-op for an order already filled or cancelled, so a
 * cancelled order needs nothing from here (the API also cancels the run, to end it early).
 * History: at most two timers and two activities, whatever the book does.
 *
 * The function name is stored in histories: never rename it.
 */
import { isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { MarketActivities } from '../../apps/worker/src/activities/market.activities';
import type { MarketOrderTimerInput, MarketOrderTimerResult } from '../../libs/contracts/src/market';
import { MUST_LAND } from '../shared/activity-options';

const { closeMarketRofr, expireMarketOrder } = proxyActivities<MarketActivities>(MUST_LAND);

/** Milliseconds until an ISO instant by workflow time (0 when it has passed). */
const until = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());

export async function marketOrderTimerWorkflow(input: MarketOrderTimerInput): Promise<MarketOrderTimerResult> {
  let rofr: MarketOrderTimerResult['rofr'] = null;
  try {
    if (input.kind === 'listing' && input.rofrEndsAt) {
      await sleep(until(input.rofrEndsAt));
      rofr = await closeMarketRofr(input.id);
      // Sold out to the co-owners and the book: nothing left to expire.
      if (rofr === 'filled') return { rofr, expiry: 'noop' };
    }
    await sleep(until(input.expiresAt));
  } catch (err) {
    if (isCancellation(err)) return { rofr, expiry: 'cancelled' };
    throw err;
  }
  return { rofr, expiry: await expireMarketOrder(input.kind, input.id) };
}
