import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { answerDecisionUpdate, DecisionRejection, DecisionView } from '@app/contracts';
import { DecisionEntity, DecisionsRepository, DecisionVoterEntity, MemberEntity } from '@app/db';
import { ProblemException, Problems } from '../common/problem';
import { isWorkflowClosed } from '../common/workflow-calls';

const UPDATE_TIMEOUT_MS = 30_000;

export interface AnswerCommand {
  decisionId: string;
  member: MemberEntity;
  optionId: string;
  comment?: string;
  via: 'link' | 'api';
}

/**
 * Answers a decision for a member: the `answerDecision` update of `decision-<id>`. The update id
 * is `answer:<member>`, so a double click, a retried request or the same answer through the page
 * and the API is applied once. Answers are final: another option afterwards is a 409.
 */
@Injectable()
export class DecisionsService {
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
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        switch (err.cause.type) {
          case DecisionRejection.Closed:
            // Closed already: if this member's answer is on record, the request is a harmless repeat.
            return this.afterClose(decision, cmd);
          case DecisionRejection.AlreadyAnswered:
            throw new ProblemException(409, 'already_answered', err.cause.message);
          case DecisionRejection.NotAsked:
            throw Problems.notFound('decision', decision.id);
          case DecisionRejection.UnknownOption:
            throw Problems.badRequest('option', err.cause.message);
        }
      }
      // Any other failed update (e.g. the decision was withdrawn while answering): it is closed.
      if (err instanceof WorkflowUpdateFailedError) return this.afterClose(decision, cmd);
      if (isWorkflowClosed(err)) return this.afterClose(decision, cmd);
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new ProblemException(504, 'workflow_timeout', 'the decision did not confirm in time; send the same answer again to get its outcome');
      }
      throw err;
    }
    const mine = view.answers.find((a) => a.memberId === cmd.member.id);
    // The same update id returns the first answer: a different option now is a change, refused.
    if (mine && mine.optionId !== cmd.optionId) throw alreadyAnswered(mine.optionId);
    return { decision, view };
  }

  /** The decision has closed: a repeat of the member's recorded answer is fine, anything else is late. */
  private async afterClose(decision: DecisionEntity, cmd: AnswerCommand): Promise<{ decision: DecisionEntity; view: DecisionView }> {
    const fresh = (await this.decisions.findById(decision.id)) ?? decision;
    const voter = await this.decisions.findVoter(decision.id, cmd.member.id);
    if (voter?.optionId === cmd.optionId) {
      const voters = await this.decisions.voters(decision.id);
      return {
        decision: fresh,
        view: {
          decisionId: fresh.id,
          status: fresh.status,
          deadline: fresh.deadline.toISOString(),
          asked: voters.length,
          answered: voters.filter((v) => v.optionId !== null).length,
          answers: voters
            .filter((v) => v.optionId !== null)
            .map((v) => ({ memberId: v.memberId, optionId: v.optionId!, comment: v.comment, via: v.via ?? 'api', answeredAt: v.answeredAt!.toISOString() })),
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

function closed(d: DecisionEntity): ProblemException {
  return new ProblemException(409, 'decision_closed', `the decision closed (${d.status === 'open' ? 'deadline passed' : d.status}); answers are no longer taken`);
}
