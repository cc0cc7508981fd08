/**
 * A funding round's state and its message handlers (the pattern of the Temporal samples' state
 * classes). The pledges are not here: they live in PostgreSQL. The handlers take the coordinator's
 * approval or cancellation and the API's `goalReached`, and answer once the outcome is recorded.
 */
import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import {
  approvePayoutUpdate,
  cancelRoundUpdate,
  FundingRoundInput,
  getRoundQuery,
  goalReachedSignal,
  RoundRejection,
  RoundStatus,
  RoundView,
} from '../../libs/contracts/src/funding-round';

export class RoundState {
  readonly goal: bigint;
  readonly deadline: number;
  /** A round with an operator opens once the operator's share is held; any other is open at once. */
  status: RoundStatus;
  reason: string | null = null;
  cancel: { actor: string; reason: string } | undefined;
  payoutApprovedBy: string | undefined;
  payoutDecisionId: string | null = null;
  /** The API closed the round on its goal (rounds that close when it is met). */
  goalReached = false;
  /** The final tally, known once the round has closed. */
  tally = { total: '0', backers: 0 };
  /** Write sequence of the round's status projection. */
  seq = 0;
  paidOut = false;
  /** The outcome is recorded in the database (approve and cancel answer only then). */
  finished = false;
  /** Approval and cancel answer with the outcome even if the run is cancelled meanwhile (patch `2026-12-round-updates-outlive-cancel`). */
  updatesOutliveCancel = false;
  /** Mail queued on its own: a round never waits for mail, only before it ends. */
  readonly mailing: Array<Promise<unknown>> = [];

  constructor(readonly input: FundingRoundInput) {
    this.goal = BigInt(input.goal);
    this.deadline = Date.parse(input.deadline);
    this.status = input.operator ? 'opening' : 'open';
  }

  view(): RoundView {
    const { input } = this;
    return {
      roundId: input.roundId,
      projectId: input.projectId,
      status: this.status,
      goal: input.goal,
      currency: input.currency,
      total: this.tally.total,
      backers: this.tally.backers,
      deadline: input.deadline,
      minPledge: input.minPledge,
      closeWhenGoalMet: input.closeWhenGoalMet,
      payoutDecisionId: this.payoutDecisionId,
      outcomeReason: this.reason,
    };
  }

  /** Until the outcome is recorded (past a cancellation of the run, for runs under the patch). */
  private untilFinished(): Promise<void> {
    const finished = () => condition(() => this.finished);
    return this.updatesOutliveCancel ? CancellationScope.nonCancellable(finished) : finished();
  }

  registerHandlers(): void {
    const { input } = this;
    setHandler(getRoundQuery, () => this.view());
    setHandler(goalReachedSignal, () => void (this.goalReached = true));
    setHandler(
      approvePayoutUpdate,
      async ({ actor }) => {
        this.payoutApprovedBy = actor;
        await this.untilFinished();
        return this.view();
      },
      {
        validator: (_req: { actor: string }) => {
          if (this.status !== 'awaiting-payout' || input.payoutApproval !== 'coordinator' || this.payoutApprovedBy || this.cancel) {
            throw ApplicationFailure.nonRetryable(
              input.payoutApproval === 'members' ? "this round's payout is approved by the backers' vote" : `the round is ${this.status}, not awaiting payout`,
              RoundRejection.NotAwaitingPayout,
            );
          }
        },
      },
    );
    setHandler(
      cancelRoundUpdate,
      async (req) => {
        this.cancel = req;
        await this.untilFinished();
        return this.view();
      },
      {
        validator: (req) => {
          if (!['open', 'awaiting-payout'].includes(this.status) || this.cancel || this.payoutApprovedBy) {
            throw ApplicationFailure.nonRetryable(`the round is ${this.payoutApprovedBy ? 'being paid out' : this.status}; it cannot be cancelled`, RoundRejection.NotOpen);
          }
          if (this.status === 'awaiting-payout' && input.payoutApproval === 'members') {
            throw ApplicationFailure.nonRetryable('the backers are voting on the payout; their vote decides (a rejection refunds everyone)', RoundRejection.NotOpen);
          }
          if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
        },
      },
    );
  }
}
