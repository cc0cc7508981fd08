/**
 * The steps of a decision (`workflow.ts` tells them in order): open the ballot and ask, remind
 * until the outcome is certain or the deadline comes, close and decide by the rules, or record
 * the withdrawal. Data PostgreSQL refuses (DATA_REJECTED) is told to the coordinator.
 */
import { ActivityCancellationType, ApplicationFailure, CancellationScope, condition, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { DecisionActivities } from '../../apps/worker/src/activities/decision.activities';
import { BallotCount, DecisionOutcome, DecisionRequest, MAX_DECISION_REMINDERS, QueueDecisionMailInput } from '../../libs/contracts/src/decision';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import { Evaluation, evaluateTally } from '../../libs/domain/src/decisions';
import { MUST_LAND_UNLESS_REJECTED, QUEUE_MAIL } from '../shared/activity-options';
import { causeOf, dataRejected } from '../shared/failures';
import type { DecisionState } from './state';

// A data error is not retried (it cannot succeed); the workflow is told and goes on.
const ballot = proxyActivities<DecisionActivities>(MUST_LAND_UNLESS_REJECTED);
// A withdrawal does not wait for mail being queued (queuing is idempotent and harmless to finish).
const { queueDecisionMail } = proxyActivities<DecisionActivities>({ ...QUEUE_MAIL, cancellationType: ActivityCancellationType.ABANDON });

/** Tells the coordinator that PostgreSQL refused a step's data; done even while the decision is withdrawn. */
const report = (d: DecisionState, step: string, err: unknown) =>
  CancellationScope.nonCancellable(() => ballot.reportDecisionProblem({ decisionId: d.req.decisionId, step, message: causeOf(err) }));

/** One activity queues one kind of mail for everyone concerned; its failure never stops the decision. */
export function mail(d: DecisionState, input: Omit<QueueDecisionMailInput, 'decisionId'>): Promise<void> {
  const step = `mail-${input.kind}${input.round ? `-${input.round}` : ''}`;
  return queueDecisionMail({ decisionId: d.req.decisionId, ...input }).then(
    (r) => {
      if (r.closing) d.certain = true;
    },
    async (err: unknown) => {
      if (dataRejected(err)) await report(d, step, err);
      // Abandoned because the decision was withdrawn, or given up after half a day: the members
      // still answer on the web (the outbox records what was queued and sent).
      else if (isCancellation(err)) log.info('decision mail abandoned: the decision was withdrawn', { decisionId: d.req.decisionId, step });
      else log.warn('decision mail could not be queued after its retries; the decision goes on without it', { decisionId: d.req.decisionId, step, error: causeOf(err) });
    },
  );
}

/** Records the decision and the members asked (a list, or an audience resolved in the database), then asks them. */
export async function open(d: DecisionState): Promise<void> {
  const { req } = d;
  try {
    d.asked = (await ballot.openDecisionBallot(req)).asked;
  } catch (err) {
    if (!dataRejected(err)) throw err;
    // Nobody can answer a decision that is not recorded: fail cleanly, the caller sees why.
    await report(d, 'open', err);
    throw ApplicationFailure.nonRetryable(`decision ${req.decisionId} could not be recorded: ${causeOf(err)}`, DATA_REJECTED);
  }
  if (d.asked === 0) d.certain = true; // nobody to wait for: the rules decide on no answers now
  d.mailing.push(mail(d, { kind: 'prompt' }));
}

/** Reminds those who have not answered (latest offsets first, at most MAX_DECISION_REMINDERS rounds) until the outcome is certain or the deadline comes. */
export async function remindUntilCertainOrDeadline(d: DecisionState): Promise<void> {
  const reminders = [...new Set(d.req.remindBeforeMs)]
    .filter((ms) => ms > 0)
    .sort((a, b) => b - a)
    .slice(0, MAX_DECISION_REMINDERS);
  let round = 0;
  for (const before of reminders) {
    const wait = d.deadline - before - Date.now();
    if (wait <= 0) continue; // too late for this one
    if (await condition(() => d.certain, wait)) break;
    round += 1;
    d.mailing.push(mail(d, { kind: 'reminder', round }));
  }
  const remaining = d.deadline - Date.now();
  if (remaining > 0) await condition(() => d.certain, remaining);
}

/** Closes the box and decides: before the deadline only an outcome already certain, at the deadline whatever the answers give. */
export async function decide(d: DecisionState): Promise<void> {
  const { req, deadline } = d;
  d.status = 'closing';
  d.outcome = await close(d, (count) => {
    const early = Date.now() < deadline;
    const evaluation = (early ? evaluateTally(ballotsOf(req, count), false) : null) ?? evaluateTally(ballotsOf(req, count), true)!;
    return outcomeOf(req, count, evaluation);
  });
  d.status = d.outcome.status;
}

/** Withdrawn by its parent: the box is closed and the decision recorded `cancelled`, even though this run is being cancelled. */
export async function withdrawn(d: DecisionState): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    d.outcome = await close(d, (count) => ({
      ...outcomeOf(d.req, count, { status: 'undecided', reason: 'withdrawn before it was decided' }),
      status: 'cancelled',
      perMember: (count.perMember ?? []).map((p) => ({ memberId: p.memberId, optionId: p.optionId, defaulted: false })),
    }));
    d.status = 'cancelled';
  });
}

/** Closes the box, counts it, decides by the rules, records the outcome (told, not stuck, if it cannot be stored). */
async function close(d: DecisionState, decideBy: (count: BallotCount) => DecisionOutcome): Promise<DecisionOutcome> {
  const { req } = d;
  let count: BallotCount;
  try {
    count = await ballot.closeDecisionBallot({ decisionId: req.decisionId });
  } catch (err) {
    if (!dataRejected(err)) throw err;
    await report(d, 'count', err);
    throw ApplicationFailure.nonRetryable(`decision ${req.decisionId} could not be counted: ${causeOf(err)}`, DATA_REJECTED);
  }
  const result = decideBy(count);
  d.asked = count.asked;
  d.answered = count.answered;
  try {
    await ballot.closeDecision({ decisionId: req.decisionId, outcome: result });
  } catch (err) {
    if (!dataRejected(err)) throw err;
    await report(d, 'record-outcome', err); // the caller still gets the outcome
  }
  return result;
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
