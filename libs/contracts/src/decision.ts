/**
 * Contracts of member decisions: the one mechanism every workflow uses to ask members a question
 * and wait, durably, for their answers (a phase-gate vote, a delivery confirmation, an order).
 *
 * A workflow starts `memberDecisionWorkflow` as a child with a `DecisionRequest` and gets a typed
 * `DecisionOutcome` back. Members answer through a signed link in their email or through the
 * member API. Decisions opened by the current code keep their answers in PostgreSQL: each answer
 * is one transaction made by the API (`answers_in = 'database'` on the decision row), and the
 * workflow keeps the lifecycle (prompt, reminders, close, outcome). Decisions opened before that
 * (`answers_in = 'workflow'`) still take answers as the `answerDecision` update of their workflow.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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

/**
 * Who is asked, resolved in PostgreSQL when the decision opens (so that the list never passes
 * through a workflow history): the members with a pledge above zero in the round, the members
 * who own parts of the asset, or the members who funded the project. Only active members.
 */
export type DecisionAudience =
  | { kind: 'round-backers'; roundId: string }
  | { kind: 'asset-owners'; assetId: string }
  | { kind: 'project-funders'; projectId: string };

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
  /**
   * The members asked (ids), each once: for a few members (a delivery's recipient). Empty when
   * `audience` names them; the two are added together otherwise.
   */
  voterIds: string[];
  /**
   * The members asked, resolved in the database when the decision opens (so that thousands of ids
   * never travel through workflow histories): for many members.
   */
  audience?: DecisionAudience;
  /** ISO-8601: no answer is taken after it. */
  deadline: string;
  /** Reminder offsets before the deadline in milliseconds, e.g. [2 days, 2 hours]; at most MAX_DECISION_REMINDERS are sent. */
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

/**
 * `closing`: the outcome is certain (or the deadline has passed) and is being recorded; no answer
 * is taken any more. Only decisions that keep their answers in the database pass through it.
 */
export type DecisionStatus = 'open' | 'closing' | 'decided' | 'defaulted' | 'undecided' | 'cancelled';

/** Decisions with at most this many members asked carry `perMember` in their outcome. */
export const PER_MEMBER_OUTCOME_LIMIT = 100;
/** Reminder rounds a decision sends at most (the first offsets, latest deadline first). */
export const MAX_DECISION_REMINDERS = 5;

export interface DecisionOutcome {
  decisionId: string;
  status: Exclude<DecisionStatus, 'open' | 'closing'>;
  /** The option that carries the decision (vote rules), or null (`each`, `undecided`, `cancelled`). */
  optionId: string | null;
  /** One line a person can read, e.g. "2 of 3 members voted; approve has 2 of 2 votes". */
  reason: string;
  /** Votes per option id (every option present, zero included). */
  tally: Record<string, number>;
  asked: number;
  answered: number;
  /**
   * Per member: the answer given (with its comment), or the fallback applied (`defaulted: true`),
   * or null. Only for decisions that asked at most PER_MEMBER_OUTCOME_LIMIT members (a delivery
   * confirmation: one member, `perMember[0]`); empty for larger ones (`perMemberOmitted: true`),
   * so an outcome never grows with the number of voters: read those from the read model
   * (`GET /admin/decisions/:id`, table `decision_voters`).
   */
  perMember: Array<{ memberId: string; optionId: string | null; defaulted: boolean; comment?: string | null }>;
  /** True when `perMember` was left out because too many members were asked. */
  perMemberOmitted?: boolean;
  closedAt: string;
}

/**
 * What `getDecisionQuery` and a successful answer return. `answers`: a decision that keeps its
 * answers in the database returns none from its query (read them from PostgreSQL), and
 * `DecisionsService.answer` returns only the caller's own answer; `answered` is then the count
 * the workflow last saw (exact once closed).
 */
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

/** Where a decision's answers live; recorded on the decision row, so the API knows how to answer. */
export type DecisionAnswersIn = 'workflow' | 'database';

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
/**
 * Sent by the API, once per decision, by the answer whose transaction found the outcome certain
 * and moved the decision row to `closing` (under the row's lock, so only one answer does): the
 * workflow then closes without waiting for the deadline.
 */
export const decisionCertainSignal = defineSignal('decisionCertain');

/** Which email a `sendDecisionMail` activity sends. `round` numbers reminders (1, 2, ...). */
export interface SendDecisionMailInput {
  decisionId: string;
  memberId: string;
  kind: 'prompt' | 'reminder' | 'outcome';
  round?: number;
}

/** What `openDecisionBallot` answers: how many members are asked (the audience resolved). */
export interface OpenBallotResult {
  asked: number;
}

/** Which emails a `queueDecisionMail` activity queues: one kind for every member concerned. */
export interface QueueDecisionMailInput {
  decisionId: string;
  kind: 'prompt' | 'reminder' | 'outcome';
  round?: number;
}

export interface QueueDecisionMailResult {
  /** Messages newly queued (a retried activity queues none twice). */
  queued: number;
  /** The decision no longer takes answers (its outcome became certain): the workflow closes. */
  closing: boolean;
}

/** The ballot box as `closeDecisionBallot` counted it, after closing it to further answers. */
export interface BallotCount {
  asked: number;
  answered: number;
  /** Answers per option id. */
  tally: Record<string, number>;
  /** Every member asked, by id, when at most PER_MEMBER_OUTCOME_LIMIT were; otherwise null. */
  perMember: Array<{ memberId: string; optionId: string | null; comment: string | null }> | null;
}

/** Something the decision could not store: the coordinator is told by email. */
export interface DecisionProblemInput {
  decisionId: string;
  /** The step that failed, e.g. `open` or `record-outcome`. */
  step: string;
  message: string;
}
