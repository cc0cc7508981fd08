/**
 * memberDecisionWorkflow: asks a set of members one question and waits, durably, for their answers
 * or the deadline. Every workflow that needs members to decide starts it as a child and gets a
 * typed `DecisionOutcome` back; its own workflow id (`decision-<id>`) names it everywhere.
 *
 * Current runs (patch `2026-12-decision-answers-in-db`) keep the answers in PostgreSQL, so a
 * decision among any number of members stays within every Temporal limit:
 * 1. `openDecisionBallot` records the decision and the members asked (a list, or an audience
 *    resolved in the database), with `answers_in = 'database'`.
 * 2. The prompt, each reminder round and the outcome are ONE activity each (`queueDecisionMail`):
 *    it renders and queues the mail in chunks into the outbox, heartbeating, resumable.
 * 3. Answers are transactions made by the API, never messages to this workflow. The answer that
 *    makes the outcome certain moves the row to `closing` under its lock and signals
 *    `decisionCertain` (one signal per decision); a reminder round that finds the row `closing`
 *    does the same, should that signal be lost.
 * 4. At that signal or the deadline, `closeDecisionBallot` closes the box and counts it; the
 *    outcome is computed here by the pure rules, recorded, and mailed.
 * History: about 45 events per decision plus about 10 per reminder round, whatever the number of
 * voters; at most 2 + reminders activities pending at once; no Updates; at most one signal.
 * Nothing in it grows with time or voters, so it never needs to continue as new.
 *
 * Runs started before that patch keep the first design: answers are the `answerDecision` update
 * and every email is an activity of its own (`answersInWorkflow` below, unchanged but for the
 * guarded handling of data PostgreSQL refuses).
 *
 * Cancelled by its parent, it records `cancelled` and returns nothing to answer any more.
 * The function name is stored in histories: never rename it.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import {
  AnswerDecisionRequest,
  answerDecisionUpdate,
  BallotCount,
  decisionCertainSignal,
  DecisionAnswer,
  DecisionOutcome,
  DecisionRejection,
  DecisionRequest,
  DecisionStatus,
  DecisionView,
  getDecisionQuery,
  MAX_DECISION_REMINDERS,
  QueueDecisionMailInput,
  SendDecisionMailInput,
} from '../../libs/contracts/src/decision';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import { evaluate, Evaluation, evaluateTally, tally } from '../../libs/domain/src/decisions';
import { MAIL, MUST_LAND } from '../shared/activity-options';

/** Patches of this workflow (stored in histories: never change the strings). */
const ANSWERS_IN_DB = '2026-12-decision-answers-in-db';
const DATA_REJECTED_HANDLED = '2026-12-decision-data-rejected';

const { openDecision, recordDecisionAnswer, closeDecision } = proxyActivities<DecisionActivities>(MUST_LAND);
// A mail failure never blocks the vote.
const { sendDecisionMail } = proxyActivities<DecisionActivities>(MAIL);

// Current runs: a data error is not retried (it cannot succeed); the workflow is told and goes on.
const KEEP = { ...MUST_LAND, retry: { ...MUST_LAND.retry, nonRetryableErrorTypes: [DATA_REJECTED] } };
const ballot = proxyActivities<DecisionActivities>(KEEP);
// Queuing thousands of messages takes a while: it heartbeats, and a retry resumes where it stopped.
// A withdrawal does not wait for it (queuing is idempotent and harmless to finish).
const { queueDecisionMail } = proxyActivities<DecisionActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '12 hours',
  cancellationType: ActivityCancellationType.ABANDON,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [DATA_REJECTED] },
});

export async function memberDecisionWorkflow(req: DecisionRequest): Promise<DecisionOutcome> {
  if (patched(ANSWERS_IN_DB)) return answersInDatabase(req);
  return answersInWorkflow(req);
}

/** True when an activity failed because PostgreSQL refused its data (see libs/contracts failures). */
function dataRejected(err: unknown): err is ActivityFailure {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === DATA_REJECTED;
}

const causeOf = (err: unknown) => (err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : String(err));

/** The current design: answers in PostgreSQL, the lifecycle here (see the top of this file). */
async function answersInDatabase(req: DecisionRequest): Promise<DecisionOutcome> {
  const deadline = Date.parse(req.deadline);
  let status: DecisionStatus = 'open';
  let outcome: DecisionOutcome | null = null;
  let asked = req.voterIds.length;
  let answered = 0;
  /** The API (or a reminder round) found the outcome certain: close now. */
  let certain = false;

  setHandler(decisionCertainSignal, () => {
    certain = true;
  });
  setHandler(getDecisionQuery, (): DecisionView => ({ decisionId: req.decisionId, status, deadline: req.deadline, asked, answered, answers: [], outcome }));

  const report = (step: string, err: unknown) =>
    CancellationScope.nonCancellable(() => ballot.reportDecisionProblem({ decisionId: req.decisionId, step, message: causeOf(err) }));
  /** One activity queues one kind of mail for everyone concerned; its failure never stops the decision. */
  const mail = (input: Omit<QueueDecisionMailInput, 'decisionId'>): Promise<void> =>
    queueDecisionMail({ decisionId: req.decisionId, ...input }).then(
      (r) => {
        if (r.closing) certain = true;
      },
      async (err: unknown) => {
        if (dataRejected(err)) await report(`mail-${input.kind}${input.round ? `-${input.round}` : ''}`, err);
      },
    );
  /** Closes the box, counts it, decides by the rules, records the outcome (told, not stuck, if it cannot be stored). */
  const close = async (decide: (count: BallotCount) => DecisionOutcome): Promise<DecisionOutcome> => {
    let count: BallotCount;
    try {
      count = await ballot.closeDecisionBallot({ decisionId: req.decisionId });
    } catch (err) {
      if (!dataRejected(err)) throw err;
      await report('count', err);
      throw ApplicationFailure.nonRetryable(`decision ${req.decisionId} could not be counted: ${causeOf(err)}`, DATA_REJECTED);
    }
    const result = decide(count);
    asked = count.asked;
    answered = count.answered;
    try {
      await ballot.closeDecision({ decisionId: req.decisionId, outcome: result });
    } catch (err) {
      if (!dataRejected(err)) throw err;
      await report('record-outcome', err); // the caller still gets the outcome
    }
    return result;
  };

  const mailing: Array<Promise<void>> = [];
  try {
    try {
      asked = (await ballot.openDecisionBallot(req)).asked;
    } catch (err) {
      if (!dataRejected(err)) throw err;
      // Nobody can answer a decision that is not recorded: fail cleanly, the caller sees why.
      await report('open', err);
      throw ApplicationFailure.nonRetryable(`decision ${req.decisionId} could not be recorded: ${causeOf(err)}`, DATA_REJECTED);
    }
    if (asked === 0) certain = true; // nobody to wait for: the rules decide on no answers now
    mailing.push(mail({ kind: 'prompt' }));

    const reminders = [...new Set(req.remindBeforeMs)]
      .filter((ms) => ms > 0)
      .sort((a, b) => b - a)
      .slice(0, MAX_DECISION_REMINDERS);
    let round = 0;
    for (const before of reminders) {
      const wait = deadline - before - Date.now();
      if (wait <= 0) continue; // too late for this one
      if (await condition(() => certain, wait)) break;
      round += 1;
      mailing.push(mail({ kind: 'reminder', round }));
    }
    const remaining = deadline - Date.now();
    if (remaining > 0) await condition(() => certain, remaining);

    status = 'closing';
    outcome = await close((count) => {
      const early = Date.now() < deadline;
      const evaluation = (early ? evaluateTally(ballotsOf(req, count), false) : null) ?? evaluateTally(ballotsOf(req, count), true)!;
      return outcomeOf(req, count, evaluation);
    });
    status = outcome.status;
    // The prompt and reminders are queued before the outcome, so it comes last.
    await Promise.all(mailing);
    await mail({ kind: 'outcome' });
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        outcome = await close((count) => ({
          ...outcomeOf(req, count, { status: 'undecided', reason: 'withdrawn before it was decided' }),
          status: 'cancelled',
          perMember: (count.perMember ?? []).map((p) => ({ memberId: p.memberId, optionId: p.optionId, defaulted: false })),
        }));
        status = 'cancelled';
      });
    }
    throw err;
  }
  await condition(allHandlersFinished);
  return outcome;
}

const ballotsOf = (req: DecisionRequest, count: BallotCount) => ({ rule: req.rule, optionIds: req.options.map((o) => o.id), asked: count.asked, tally: count.tally });

/** The outcome record from the count: what was decided (or the fallback), with the tally; every member's part only for small decisions. */
function outcomeOf(req: DecisionRequest, count: BallotCount, e: Evaluation): DecisionOutcome {
  const fallback = req.fallbackOptionId;
  const each = req.rule.kind === 'each';
  const base = {
    decisionId: req.decisionId,
    tally: Object.fromEntries(req.options.map((o) => [o.id, count.tally[o.id] ?? 0])),
    asked: count.asked,
    answered: count.answered,
    perMember: (count.perMember ?? []).map((p) => {
      if (p.optionId) return { memberId: p.memberId, optionId: p.optionId, defaulted: false, comment: p.comment };
      // Only "each" applies the fallback per member; a vote applies it to the whole decision.
      return each && fallback ? { memberId: p.memberId, optionId: fallback, defaulted: true } : { memberId: p.memberId, optionId: null, defaulted: false };
    }),
    ...(count.perMember ? {} : { perMemberOmitted: true }),
    closedAt: new Date().toISOString(),
  };
  if (e.status === 'decided') {
    const defaultedSome = each && fallback !== null && count.answered < count.asked;
    return { ...base, status: defaultedSome ? 'defaulted' : 'decided', optionId: e.optionId, reason: e.reason };
  }
  if (fallback) return { ...base, status: 'defaulted', optionId: fallback, reason: `${e.reason}; the fallback ${fallback} applies` };
  return { ...base, status: 'undecided', optionId: null, reason: e.reason };
}

/** The first design, for runs started before the answers moved to PostgreSQL. */
async function answersInWorkflow(req: DecisionRequest): Promise<DecisionOutcome> {
  const answers: Record<string, DecisionAnswer> = {};
  let outcome: DecisionOutcome | null = null;
  const deadline = Date.parse(req.deadline);
  const optionIds = req.options.map((o) => o.id);

  const view = (): DecisionView => ({
    decisionId: req.decisionId,
    status: outcome ? outcome.status : 'open',
    deadline: req.deadline,
    asked: req.voterIds.length,
    answered: Object.keys(answers).length,
    answers: req.voterIds.filter((m) => answers[m]).map((m) => answers[m]),
    outcome,
  });
  const ballots = () => ({
    rule: req.rule,
    optionIds,
    asked: req.voterIds.length,
    answers: req.voterIds.filter((m) => answers[m]).map((m) => answers[m].optionId),
  });
  const certain = () => evaluate(ballots(), false) !== null;

  setHandler(getDecisionQuery, view);
  setHandler(
    answerDecisionUpdate,
    async (a: AnswerDecisionRequest): Promise<DecisionView> => {
      if (!answers[a.memberId]) {
        const answer: DecisionAnswer = {
          memberId: a.memberId,
          optionId: a.optionId,
          comment: a.comment ?? null,
          via: a.via,
          answeredAt: new Date().toISOString(),
        };
        answers[a.memberId] = answer;
        // Projected before the update returns, so the page and the API read their own answer.
        try {
          await recordDecisionAnswer({ decisionId: req.decisionId, answer });
        } catch (err) {
          // PostgreSQL refused the answer's text (a NUL in the comment): record the answer without
          // it and tell the coordinator, rather than leave the vote waiting on it for good.
          if (!dataRejected(err) || !patched(DATA_REJECTED_HANDLED)) throw err;
          answer.comment = null;
          await ballot.reportDecisionProblem({ decisionId: req.decisionId, step: `record-answer:${a.memberId}`, message: causeOf(err) });
          await recordDecisionAnswer({ decisionId: req.decisionId, answer });
        }
      }
      return view();
    },
    {
      validator: (a: AnswerDecisionRequest) => {
        if (outcome) throw ApplicationFailure.nonRetryable(`the decision is closed (${outcome.status})`, DecisionRejection.Closed);
        // The deadline holds even if this answer and the deadline timer arrive together.
        if (Date.now() >= deadline) throw ApplicationFailure.nonRetryable('the deadline has passed', DecisionRejection.Closed);
        if (!req.voterIds.includes(a.memberId)) {
          throw ApplicationFailure.nonRetryable('this member was not asked in this decision', DecisionRejection.NotAsked);
        }
        if (!optionIds.includes(a.optionId)) {
          throw ApplicationFailure.nonRetryable(`unknown option ${a.optionId}; choose one of ${optionIds.join(', ')}`, DecisionRejection.UnknownOption);
        }
        const previous = answers[a.memberId];
        if (previous && previous.optionId !== a.optionId) {
          throw ApplicationFailure.nonRetryable(
            `already answered ${previous.optionId} at ${previous.answeredAt}; answers are final`,
            DecisionRejection.AlreadyAnswered,
          );
        }
      },
    },
  );

  /** Sends one email per member; failures are logged by the activity and do not stop the decision. */
  const mail = (kind: SendDecisionMailInput['kind'], memberIds: string[], round?: number) =>
    Promise.allSettled(memberIds.map((memberId) => sendDecisionMail({ decisionId: req.decisionId, memberId, kind, round })));

  // Emails go out in the background: answers, an early close and the deadline never wait for a
  // slow SMTP server. They are awaited only before the outcome mail, so it comes last.
  const mailing: Array<Promise<unknown>> = [];
  try {
    await openDecision(req);
    mailing.push(mail('prompt', req.voterIds));

    const reminders = [...new Set(req.remindBeforeMs)].filter((ms) => ms > 0).sort((a, b) => b - a);
    let round = 0;
    for (const before of reminders) {
      const wait = deadline - before - Date.now();
      if (wait <= 0) continue; // too late for this one
      if (await condition(certain, wait)) break;
      round += 1;
      mailing.push(mail('reminder', req.voterIds.filter((m) => !answers[m]), round));
    }
    const remaining = deadline - Date.now();
    if (remaining > 0) await condition(certain, remaining);

    // Closing is synchronous from here on: the validator refuses every later answer.
    const evaluation = evaluate(ballots(), Date.now() >= deadline) ?? evaluate(ballots(), true)!;
    outcome = toOutcome(req, answers, evaluation);
    await closeDecision({ decisionId: req.decisionId, outcome });
    await Promise.all(mailing);
    await mail('outcome', req.voterIds);
  } catch (err) {
    if (isCancellation(err)) {
      outcome = {
        ...toOutcome(req, answers, { status: 'undecided', reason: 'withdrawn before it was decided' }),
        status: 'cancelled',
        perMember: req.voterIds.map((memberId) => ({ memberId, optionId: answers[memberId]?.optionId ?? null, defaulted: false })),
      };
      const closed = outcome;
      await CancellationScope.nonCancellable(() => closeDecision({ decisionId: req.decisionId, outcome: closed }));
    }
    throw err;
  }
  await condition(allHandlersFinished);
  return outcome;
}

/** The outcome record: what was decided (or the fallback), with the tally and every member's part. */
function toOutcome(req: DecisionRequest, answers: Record<string, DecisionAnswer>, e: Evaluation): DecisionOutcome {
  const fallback = req.fallbackOptionId;
  const given = req.voterIds.filter((m) => answers[m]).map((m) => answers[m].optionId);
  const each = req.rule.kind === 'each';
  const base = {
    decisionId: req.decisionId,
    tally: tally(req.options.map((o) => o.id), given),
    asked: req.voterIds.length,
    answered: given.length,
    perMember: req.voterIds.map((memberId) => {
      const a = answers[memberId];
      if (a) return { memberId, optionId: a.optionId, defaulted: false, comment: a.comment };
      // Only "each" applies the fallback per member; a vote applies it to the whole decision.
      return each && fallback ? { memberId, optionId: fallback, defaulted: true } : { memberId, optionId: null, defaulted: false };
    }),
    closedAt: new Date().toISOString(),
  };
  if (e.status === 'decided') {
    const defaultedSome = each && base.perMember.some((p) => p.defaulted);
    return { ...base, status: defaultedSome ? 'defaulted' : 'decided', optionId: e.optionId, reason: e.reason };
  }
  if (fallback) return { ...base, status: 'defaulted', optionId: fallback, reason: `${e.reason}; the fallback ${fallback} applies` };
  return { ...base, status: 'undecided', optionId: null, reason: e.reason };
}
