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
 * The function name is stored in histories: never rename it.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
} from '@temporalio/workflow';
import type { FundingActivities } from '../../apps/worker/src/activities/funding.activities';
import { decisionWorkflowId } from '../../libs/contracts/src/decision';
import {
  approvePayoutUpdate,
  cancelRoundUpdate,
  FundingRoundInput,
  getRoundQuery,
  goalReachedSignal,
  PLEDGES_IN_POSTGRES_PATCH,
  QueueRoundMailInput,
  RoundRejection,
  RoundStatus,
  RoundView,
  SettledRoundPage,
  SettleRoundPageInput,
  UPDATES_OUTLIVE_CANCEL_PATCH,
} from '../../libs/contracts/src/funding-round';
import { memberDecisionWorkflow } from '../decision/workflow';
import { MAIL, MUST_LAND } from '../shared/activity-options';
import { legacyFundingRound } from './legacy';

// Status writes and money already promised must land: retried with backoff, without a limit.
const { recordRoundStatus, closeRound, captureHoldsPage, releaseHoldsPage, refundCapturesPage, payOut, assignOwnershipFromPledges } =
  proxyActivities<FundingActivities>(MUST_LAND);
// The operator's share: retried until it lands, except when the operator has not the money.
const { placeOperatorPledge } = proxyActivities<FundingActivities>({ ...MUST_LAND, retry: { ...MUST_LAND.retry, nonRetryableErrorTypes: [RoundRejection.InsufficientFunds] } });
// One activity queues a mail for a whole audience (thousands of members) in chunks.
const { queueRoundMail } = proxyActivities<FundingActivities>({ ...MAIL, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });

const FINAL: RoundStatus[] = ['funded', 'failed', 'cancelled'];
const WEEK = 7 * 24 * 3_600_000;

export async function fundingRoundWorkflow(input: FundingRoundInput): Promise<RoundView> {
  if (!patched(PLEDGES_IN_POSTGRES_PATCH)) return legacyFundingRound(input);
  return roundWithPledgesInPostgres(input);
}

async function roundWithPledgesInPostgres(input: FundingRoundInput): Promise<RoundView> {
  const goal = BigInt(input.goal);
  const deadline = Date.parse(input.deadline);
  // A round with an operator opens once the operator's share is held; any other is open at once.
  let status: RoundStatus = input.operator ? 'opening' : 'open';
  let reason: string | null = null;
  let cancel: { actor: string; reason: string } | undefined;
  let payoutApprovedBy: string | undefined;
  let payoutDecisionId: string | null = null;
  let goalReached = false;
  /** The final tally, known once the round has closed. */
  let tally = { total: '0', backers: 0 };
  let seq = 0;
  let paidOut = false;
  /** The outcome is recorded in the database (approve and cancel answer only then). */
  let finished = false;
  const mailing: Array<Promise<unknown>> = [];
  // The coordinator's approval or cancel waits for the outcome. A cancellation through Temporal
  // meanwhile (the UI, a cancelled project) must not fail that wait: the round still goes on to its
  // outcome (gives everything back, or finishes a payout under way), and the caller gets it. Runs
  // started before this patch keep failing the update (their histories say so).
  const updatesOutliveCancel = patched(UPDATES_OUTLIVE_CANCEL_PATCH);
  const untilFinished = () => (updatesOutliveCancel ? CancellationScope.nonCancellable(() => condition(() => finished)) : condition(() => finished));

  const view = (): RoundView => ({
    roundId: input.roundId,
    projectId: input.projectId,
    status,
    goal: input.goal,
    currency: input.currency,
    total: tally.total,
    backers: tally.backers,
    deadline: input.deadline,
    minPledge: input.minPledge,
    closeWhenGoalMet: input.closeWhenGoalMet,
    payoutDecisionId,
    outcomeReason: reason,
  });
  const record = () => recordRoundStatus({ roundId: input.roundId, seq: ++seq, status, reason });
  /** Money moves to the end even if the workflow is cancelled meanwhile: compensation then sees it. */
  const money = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);
  const mail = (kind: QueueRoundMailInput['kind'], audience: QueueRoundMailInput['audience']) =>
    mailing.push(queueRoundMail({ roundId: input.roundId, kind, audience }).catch(() => undefined)); // mail never blocks a round
  /** Runs one settlement step page by page until nothing is left. */
  const settle = async (page: (p: SettleRoundPageInput) => Promise<SettledRoundPage>) => {
    for (let after: string | null = null; ; ) {
      const done: SettledRoundPage = await money(() => page({ roundId: input.roundId, currency: input.currency, after }));
      if (done.count === 0) return;
      after = done.last;
    }
  };
  /** Gives back everything still held or captured, from what the ledger and the pledge rows say. */
  const compensate = async () => {
    await settle(releaseHoldsPage);
    await settle(refundCapturesPage);
  };

  setHandler(getRoundQuery, view);
  setHandler(goalReachedSignal, () => void (goalReached = true));
  setHandler(
    approvePayoutUpdate,
    async ({ actor }) => {
      payoutApprovedBy = actor;
      await untilFinished();
      return view();
    },
    {
      validator: (_req: { actor: string }) => {
        if (status !== 'awaiting-payout' || input.payoutApproval !== 'coordinator' || payoutApprovedBy || cancel) {
          throw ApplicationFailure.nonRetryable(
            input.payoutApproval === 'members' ? "this round's payout is approved by the backers' vote" : `the round is ${status}, not awaiting payout`,
            RoundRejection.NotAwaitingPayout,
          );
        }
      },
    },
  );
  setHandler(
    cancelRoundUpdate,
    async (req) => {
      cancel = req;
      await untilFinished();
      return view();
    },
    {
      validator: (req) => {
        if (!['open', 'awaiting-payout'].includes(status) || cancel || payoutApprovedBy) {
          throw ApplicationFailure.nonRetryable(`the round is ${payoutApprovedBy ? 'being paid out' : status}; it cannot be cancelled`, RoundRejection.NotOpen);
        }
        if (status === 'awaiting-payout' && input.payoutApproval === 'members') {
          throw ApplicationFailure.nonRetryable('the backers are voting on the payout; their vote decides (a rejection refunds everyone)', RoundRejection.NotOpen);
        }
        if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
      },
    },
  );

  /** Ends a round that did not raise its money: every hold (or capture) back, then the outcome. */
  async function giveBack(outcome: 'failed' | 'cancelled', why: string): Promise<void> {
    status = 'releasing';
    await record();
    await compensate();
    status = outcome;
    reason = why;
    await record();
    finished = true;
    mail(outcome, 'backers');
  }

  /** The backers' vote on releasing the money (a child decision among them, resolved in the database). */
  async function backersApprove(): Promise<boolean> {
    const decisionId = uuid4();
    payoutDecisionId = decisionId;
    const vote = await startChild(memberDecisionWorkflow, {
      workflowId: decisionWorkflowId(decisionId),
      args: [
        {
          decisionId,
          kind: 'round-payout',
          subject: { type: 'funding-round', id: input.roundId },
          title: `Release the funds of "${input.projectName}"?`,
          question: `The round for "${input.projectName}" reached its goal. Release the ${tally.total} (${input.currency} minor units) collected to the project?`,
          context: [
            { label: 'Project', value: input.projectName },
            { label: 'Collected', value: `${tally.total} ${input.currency} minor units from ${tally.backers} backers` },
          ],
          options: [
            { id: 'approve', label: 'Release the funds to the project' },
            { id: 'reject', label: 'Refund every backer' },
          ],
          voterIds: [],
          audience: { kind: 'round-backers', roundId: input.roundId },
          deadline: new Date(Date.now() + WEEK).toISOString(),
          remindBeforeMs: [2 * 24 * 3_600_000],
          rule: { kind: 'majority' },
          fallbackOptionId: null,
          requestedBy: 'funding-round',
        },
      ],
    });
    const outcome = await vote.result();
    reason = `backers' vote: ${outcome.reason}`;
    return outcome.status === 'decided' && outcome.optionId === 'approve';
  }

  try {
    await record();
    if (input.operator) {
      try {
        await money(() => placeOperatorPledge({ roundId: input.roundId, memberId: input.operator!.memberId, amount: input.operator!.upfront }));
      } catch (err) {
        const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : String(err);
        status = 'cancelled';
        reason = `the operator's up-front share could not be held: ${cause}`;
        await money(() => closeRound({ roundId: input.roundId, seq: ++seq }));
        await record();
        finished = true;
        await condition(allHandlersFinished);
        return view();
      }
    }
    if (status === 'opening') {
      status = 'open';
      await record();
    }
    mail('opened', 'members');

    // Open until the deadline, a cancellation, or the goal (rounds that close on it).
    const closeNow = () => cancel !== undefined || goalReached;
    for (const before of [...new Set(input.remindBeforeMs)].filter((ms) => ms > 0).sort((a, b) => b - a)) {
      const wait = deadline - before - Date.now();
      if (wait <= 0) continue;
      if (await condition(closeNow, wait)) break;
      mail('reminder', 'not-pledged');
    }
    const remaining = deadline - Date.now();
    if (remaining > 0) await condition(closeNow, remaining);

    // Close for pledges under the round's gate: those in flight land first, none after.
    status = 'closing';
    const closed = await money(() => closeRound({ roundId: input.roundId, seq: ++seq }));
    tally = closed;
    if (cancel || BigInt(closed.total) < goal) {
      await money(() =>
        giveBack(
          cancel ? 'cancelled' : 'failed',
          cancel ? `cancelled by ${cancel.actor}: ${cancel.reason}` : `the goal of ${input.goal} was not reached by the deadline (${closed.total} pledged)`,
        ),
      );
    } else {
      status = 'capturing';
      await record();
      await settle(captureHoldsPage);
      status = 'awaiting-payout';
      await record();

      let approved: boolean;
      if (input.payoutApproval === 'members') {
        approved = await backersApprove();
      } else {
        await condition(() => payoutApprovedBy !== undefined || cancel !== undefined);
        approved = payoutApprovedBy !== undefined;
      }
      if (approved) {
        // Paying out is one step that runs to its end: recorded first, then the money, then the
        // ownership, then the outcome; a cancellation meanwhile changes nothing of it.
        await money(async () => {
          status = 'paying-out';
          await record();
          await payOut({ roundId: input.roundId, projectId: input.projectId, currency: input.currency, amount: tally.total });
          paidOut = true;
          const owners = input.assetId
            ? await assignOwnershipFromPledges({
                roundId: input.roundId,
                assetId: input.assetId,
                operator: input.operator ? { memberId: input.operator.memberId, outputBonusPercent: input.operator.outputBonusPercent } : null,
              })
            : null;
          status = 'funded';
          reason = [payoutApprovedBy ? `payout approved by ${payoutApprovedBy}` : reason, owners && !owners.assigned ? owners.reason : null].filter(Boolean).join('; ') || null;
          await record();
          finished = true;
        });
        mail('funded', 'backers');
      } else {
        await money(() =>
          giveBack(cancel ? 'cancelled' : 'failed', cancel ? `cancelled by ${cancel.actor}: ${cancel.reason}` : `the payout was not approved (${reason ?? 'no decision'})`),
        );
      }
    }
  } catch (err) {
    if (isCancellation(err) && !paidOut && !FINAL.includes(status)) {
      // Cancelled through Temporal (UI, CLI, a cancelled phase): close the round for pledges, then
      // give back whatever is still held or captured, from what was committed.
      await CancellationScope.nonCancellable(async () => {
        tally = await closeRound({ roundId: input.roundId, seq: ++seq });
        status = 'releasing';
        await record();
        await compensate();
        status = 'cancelled';
        reason = 'cancelled through Temporal; every pledge was given back';
        await record();
        finished = true;
      });
    }
    // A waiting approval or cancel answers (with the outcome) before the run ends.
    if (updatesOutliveCancel) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    throw err;
  }
  await Promise.all(mailing);
  await condition(allHandlersFinished);
  return view();
}
