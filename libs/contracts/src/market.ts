/**
 * The fraction market's timers: one small workflow per listing or bid (workflows/market) sleeps
 * until the listing's first-refusal window ends and until its expiry, each time calling one
 * idempotent activity. The book itself lives in PostgreSQL (libs/db/src/market).
 */

export const MARKET_ORDER_WORKFLOW = 'marketOrderTimerWorkflow';

export interface MarketOrderTimerInput {
  kind: 'listing' | 'bid';
  id: string;
  /** ISO instant the co-owners' first-refusal window ends (listings in one only). */
  rofrEndsAt: string | null;
  /** ISO instant the order expires. */
  expiresAt: string;
}

export interface MarketOrderTimerResult {
  rofr: 'opened' | 'filled' | 'noop' | null;
  expiry: 'expired' | 'noop' | 'cancelled';
}

/** `market-listing-<id>` / `market-bid-<id>`: one timer workflow per order. */
export function marketOrderWorkflowId(kind: 'listing' | 'bid', id: string): string {
  return `market-${kind}-${id}`;
}
