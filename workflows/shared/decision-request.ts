/**
 * Asking members to decide, the same way from every workflow: the `DecisionRequest` of a
 * `memberDecisionWorkflow` child, and the child's start. A workflow says what it asks (the
 * question, the facts, the options, who answers, for how long); the fields every request fills the
 * same way (a fresh id, the deadline from workflow time, no fallback unless one is named) are
 * filled here.
 */
import { startChild, uuid4 } from '@temporalio/workflow';
import { DecisionRequest, decisionWorkflowId } from '../../libs/contracts/src/decision';
import { memberDecisionWorkflow } from '../decision/workflow';

export type DecisionAsk = Omit<DecisionRequest, 'decisionId' | 'voterIds' | 'audience' | 'deadline' | 'fallbackOptionId'> & {
  /** The members asked by id, or an audience the decision resolves in the database when it opens. */
  asked: { memberIds: string[] } | { audience: NonNullable<DecisionRequest['audience']> };
  /** How long the members have to answer, from now (workflow time). */
  answerWithinMs: number;
  /** The option that applies to whoever does not answer; none by default. */
  fallbackOptionId?: string | null;
};

/** The request for one decision, with a fresh id (the workflow's deterministic uuid4). */
export function decisionRequest(ask: DecisionAsk): DecisionRequest {
  return {
    decisionId: uuid4(),
    kind: ask.kind,
    subject: ask.subject,
    title: ask.title,
    question: ask.question,
    context: ask.context,
    options: ask.options,
    voterIds: 'memberIds' in ask.asked ? ask.asked.memberIds : [],
    ...('audience' in ask.asked ? { audience: ask.asked.audience } : {}),
    deadline: new Date(Date.now() + ask.answerWithinMs).toISOString(),
    remindBeforeMs: ask.remindBeforeMs,
    rule: ask.rule,
    fallbackOptionId: ask.fallbackOptionId ?? null,
    requestedBy: ask.requestedBy,
  };
}

/**
 * Starts the decision as a child of the calling workflow (`decision-<id>`). Started inside a
 * cancellation scope, cancelling the scope withdraws the question.
 */
export function askMembers(request: DecisionRequest) {
  return startChild(memberDecisionWorkflow, { workflowId: decisionWorkflowId(request.decisionId), args: [request] });
}
