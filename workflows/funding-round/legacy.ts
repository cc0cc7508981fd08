/**
 * The funding round as it ran before pledges moved to PostgreSQL (rounds started before the
 * `2026-12-pledges-in-postgres` patch): every pledge an Update of the workflow, which held the
 * pledges and projected them. Kept unchanged so that those runs replay and finish; new rounds run
 * `workflow.ts`. Delete once no such run is open (then remove the patch; see README).
 *
 * Open: members pledge through the `pledge` update (raise, lower or withdraw until it closes);
 * each change moves money between the member's account and the round's escrow account (a hold),
 * under a ledger key unique to that change, so a retried activity moves nothing twice.
 * Close (at the deadline, or when the goal is reached if the round says so): capture or release,
 * payout on approval, refunds otherwise.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
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
  PledgeRequest,
  pledgeUpdate,
  RoundRejection,
  RoundStatus,
  RoundView,
  SendRoundMailInput,
} from '../../libs/contracts/src/funding-round';
import { memberDecisionWorkflow } from '../decision/workflow';
import { MAIL, MUST_LAND } from '../shared/activity-options';
import { causeOf } from '../shared/failures';

const { moveHold } = proxyActivities<FundingActivities>({
  startToCloseTimeout: '30 seconds',
  // Retried until it lands (the key makes a retry after a commit harmless): giving up could leave
  // money held that the workflow does not know about. Only a refusal for want of money stops it.
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: [RoundRejection.InsufficientFunds] },
});

// Money already promised must move: retried without a limit.
const { recordRound, captureHold, releaseHold, refundCapture, payOut, assignRoundOwnership, roundAudience } = proxyActivities<FundingActivities>(MUST_LAND);
const { sendRoundMail } = proxyActivities<FundingActivities>(MAIL);

const FINAL: RoundStatus[] = ['funded', 'failed', 'cancelled'];

export async function legacyFundingRound(input: FundingRoundInput): Promise<RoundView> {
  const goal = BigInt(input.goal);
  const minPledge = BigInt(input.minPledge);
  const deadline = Date.parse(input.deadline);
  const pledges: Record<string, bigint> = {};
  const seqs: Record<string, number> = {};
  const busy = new Set<string>();
  // 'opening' until the operator's up-front share is held: pledges are refused until then.
  let status: RoundStatus = 'opening';
  let reason: string | null = null;
  let cancel: { actor: string; reason: string } | undefined;
  let payoutApprovedBy: string | undefined;
  let payoutDecisionId: string | null = null;
  /** Backers whose hold has moved into the round's account (refund, not release, gives it back). */
  const captured = new Set<string>();
  let paidOut = false;
  const mailing: Array<Promise<unknown>> = [];

  const total = () => Object.values(pledges).reduce((a, b) => a + b, 0n);
  const backers = () => Object.keys(pledges).sort();
  const pledgeLines = () => backers().map((memberId) => ({ memberId, amount: String(pledges[memberId]) }));
  const view = (): RoundView => ({
    roundId: input.roundId,
    projectId: input.projectId,
    status,
    goal: input.goal,
    currency: input.currency,
    total: String(total()),
    backers: backers().length,
    deadline: input.deadline,
    minPledge: input.minPledge,
    closeWhenGoalMet: input.closeWhenGoalMet,
    pledges: pledgeLines(),
    payoutDecisionId,
    outcomeReason: reason,
  });
  const record = () =>
    recordRound({ roundId: input.roundId, status, total: String(total()), backers: backers().length, pledges: pledgeLines(), reason });
  const mail = (kind: SendRoundMailInput['kind'], memberIds: string[]) =>
    Promise.allSettled(memberIds.map((memberId) => sendRoundMail({ roundId: input.roundId, memberId, kind }))).then((sent) => {
      // Mail never blocks a round: those not sent after their retries are only logged.
      const failed = sent.flatMap((r, i) => (r.status === 'rejected' ? [{ memberId: memberIds[i], error: causeOf(r.reason) }] : []));
      if (failed.length) log.warn(`round mail not sent to ${failed.length} of ${memberIds.length} members after its retries; the round goes on`, { kind, first: failed.slice(0, 10) });
    });

  /** Moves one member's hold to `target`; throws a typed failure the API turns into a 4xx. */
  async function setPledge(memberId: string, target: bigint): Promise<void> {
    const delta = target - (pledges[memberId] ?? 0n);
    if (delta === 0n) return;
    seqs[memberId] = (seqs[memberId] ?? 0) + 1;
    try {
      await moveHold({ roundId: input.roundId, memberId, currency: input.currency, delta: String(delta), seq: seqs[memberId] });
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === RoundRejection.InsufficientFunds) {
        throw ApplicationFailure.nonRetryable(err.cause.message, RoundRejection.InsufficientFunds);
      }
      throw err;
    }
    if (target === 0n) delete pledges[memberId];
    else pledges[memberId] = target;
  }

  setHandler(getRoundQuery, view);
  setHandler(
    pledgeUpdate,
    async (req: PledgeRequest) => {
      // Pledges made while the round opens wait for the operator's share to be in first.
      await condition(() => status !== 'opening');
      // One change per member at a time; different members pledge concurrently. Several waiters
      // can wake in the same activation: each checks again before it takes the member's turn.
      while (busy.has(req.memberId)) await condition(() => !busy.has(req.memberId));
      busy.add(req.memberId);
      try {
        if (status !== 'open') throw ApplicationFailure.nonRetryable(`the round is ${status}`, RoundRejection.NotOpen);
        await setPledge(req.memberId, BigInt(req.amount));
      } finally {
        busy.delete(req.memberId);
      }
      return view();
    },
    {
      validator: (req: PledgeRequest) => {
        if (!['opening', 'open'].includes(status) || Date.now() >= deadline) {
          throw ApplicationFailure.nonRetryable(`the round is ${status === 'open' ? 'past its deadline' : status}`, RoundRejection.NotOpen);
        }
        if (!/^(0|[1-9]\d{0,17})$/.test(req.amount)) throw ApplicationFailure.nonRetryable('amount must be a whole number of minor units', RoundRejection.InvalidAmount);
        const amount = BigInt(req.amount);
        if (amount !== 0n && amount < minPledge) {
          throw ApplicationFailure.nonRetryable(`the minimum pledge is ${input.minPledge} minor units`, RoundRejection.BelowMinimum);
        }
        if (input.operator && req.memberId === input.operator.memberId && amount < BigInt(input.operator.upfront)) {
          throw ApplicationFailure.nonRetryable(`the operator's pledge cannot go below the up-front ${input.operator.upfront}`, RoundRejection.BelowMinimum);
        }
      },
    },
  );
  setHandler(
    approvePayoutUpdate,
    async ({ actor }) => {
      payoutApprovedBy = actor;
      await condition(() => FINAL.includes(status));
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
      await condition(() => FINAL.includes(status));
      return view();
    },
    {
      validator: (req) => {
        if (!['open', 'awaiting-payout'].includes(status) || cancel || payoutApprovedBy) {
          throw ApplicationFailure.nonRetryable(`the round is ${payoutApprovedBy ? 'being paid out' : status}; it cannot be cancelled`, RoundRejection.NotOpen);
        }
        if (status === 'awaiting-payout' && input.payoutApproval === 'members') {
          throw ApplicationFailure.nonRetryable("the backers are voting on the payout; their vote decides (a rejection refunds everyone)", RoundRejection.NotOpen);
        }
        if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
      },
    },
  );

  /** Gives back everything still held or captured (never what was already paid out). */
  async function compensate(): Promise<void> {
    for (const memberId of backers()) {
      const move = captured.has(memberId) ? refundCapture : releaseHold;
      await move({ roundId: input.roundId, memberId, currency: input.currency, amount: String(pledges[memberId]) });
    }
  }

  try {
    await record();
    const audience = await roundAudience({ roundId: input.roundId });
    if (input.operator) {
      // Pledges wait for this (status 'opening'): the operator's share is in before anyone else's.
      try {
        await setPledge(input.operator.memberId, BigInt(input.operator.upfront));
      } catch (err) {
        status = 'cancelled';
        reason = `the operator's up-front share could not be held: ${err instanceof Error ? err.message : String(err)}`;
        await record();
        await condition(allHandlersFinished);
        return view();
      }
    }
    status = 'open';
    await record();
    mailing.push(mail('opened', audience));

    // Open until the deadline, the goal (if the round closes on it) or a cancellation.
    const closeNow = () => cancel !== undefined || (input.closeWhenGoalMet && total() >= goal);
    for (const before of [...new Set(input.remindBeforeMs)].filter((ms) => ms > 0).sort((a, b) => b - a)) {
      const wait = deadline - before - Date.now();
      if (wait <= 0) continue;
      if (await condition(closeNow, wait)) break;
      mailing.push(mail('reminder', audience.filter((m) => pledges[m] === undefined)));
    }
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining > 0) await condition(closeNow, remaining);
      // Closing: no new pledge is accepted; those in flight finish first.
      status = 'closing';
      await condition(() => busy.size === 0);
      // A withdrawal in flight may have taken the total back under the goal before the deadline.
      if (cancel || total() >= goal || Date.now() >= deadline) break;
      status = 'open';
    }
    const funded = !cancel && total() >= goal;
    const final = backers().map((memberId) => ({ memberId, amount: pledges[memberId] }));

    if (!funded) {
      status = 'releasing';
      await record();
      await compensate();
      status = cancel ? 'cancelled' : 'failed';
      reason = cancel ? `cancelled by ${cancel.actor}: ${cancel.reason}` : `the goal of ${input.goal} was not reached by the deadline (${total()} pledged)`;
      await record();
      mailing.push(mail(cancel ? 'cancelled' : 'failed', final.map((p) => p.memberId)));
    } else {
      status = 'capturing';
      await record();
      for (const p of final) {
        await captureHold({ roundId: input.roundId, memberId: p.memberId, currency: input.currency, amount: String(p.amount) });
        captured.add(p.memberId);
      }
      status = 'awaiting-payout';
      await record();

      let approved: boolean;
      if (input.payoutApproval === 'members') {
        // The backers decide; the coordinator cannot cancel or approve meanwhile (validators).
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
              question: `The round for "${input.projectName}" reached its goal. Release the ${String(total())} (${input.currency} minor units) collected to the project?`,
              context: [
                { label: 'Project', value: input.projectName },
                { label: 'Collected', value: `${String(total())} ${input.currency} minor units from ${final.length} backers` },
              ],
              options: [
                { id: 'approve', label: 'Release the funds to the project' },
                { id: 'reject', label: 'Refund every backer' },
              ],
              voterIds: final.map((p) => p.memberId),
              deadline: new Date(Date.now() + 7 * 24 * 3_600_000).toISOString(),
              remindBeforeMs: [2 * 24 * 3_600_000],
              rule: { kind: 'majority' },
              fallbackOptionId: null,
              requestedBy: 'funding-round',
            },
          ],
        });
        const outcome = await vote.result();
        approved = outcome.status === 'decided' && outcome.optionId === 'approve';
        reason = `backers' vote: ${outcome.reason}`;
      } else {
        await condition(() => payoutApprovedBy !== undefined || cancel !== undefined);
        approved = payoutApprovedBy !== undefined;
      }

      if (approved) {
        status = 'paying-out';
        await payOut({ roundId: input.roundId, projectId: input.projectId, currency: input.currency, amount: String(total()) });
        paidOut = true;
        if (input.assetId) {
          await assignRoundOwnership({
            roundId: input.roundId,
            assetId: input.assetId,
            contributions: final.map((p) => ({ memberId: p.memberId, amount: String(p.amount) })),
            operator: input.operator ? { memberId: input.operator.memberId, outputBonusPercent: input.operator.outputBonusPercent } : null,
          });
        }
        status = 'funded';
        reason = payoutApprovedBy ? `payout approved by ${payoutApprovedBy}` : reason;
        await record();
        mailing.push(mail('funded', final.map((p) => p.memberId)));
      } else {
        status = 'releasing';
        await record();
        await compensate();
        status = cancel ? 'cancelled' : 'failed';
        reason = cancel ? `cancelled by ${cancel.actor}: ${cancel.reason}` : `the payout was not approved (${reason ?? 'no decision'})`;
        await record();
        mailing.push(mail(cancel ? 'cancelled' : 'failed', final.map((p) => p.memberId)));
      }
    }
  } catch (err) {
    if (isCancellation(err) && !paidOut) {
      // Cancelled through Temporal (UI, CLI): give every hold and capture back before it stands.
      await CancellationScope.nonCancellable(async () => {
        await condition(() => busy.size === 0);
        status = 'releasing';
        await record();
        await compensate();
        status = 'cancelled';
        reason = 'cancelled through Temporal; every pledge was given back';
        await record();
      });
    }
    throw err;
  }
  await Promise.all(mailing);
  await condition(allHandlersFinished);
  return view();
}
