/**
 * fundingRoundWorkflow: one funding round, all or nothing, at crowd scale.
 *
 * The pledges live in PostgreSQL, not in this workflow: each pledge is one database transaction
 * made by the API (the member's hold and the pledge row; see `FundingRepository.setPledge`), so
 * a round of 20,000 backers adds nothing to this history. The workflow keeps the lifecycle:
 *
 *  1. Open: the operator's up-front share is held first (pledges wait: the round is `opening`),
 *     then the round opens and every member is told (one activity queues the mail).
 *  2. Close at the deadline, at once when cancelled, or when a pledge meets the goal of a round
 *     that closes on it (the API closes it under the round's gate and sends `goalReached`).
 *     Closing flips the round's status under that gate: pledges in flight land first, none after.
 *  3. Goal met: the holds are captured into the round's account, a page at a time; the payout
 *     waits for approval (the coordinator, or a vote of the backers); approved → the money goes to
 *     the project's account and, for a round that buys an asset, the backers' ownership table is
 *     created (never over an existing one). Not approved or cancelled → every capture refunded.
 *     Goal not met or cancelled while open → every hold released.
 *
 * Money steps run to completion even when the workflow is cancelled (non-cancellable scopes), and
 * compensation works from what was committed (the ledger and the pledge rows), never from what
 * this workflow believes. Updates: `approvePayout` and `cancelRound` only (at most one of each
 * takes effect); signals: `goalReached`, at most one per round. Older runs (pledges as Updates)
 * continue in `legacy.ts`, chosen by the `2026-12-pledges-in-postgres` patch.
 *
 * The state and its handlers are in `state.ts`, each step in `steps.ts`. The function name is
 * stored in histories: never rename it.
 */
import { allHandlersFinished, CancellationScope, condition, isCancellation, patched } from '@temporalio/workflow';
import { FundingRoundInput, PLEDGES_IN_POSTGRES_PATCH, RoundStatus, RoundView, UPDATES_OUTLIVE_CANCEL_PATCH } from '../../libs/contracts/src/funding-round';
import { legacyFundingRound } from './legacy';
import { RoundState } from './state';
import {
  cancelledThroughTemporal,
  capture,
  giveBack,
  holdOperatorShare,
  notApproved,
  notRaised,
  open,
  payOut,
  payoutApproved,
  record,
  takePledgesUntilClosed,
} from './steps';

const FINAL: RoundStatus[] = ['funded', 'failed', 'cancelled'];

export async function fundingRoundWorkflow(input: FundingRoundInput): Promise<RoundView> {
  if (!patched(PLEDGES_IN_POSTGRES_PATCH)) return legacyFundingRound(input);
  return roundWithPledgesInPostgres(input);
}

async function roundWithPledgesInPostgres(input: FundingRoundInput): Promise<RoundView> {
  const round = new RoundState(input);
  // The coordinator's approval or cancel waits for the outcome. A cancellation through Temporal
  // meanwhile (the UI, a cancelled project) must not fail that wait: the round still goes on to its
  // outcome, and the caller gets it. Runs started before this patch keep failing the update.
  round.updatesOutliveCancel = patched(UPDATES_OUTLIVE_CANCEL_PATCH);
  round.registerHandlers();
  try {
    await record(round);
    if (input.operator && !(await holdOperatorShare(round))) {
      // Not held: the round was closed and recorded cancelled before anyone pledged.
      await condition(allHandlersFinished);
      return round.view();
    }
    await open(round);
    const tally = await takePledgesUntilClosed(round);
    if (round.cancel || BigInt(tally.total) < round.goal) {
      await giveBack(round, notRaised(round, tally));
    } else {
      await capture(round);
      if (await payoutApproved(round)) await payOut(round);
      else await giveBack(round, notApproved(round));
    }
  } catch (err) {
    if (isCancellation(err) && !round.paidOut && !FINAL.includes(round.status)) await cancelledThroughTemporal(round);
    // A waiting approval or cancel answers (with the outcome) before the run ends.
    if (round.updatesOutliveCancel) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    throw err;
  }
  await Promise.all(round.mailing);
  await condition(allHandlersFinished);
  return round.view();
}
