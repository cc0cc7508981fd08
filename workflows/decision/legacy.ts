/**
 * The decision as it ran before the answers moved to PostgreSQL (runs started before the
 * `2026-12-decision-answers-in-db` patch): every answer is the `answerDecision` update, held here
 * and projected; every email is an activity of its own. Kept as it was (but for the guarded
 * handling of data PostgreSQL refuses, patch `2026-12-decision-data-rejected`) so that those runs
 * replay and finish; new decisions run `workflow.ts`. Delete once no such run is open (then remove
 * the patch; see README).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import {
  AnswerDecisionRequest,
  answerDecisionUpdate,
  DecisionAnswer,
  DecisionOutcome,
  DecisionRejection,
  DecisionRequest,
  DecisionView,
  getDecisionQuery,
  SendDecisionMailInput,
} from '../../libs/contracts/src/decision';
import { evaluate, Evaluation, tally } from '../../libs/domain/src/decisions';
import { MAIL, MUST_LAND, MUST_LAND_UNLESS_REJECTED } from '../shared/activity-options';
import { causeOf, dataRejected } from '../shared/failures';

/** Patch of this path (stored in histories: never change the string). */
const DATA_REJECTED_HANDLED = '2026-12-decision-data-rejected';

const { openDecision, recordDecisionAnswer, closeDecision } = proxyActivities<DecisionActivities>(MUST_LAND);
// A mail failure never blocks the vote.
const { sendDecisionMail } = proxyActivities<DecisionActivities>(MAIL);
const { reportDecisionProblem } = proxyActivities<DecisionActivities>(MUST_LAND_UNLESS_REJECTED);

/** The first design, for runs started before the answers moved to PostgreSQL. */
export async function legacyDecision(req: DecisionRequest): Promise<DecisionOutcome> {
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
          await reportDecisionProblem({ decisionId: req.decisionId, step: `record-answer:${a.memberId}`, message: causeOf(err) });
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

  /** Sends one email per member; a failure does not stop the decision. */
  const mail = (kind: SendDecisionMailInput['kind'], memberIds: string[], round?: number) => {
    const sent = Promise.allSettled(memberIds.map((memberId) => sendDecisionMail({ decisionId: req.decisionId, memberId, kind, round })));
    // Logged on a branch of its own, so that what waits for `sent` resumes exactly when it did.
    void sent.then((results) => {
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ memberId: memberIds[i], error: causeOf(r.reason) }] : []));
      if (failed.length) log.warn(`decision mail not sent to ${failed.length} of ${memberIds.length} members after its retries; the decision goes on`, { decisionId: req.decisionId, kind, round, first: failed.slice(0, 10) });
    });
    return sent;
  };

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
