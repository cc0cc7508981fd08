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
 * and every email is an activity of its own (`legacy.ts`, unchanged but for the guarded handling
 * of data PostgreSQL refuses).
 *
 * Cancelled by its parent, it records `cancelled` and returns nothing to answer any more.
 *
 * The state and its handlers are in `state.ts`, each step in `steps.ts`. The function name is
 * stored in histories: never rename it.
 */
import { allHandlersFinished, condition, isCancellation, patched } from '@temporalio/workflow';
import { DecisionOutcome, DecisionRequest } from '../../libs/contracts/src/decision';
import { legacyDecision } from './legacy';
import { DecisionState } from './state';
import { decide, mail, open, remindUntilCertainOrDeadline, withdrawn } from './steps';

/** Patch of this workflow (stored in histories: never change the string). */
const ANSWERS_IN_DB = '2026-12-decision-answers-in-db';

export async function memberDecisionWorkflow(req: DecisionRequest): Promise<DecisionOutcome> {
  if (patched(ANSWERS_IN_DB)) return answersInDatabase(req);
  return legacyDecision(req);
}

/** The current design: answers in PostgreSQL, the lifecycle here (see the top of this file). */
async function answersInDatabase(req: DecisionRequest): Promise<DecisionOutcome> {
  const decision = new DecisionState(req);
  decision.registerHandlers();
  try {
    await open(decision);
    await remindUntilCertainOrDeadline(decision);
    await decide(decision);
    // The prompt and reminders are queued before the outcome, so it comes last.
    await Promise.all(decision.mailing);
    await mail(decision, { kind: 'outcome' });
  } catch (err) {
    if (isCancellation(err)) await withdrawn(decision);
    throw err;
  }
  await condition(allHandlersFinished);
  return decision.outcome!;
}
