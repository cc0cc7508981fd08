/**
 * A decision's state (the pattern of the Temporal samples' state classes): what the query shows,
 * whether the outcome became certain before the deadline, and the mail queued so far. Answers are
 * not here: they are rows in PostgreSQL, written by the API.
 */
import { setHandler } from '@temporalio/workflow';
import { decisionCertainSignal, DecisionOutcome, DecisionRequest, DecisionStatus, DecisionView, getDecisionQuery } from '../../libs/contracts/src/decision';

export class DecisionState {
  readonly deadline: number;
  status: DecisionStatus = 'open';
  outcome: DecisionOutcome | null = null;
  /** Members asked (the request's list until the ballot opens, then as resolved in the database). */
  asked: number;
  /** Members who answered, known once the box is closed and counted. */
  answered = 0;
  /** The API (or a reminder round) found the outcome certain: close now. */
  certain = false;
  /** The prompt and reminder rounds being queued; the outcome mail waits for them, so it comes last. */
  readonly mailing: Array<Promise<void>> = [];

  constructor(readonly req: DecisionRequest) {
    this.deadline = Date.parse(req.deadline);
    this.asked = req.voterIds.length;
  }

  registerHandlers(): void {
    const { req } = this;
    setHandler(decisionCertainSignal, () => {
      this.certain = true;
    });
    setHandler(
      getDecisionQuery,
      (): DecisionView => ({ decisionId: req.decisionId, status: this.status, deadline: req.deadline, asked: this.asked, answered: this.answered, answers: [], outcome: this.outcome }),
    );
  }
}
