/**
 * Contracts of member decisions: the one mechanism every workflow uses to ask members a question
 * and wait, durably, for their answers (a phase-gate vote, a delivery confirmation, an order).
 *
 * A workflow starts `memberDecisionWorkflow` as a child with a `DecisionRequest` and gets a typed
 * `DecisionOutcome` back. Members answer through a signed link in their email or through the
 * member API; both become the `answerDecision` update of the decision's own workflow.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RefusalTable } from './failures';

export interface DecisionOption {
  /** Stable machine id, e.g. `approve`. Lower-case letters, digits and dashes. */
  id: string;
  /** What the member reads, e.g. `Approve: move to prototyping`. */
  label: string;
}

/**
 * How the answers become an outcome.
 * - `majority`: the option chosen by more than half of the votes cast wins.
 * - `quorum`: like `majority`, but only if at least `quorumPercent` % of the members asked voted.
 * - `unanimity`: every member asked must choose the same option.
 * - `each`: no common outcome; every member answers for themselves (a delivery confirmation).
 * One member, one vote: the cooperative rule. Answers are final once given (see docs/architecture.md).
 */
export type DecisionRule =
  | { kind: 'majority' }
  | { kind: 'quorum'; quorumPercent: number }
  | { kind: 'unanimity' }
  | { kind: 'each' };
export type DecisionRuleKind = DecisionRule['kind'];
export const DECISION_RULE_KINDS: readonly DecisionRuleKind[] = ['majority', 'quorum', 'unanimity', 'each'];

/** What the decision is about: lets the API and the page link back to it. */
export interface DecisionSubject {
  type: 'project' | 'funding-round' | 'delivery' | 'order';
  id: string;
}

export interface DecisionRequest {
  /** UUID; the workflow id is `decision-<decisionId>`. */
  decisionId: string;
  /** What kind of decision, for listing and mail wording, e.g. `phase-gate`. */
  kind: string;
  subject: DecisionSubject;
  /** Short, used as the email subject. */
  title: string;
  question: string;
  /** Facts the member needs to decide, shown as a list on the page and in the email. */
  context: Array<{ label: string; value: string }>;
  options: DecisionOption[];
  /** The members asked (ids), each once. Empty when `audience` names them. */
  voterIds: string[];
  /**
   * The members asked, resolved in the database when the decision opens (so that thousands of ids
   * never travel through workflow histories): the backers of a round (pledge above 0), the member
   * owners of an asset, or the funders of a project.
   */
  audience?: { kind: 'round-backers'; roundId: string } | { kind: 'asset-owners'; assetId: string } | { kind: 'project-funders'; projectId: string };
  /** ISO-8601: no answer is taken after it. */
  deadline: string;
  /** Reminder offsets before the deadline in milliseconds, e.g. [2 days, 2 hours]. */
  remindBeforeMs: number[];
  rule: DecisionRule;
  /**
   * What happens when nobody decides by the deadline: the option that then applies (status
   * `defaulted`; for `each`, to every member who did not answer), or null (status `undecided`,
   * and the caller decides what that means).
   */
  fallbackOptionId: string | null;
  /** Who asked (recorded with the decision). */
  requestedBy: string;
}

export interface DecisionAnswer {
  memberId: string;
  optionId: string;
  comment: string | null;
  /** Where it came from: the emailed link or the member API. */
  via: 'link' | 'api';
  /** ISO-8601, workflow time. */
  answeredAt: string;
}

export type DecisionStatus = 'open' | 'decided' | 'defaulted' | 'undecided' | 'cancelled';

export interface DecisionOutcome {
  decisionId: string;
  status: Exclude<DecisionStatus, 'open'>;
  /** The option that carries the decision (vote rules), or null (`each`, `undecided`, `cancelled`). */
  optionId: string | null;
  /** One line a person can read, e.g. "2 of 3 members voted; approve has 2 of 2 votes". */
  reason: string;
  /** Votes per option id (every option present, zero included). */
  tally: Record<string, number>;
  asked: number;
  answered: number;
  /** Per member: the answer given (with its comment), or the fallback applied (`defaulted: true`), or null. */
  perMember: Array<{ memberId: string; optionId: string | null; defaulted: boolean; comment?: string | null }>;
  closedAt: string;
}

/** What `getDecisionQuery` and a successful answer return. */
export interface DecisionView {
  decisionId: string;
  status: DecisionStatus;
  deadline: string;
  asked: number;
  answered: number;
  answers: DecisionAnswer[];
  outcome: DecisionOutcome | null;
}

export interface AnswerDecisionRequest {
  memberId: string;
  optionId: string;
  comment?: string;
  via: 'link' | 'api';
}

/** Rejection types of `answerDecision` (ApplicationFailure.type); the API maps them to 4xx. */
export const DecisionRejection = {
  Closed: 'DecisionClosed',
  NotAsked: 'DecisionNotAsked',
  UnknownOption: 'DecisionUnknownOption',
  AlreadyAnswered: 'DecisionAlreadyAnswered',
} as const;

/** The API's answer to each refusal of an answer (a repeat of the member's own answer is not an error). */
export const DecisionRefusals: RefusalTable<typeof DecisionRejection> = {
  [DecisionRejection.Closed]: { status: 409, code: 'decision_closed' },
  [DecisionRejection.NotAsked]: { status: 404, code: 'not_found' },
  [DecisionRejection.UnknownOption]: { status: 400, code: 'validation_failed', field: 'option' },
  [DecisionRejection.AlreadyAnswered]: { status: 409, code: 'already_answered' },
};


export function decisionWorkflowId(decisionId: string): string {
  return `decision-${decisionId}`;
}

/** The workflow type name, stored in history: never rename the function it names. */
export const MEMBER_DECISION_WORKFLOW_TYPE = 'memberDecisionWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const answerDecisionUpdate = defineUpdate<DecisionView, [AnswerDecisionRequest]>('answerDecision');
export const getDecisionQuery = defineQuery<DecisionView>('getDecision');

/** Which email a `sendDecisionMail` activity sends. `round` numbers reminders (1, 2, ...). */
export interface SendDecisionMailInput {
  decisionId: string;
  memberId: string;
  kind: 'prompt' | 'reminder' | 'outcome';
  round?: number;
}
