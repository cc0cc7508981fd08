/**
 * marketOrderTimerWorkflow on the time-skipping test server: a listing's first-refusal window and
 * expiry each wake one activity at their time; a listing the co-owners and the book bought out
 * does not wait for its expiry; a bid only expires (a cancelled order's timer: test/e2e/market.spec.ts).
 * Activities are stubs typed against MarketActivities that record when (server time) they were scheduled (the
 * repository's own test covers what they do, on PostgreSQL). The histories stay tiny.
 */
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { MarketActivities } from '../../apps/worker/src/activities/market.activities';
import { MarketOrderTimerInput, marketOrderWorkflowId } from '@app/contracts';
import { marketOrderTimerWorkflow } from '../../workflows';
import { recordHistoriesIfAsked, useTimeSkipping } from '../support/temporal';

const DAY = 86_400_000;
const ts = useTimeSkipping();

function stubs(rofrOutcome: 'opened' | 'filled' | 'noop' = 'opened') {
  const calls: Array<{ name: string; id: string; at: number }> = [];
  const activities: Pick<MarketActivities, 'closeMarketRofr' | 'expireMarketOrder'> = {
    closeMarketRofr: async (id) => {
      calls.push({ name: 'closeMarketRofr', id, at: Context.current().info.currentAttemptScheduledTimestampMs });
      return rofrOutcome;
    },
    expireMarketOrder: async (kind, id) => {
      calls.push({ name: `expireMarketOrder:${kind}`, id, at: Context.current().info.currentAttemptScheduledTimestampMs });
      return 'expired';
    },
  };
  return { calls, activities };
}

async function run(input: MarketOrderTimerInput, rofrOutcome?: 'opened' | 'filled' | 'noop', scenario?: string) {
  const { calls, activities } = stubs(rofrOutcome);
  const taskQueue = `market-${randomUUID()}`;
  const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities });
  const workflowId = marketOrderWorkflowId(input.kind, input.id);
  const result = await worker.runUntil(async () => {
    const h = await ts.env.client.workflow.start(marketOrderTimerWorkflow, { taskQueue, workflowId, args: [input] });
    const r = await h.result();
    if (scenario) await recordHistoriesIfAsked(ts.env.client, [{ workflowId, scenario }]);
    return { r, events: (await h.fetchHistory()).events ?? [] };
  });
  return { ...result, calls };
}

describe('marketOrderTimerWorkflow', () => {
  it('closes a listing’s first-refusal window at its end, then expires it at its expiry, each once', async () => {
    const t0 = Date.now();
    const input = { kind: 'listing' as const, id: randomUUID(), rofrEndsAt: new Date(t0 + 7 * DAY).toISOString(), expiresAt: new Date(t0 + 30 * DAY).toISOString() };
    const { r, calls, events } = await run(input, 'opened', 'listing-rofr-then-expired_v0.5.0');
    expect(r).toEqual({ rofr: 'opened', expiry: 'expired' });
    expect(calls.map((c) => [c.name, c.id])).toEqual([
      ['closeMarketRofr', input.id],
      ['expireMarketOrder:listing', input.id],
    ]);
    // the test server's clock: each at (or just after) its time, never before
    expect(calls[0].at).toBeGreaterThanOrEqual(Date.parse(input.rofrEndsAt));
    expect(calls[1].at).toBeGreaterThanOrEqual(Date.parse(input.expiresAt));
    expect(calls[0].at).toBeLessThan(Date.parse(input.expiresAt));
    expect(events.length).toBeLessThan(40);
  });

  it('does not wait for the expiry of a listing sold out when its window closed', async () => {
    const t0 = Date.now();
    const input = { kind: 'listing' as const, id: randomUUID(), rofrEndsAt: new Date(t0 + 2 * DAY).toISOString(), expiresAt: new Date(t0 + 60 * DAY).toISOString() };
    const { r, calls } = await run(input, 'filled', 'listing-sold-in-rofr_v0.5.0');
    expect(r).toEqual({ rofr: 'filled', expiry: 'noop' });
    expect(calls.map((c) => c.name)).toEqual(['closeMarketRofr']);
  });

  it('expires a bid at its expiry', async () => {
    const input = { kind: 'bid' as const, id: randomUUID(), rofrEndsAt: null, expiresAt: new Date(Date.now() + 14 * DAY).toISOString() };
    const { r, calls } = await run(input, undefined, 'bid-expired_v0.5.0');
    expect(r).toEqual({ rofr: null, expiry: 'expired' });
    expect(calls.map((c) => [c.name, c.id])).toEqual([['expireMarketOrder:bid', input.id]]);
    expect(calls[0].at).toBeGreaterThanOrEqual(Date.parse(input.expiresAt));
  });
});
