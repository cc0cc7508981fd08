/**
 * The steps of a funding round (`workflow.ts` tells them in order): hold the operator's share,
 * open, take pledges until the round closes, capture, have the payout approved, pay out, or give
 * everything back. Money steps run to their end even when the round is cancelled meanwhile, and
 * compensation works from what was committed (the ledger and the pledge rows), never from what the
 * workflow believes.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, log, proxyActivities } from '@temporalio/workflow';
import type { FundingActivities } from '../../apps/worker/src/activities/funding.activities';
import { QueueRoundMailInput, RoundRejection, SettledRoundPage, SettleRoundPageInput } from '../../libs/contracts/src/funding-round';
import { finalOn, MAIL, MUST_LAND } from '../shared/activity-options';
import { askMembers, decisionRequest } from '../shared/decision-request';
import { causeOf } from '../shared/failures';
import type { RoundState } from './state';

// Status writes and money already promised must land: retried with backoff, without a limit.
const { recordRoundStatus, closeRound, captureHoldsPage, releaseHoldsPage, refundCapturesPage, payOut: payOutActivity, assignOwnershipFromPledges } =
  proxyActivities<FundingActivities>(MUST_LAND);
// The operator's share: retried until it lands, except when the operator has not the money.
const { placeOperatorPledge } = proxyActivities<FundingActivities>(finalOn(MUST_LAND, RoundRejection.InsufficientFunds));
// One activity queues a mail for a whole audience (thousands of members) in chunks.
const { queueRoundMail } = proxyActivities<FundingActivities>({ ...MAIL, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });

type Tally = RoundState['tally'];

const DAY = 24 * 3_600_000;
const WEEK = 7 * DAY;

/** Projects the round's status; `seq` keeps a slower write from overwriting a newer one. */
export const record = (round: RoundState) => recordRoundStatus({ roundId: round.input.roundId, seq: ++round.seq, status: round.status, reason: round.reason });

/** Money moves to the end even if the workflow is cancelled meanwhile: compensation then sees it. */
export const money = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);

/** Queues a mail to an audience; the round never waits for it (only before it ends). */
function mail(round: RoundState, kind: QueueRoundMailInput['kind'], audience: QueueRoundMailInput['audience']): void {
  round.mailing.push(
    queueRoundMail({ roundId: round.input.roundId, kind, audience }).catch((err: unknown) =>
      // Mail never blocks a round: the mail outbox records what was queued and sent.
      log.warn('the round mail could not be queued after its retries; the round goes on without it', { kind, audience, error: causeOf(err) }),
    ),
  );
}

/** Closes the round for pledges under its gate (those in flight land first, none after); the final tally. */
async function closeForPledges(round: RoundState): Promise<Tally> {
  round.tally = await money(() => closeRound({ roundId: round.input.roundId, seq: ++round.seq }));
  return round.tally;
}

/** Runs one settlement step page by page until nothing is left. */
async function settle(round: RoundState, page: (p: SettleRoundPageInput) => Promise<SettledRoundPage>): Promise<void> {
  const { input } = round;
  for (let after: string | null = null; ; ) {
    const done: SettledRoundPage = await money(() => page({ roundId: input.roundId, currency: input.currency, after }));
    if (done.count === 0) return;
    after = done.last;
  }
}

/** Gives back everything still held or captured, from what the ledger and the pledge rows say. */
async function compensate(round: RoundState): Promise<void> {
  await settle(round, releaseHoldsPage);
  await settle(round, refundCapturesPage);
}

/**
 * Holds the operator's up-front share first (pledges wait: the round is `opening`). False when it
 * could not be held: the round is then closed and recorded cancelled, with the reason.
 */
export async function holdOperatorShare(round: RoundState): Promise<boolean> {
  const { input } = round;
  try {
    await money(() => placeOperatorPledge({ roundId: input.roundId, memberId: input.operator!.memberId, amount: input.operator!.upfront }));
    return true;
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : String(err);
    round.status = 'cancelled';
    round.reason = `the operator's up-front share could not be held: ${cause}`;
    await money(() => closeRound({ roundId: input.roundId, seq: ++round.seq }));
    await record(round);
    round.finished = true;
    return false;
  }
}

/** Opens the round (once the operator's share is in) and tells every member. */
export async function open(round: RoundState): Promise<void> {
  if (round.status === 'opening') {
    round.status = 'open';
    await record(round);
  }
  mail(round, 'opened', 'members');
}

/**
 * Takes pledges (in PostgreSQL, through the API) until the deadline, a cancellation, or the goal of
 * a round that closes on it; reminds those who have not pledged before the deadline. Then closes
 * the round for pledges and returns the final tally.
 */
export async function takePledgesUntilClosed(round: RoundState): Promise<Tally> {
  const { input, deadline } = round;
  const closeNow = () => round.cancel !== undefined || round.goalReached;
  for (const before of [...new Set(input.remindBeforeMs)].filter((ms) => ms > 0).sort((a, b) => b - a)) {
    const wait = deadline - before - Date.now();
    if (wait <= 0) continue;
    if (await condition(closeNow, wait)) break;
    mail(round, 'reminder', 'not-pledged');
  }
  const remaining = deadline - Date.now();
  if (remaining > 0) await condition(closeNow, remaining);
  round.status = 'closing';
  return closeForPledges(round);
}

/** Why a round that did not raise its money ends: cancelled, or the goal missed. */
export const notRaised = (round: RoundState, tally: Tally) =>
  round.cancel ? `cancelled by ${round.cancel.actor}: ${round.cancel.reason}` : `the goal of ${round.input.goal} was not reached by the deadline (${tally.total} pledged)`;

/** Why a round whose payout was not approved ends: cancelled, or the approval's reason. */
export const notApproved = (round: RoundState) =>
  round.cancel ? `cancelled by ${round.cancel.actor}: ${round.cancel.reason}` : `the payout was not approved (${round.reason ?? 'no decision'})`;

/** Ends a round that did not raise (or release) its money: every hold or capture back, then the outcome. */
export async function giveBack(round: RoundState, why: string): Promise<void> {
  const outcome = round.cancel ? 'cancelled' : 'failed';
  await money(async () => {
    round.status = 'releasing';
    await record(round);
    await compensate(round);
    round.status = outcome;
    round.reason = why;
    await record(round);
    round.finished = true;
    mail(round, outcome, 'backers');
  });
}

/** The goal is met: the holds are captured into the round's account, a page at a time. */
export async function capture(round: RoundState): Promise<void> {
  round.status = 'capturing';
  await record(round);
  await settle(round, captureHoldsPage);
  round.status = 'awaiting-payout';
  await record(round);
}

/** The payout waits for approval: the coordinator's, or a vote of the backers. */
export async function payoutApproved(round: RoundState): Promise<boolean> {
  if (round.input.payoutApproval === 'members') return backersApprove(round);
  await condition(() => round.payoutApprovedBy !== undefined || round.cancel !== undefined);
  return round.payoutApprovedBy !== undefined;
}

/** The backers' vote on releasing the money (a child decision among them, resolved in the database). */
async function backersApprove(round: RoundState): Promise<boolean> {
  const { input, tally } = round;
  const request = decisionRequest({
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
    asked: { audience: { kind: 'round-backers', roundId: input.roundId } },
    answerWithinMs: WEEK,
    remindBeforeMs: [2 * DAY],
    rule: { kind: 'majority' },
    requestedBy: 'funding-round',
  });
  round.payoutDecisionId = request.decisionId;
  const vote = await askMembers(request);
  const outcome = await vote.result();
  round.reason = `backers' vote: ${outcome.reason}`;
  return outcome.status === 'decided' && outcome.optionId === 'approve';
}

/**
 * Approved: one step that runs to its end (recorded first, then the money to the project's account,
 * then, for a round that buys an asset, the backers' ownership table, then the outcome); a
 * cancellation meanwhile changes nothing of it. The backers are told.
 */
export async function payOut(round: RoundState): Promise<void> {
  const { input } = round;
  await money(async () => {
    round.status = 'paying-out';
    await record(round);
    await payOutActivity({ roundId: input.roundId, projectId: input.projectId, currency: input.currency, amount: round.tally.total });
    round.paidOut = true;
    const owners = input.assetId
      ? await assignOwnershipFromPledges({
          roundId: input.roundId,
          assetId: input.assetId,
          operator: input.operator ? { memberId: input.operator.memberId, outputBonusPercent: input.operator.outputBonusPercent } : null,
        })
      : null;
    round.status = 'funded';
    round.reason = [round.payoutApprovedBy ? `payout approved by ${round.payoutApprovedBy}` : round.reason, owners && !owners.assigned ? owners.reason : null].filter(Boolean).join('; ') || null;
    await record(round);
    round.finished = true;
  });
  mail(round, 'funded', 'backers');
}

/**
 * Cancelled through Temporal (UI, CLI, a cancelled phase): close the round for pledges, then give
 * back whatever is still held or captured, from what was committed.
 */
export async function cancelledThroughTemporal(round: RoundState): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    round.tally = await closeRound({ roundId: round.input.roundId, seq: ++round.seq });
    round.status = 'releasing';
    await record(round);
    await compensate(round);
    round.status = 'cancelled';
    round.reason = 'cancelled through Temporal; every pledge was given back';
    await record(round);
    round.finished = true;
  });
}
