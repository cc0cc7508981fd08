/**
 * memberDecisionWorkflow: asks a set of members one question and waits, durably, for their answers
 * or the deadline. Every workflow that needs members to decide starts it as a child and gets a
 * typed `DecisionOutcome` back; its own workflow id (`decision-<id>`) is what the decision page and
 * the member API send answers to.
 *
 * 1. Records the decision in PostgreSQL (the read model of the page and `GET /members/me/decisions`).
 * 2. Emails every member a prompt with a signed link (one activity per member and email: a retry
 *    never mails a member twice, see MailOutbox).
 * 3. Takes answers through the `answerDecision` update until the outcome is certain or the deadline
 *    passes; reminds those who have not answered at each reminder time.
 * 4. Closes: records the outcome, emails it to everyone asked, returns it.
 * Cancelled by its parent, it records `cancelled` and returns nothing to answer any more.
 *
 * The function name is stored in histories: never rename it.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
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
import { MAIL, MUST_LAND } from '../shared/activity-options';

const { openDecision, recordDecisionAnswer, closeDecision } = proxyActivities<DecisionActivities>(MUST_LAND);
// A mail failure never blocks the vote.
const { sendDecisionMail } = proxyActivities<DecisionActivities>(MAIL);

export async function memberDecisionWorkflow(req: DecisionRequest): Promise<DecisionOutcome> {
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
        await recordDecisionAnswer({ decisionId: req.decisionId, answer });
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
