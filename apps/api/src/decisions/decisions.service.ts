import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { answerDecisionUpdate, decisionCertainSignal, DecisionRefusals, DecisionRejection, DecisionView } from '@app/contracts';
import { DecisionEntity, DecisionsRepository, DecisionVoterEntity, MemberEntity } from '@app/db';
import { ProblemException, Problems } from '../common/problem';
import { isWorkflowClosed, refusalOf, refusalProblem, workflowCallProblem } from '../common/workflow-calls';
import { unstorableText } from './storable-text';

const UPDATE_TIMEOUT_MS = 30_000;
const SIGNAL_TIMEOUT_MS = 5_000;

export interface AnswerCommand {
  decisionId: string;
  member: MemberEntity;
  optionId: string;
  comment?: string;
  via: 'link' | 'api';
}

/**
 * Answers a decision for a member. Decisions that keep their answers in the database (every one
 * opened by the current code; `answers_in` on the row): one transaction under the decision row's
 * lock (DecisionsRepository.answer), and when that answer makes the outcome certain, one signal
 * to the workflow so it closes now. Older decisions: the `answerDecision` update of
 * `decision-<id>`, with update id `answer:<member>`. Either way a double click, a retried request
 * or the same answer through the page and the API is applied once; answers are final (another
 * option afterwards is a 409 `already_answered`); a closed decision or a passed deadline is a
 * 409 `decision_closed`; text PostgreSQL cannot store is a 400 before anything is written.
 */
@Injectable()
export class DecisionsService {
  private readonly logger = new Logger(DecisionsService.name);

  constructor(
    private readonly decisions: DecisionsRepository,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  /** The decision and the member's place in it; 404 when the member was not asked. */
  async forMember(decisionId: string, memberId: string): Promise<{ decision: DecisionEntity; voter: DecisionVoterEntity }> {
    const [decision, voter] = await Promise.all([this.decisions.findById(decisionId), this.decisions.findVoter(decisionId, memberId)]);
    if (!decision || !voter) throw Problems.notFound('decision', decisionId);
    return { decision, voter };
  }

  async answer(cmd: AnswerCommand): Promise<{ decision: DecisionEntity; view: DecisionView }> {
    const { decision, voter } = await this.forMember(cmd.decisionId, cmd.member.id);
    if (cmd.member.status !== 'active') throw new ProblemException(403, 'member_suspended', 'this member is suspended and cannot answer');
    if (cmd.comment !== undefined && unstorableText(cmd.comment)) {
      throw Problems.badRequest('comment', 'the comment contains characters that cannot be stored (a NUL byte or a broken surrogate pair); remove them and send again');
    }
    if (decision.answersIn === 'database') return this.answerInDatabase(decision, cmd);
    if (!decision.options.some((o) => o.id === cmd.optionId)) {
      throw new ProblemException(400, 'validation_failed', `unknown option ${cmd.optionId}`, [
        { field: 'option', code: 'unknownOption', message: `choose one of ${decision.options.map((o) => o.id).join(', ')}` },
      ]);
    }
    if (voter.optionId !== null && voter.optionId !== cmd.optionId) throw alreadyAnswered(voter.optionId);
    if ((decision.status !== 'open' || decision.deadline.getTime() <= Date.now()) && voter.optionId === null) throw closed(decision);

    let view: DecisionView;
    try {
      view = await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(decision.workflowId).executeUpdate(answerDecisionUpdate, {
          args: [{ memberId: cmd.member.id, optionId: cmd.optionId, comment: cmd.comment, via: cmd.via }],
          updateId: `answer:${cmd.member.id}`,
        }),
      );
    } catch (err) {
      // A refusal of the decision's own (already answered, not asked, unknown option): by its table.
      const refusal = refusalOf(err);
      const refused = refusal && refusal.type !== DecisionRejection.Closed ? refusalProblem(refusal.type, refusal.message, DecisionRefusals) : null;
      if (refused) throw refused;
      // Closed already, the run has ended, or the update failed any other way (e.g. the decision
      // was withdrawn while answering): if this member's answer is on record, the request is a
      // harmless repeat; otherwise it came too late.
      if (err instanceof WorkflowUpdateFailedError || isWorkflowClosed(err)) return this.afterClose(decision, cmd);
      throw workflowCallProblem(err, {
        closed: () => closed(decision),
        retry: 'the decision did not confirm in time; send the same answer again to get its outcome',
      });
    }
    const mine = view.answers.find((a) => a.memberId === cmd.member.id);
    // The same update id returns the first answer: a different option now is a change, refused.
    if (mine && mine.optionId !== cmd.optionId) throw alreadyAnswered(mine.optionId);
    return { decision, view: { ...view, answers: mine ? [mine] : [] } };
  }

  private async answerInDatabase(decision: DecisionEntity, cmd: AnswerCommand): Promise<{ decision: DecisionEntity; view: DecisionView }> {
    const r = await this.decisions.answer({ decisionId: decision.id, memberId: cmd.member.id, optionId: cmd.optionId, comment: cmd.comment ?? null, via: cmd.via });
    switch (r.kind) {
      case 'not-asked':
        throw Problems.notFound('decision', decision.id);
      case 'unknown-option':
        throw new ProblemException(400, 'validation_failed', `unknown option ${cmd.optionId}`, [
          { field: 'option', code: 'unknownOption', message: `choose one of ${r.optionIds.join(', ')}` },
        ]);
      case 'changed':
        throw alreadyAnswered(r.optionId);
      case 'closed':
        throw closed({ ...decision, status: r.status });
      case 'recorded':
        if (r.certain) await this.tellWorkflowItIsCertain(decision);
        break;
      case 'repeat':
        break;
    }
    const [fresh, voter] = await Promise.all([this.decisions.findById(decision.id), this.decisions.findVoter(decision.id, cmd.member.id)]);
    const d = fresh ?? decision;
    return {
      decision: d,
      view: {
        decisionId: d.id,
        status: d.status,
        deadline: d.deadline.toISOString(),
        asked: d.asked,
        answered: d.answered,
        answers: voter?.optionId ? [{ memberId: voter.memberId, optionId: voter.optionId, comment: voter.comment, via: voter.via ?? cmd.via, answeredAt: voter.answeredAt!.toISOString() }] : [],
        outcome: d.outcome,
      },
    };
  }

  /**
   * The one signal of a decision: this answer made its outcome certain (the row is `closing`, so no
   * other answer can send it). If Temporal cannot be reached the answer still stands; the
   * workflow then learns it at its next reminder round (which finds the row `closing`) or at the
   * deadline, and decides the same (an outcome certain early is the outcome at the deadline).
   */
  private async tellWorkflowItIsCertain(decision: DecisionEntity): Promise<void> {
    try {
      await this.temporal.withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () => this.temporal.workflow.getHandle(decision.workflowId).signal(decisionCertainSignal));
    } catch (err) {
      this.logger.warn(`decision ${decision.id} is certain but its workflow could not be told now (${err instanceof Error ? err.message : String(err)}); it closes at its next reminder or deadline`);
    }
  }

  /** The decision has closed: a repeat of the member's recorded answer is fine, anything else is late. */
  private async afterClose(decision: DecisionEntity, cmd: AnswerCommand): Promise<{ decision: DecisionEntity; view: DecisionView }> {
    const fresh = (await this.decisions.findById(decision.id)) ?? decision;
    const voter = await this.decisions.findVoter(decision.id, cmd.member.id);
    if (voter?.optionId === cmd.optionId) {
      const counts = await this.decisions.counts(decision.id);
      return {
        decision: fresh,
        view: {
          decisionId: fresh.id,
          status: fresh.status,
          deadline: fresh.deadline.toISOString(),
          asked: counts.asked,
          answered: counts.answered,
          answers: [{ memberId: voter.memberId, optionId: voter.optionId, comment: voter.comment, via: voter.via ?? 'api', answeredAt: voter.answeredAt!.toISOString() }],
          outcome: fresh.outcome,
        },
      };
    }
    if (voter?.optionId) throw alreadyAnswered(voter.optionId);
    throw closed(fresh);
  }
}

function alreadyAnswered(optionId: string): ProblemException {
  return new ProblemException(409, 'already_answered', `you already answered ${optionId}; answers are final`);
}

function closed(d: Pick<DecisionEntity, 'status'>): ProblemException {
  const why = d.status === 'open' ? 'deadline passed' : d.status === 'closing' ? 'its outcome is certain' : d.status;
  return new ProblemException(409, 'decision_closed', `the decision closed (${why}); answers are no longer taken`);
}
