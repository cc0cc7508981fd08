/**
 * jobWorkflow: one job, offered to nodes until one takes it, made, delivered and confirmed.
 *
 * The network cannot command a node: it offers. The workflow picks the best free node (right
 * capability, active, under its work-in-progress limit, higher automation first, the recipient's
 * location first), sends it a signed `job.offered` webhook and waits for its answer (the node
 * API's `answerOffer` update) until the offer times out; a rejection or silence moves on to the
 * next node. A counter-offer is taken by the job's rules (a later date within `maxDelayMs`; part
 * of the quantity if `allowPartial`, the rest becoming a job of its own). When every capable node
 * is at its limit the job waits and is offered as soon as one frees a slot (`capacityFreed`):
 * pull, not push. No node left: the coordinator is told.
 *
 * Accepted: it waits for progress and completion until the due date, reminds the node a day
 * before, tells the coordinator when it is late. Completed: the recipient confirms or rejects the
 * delivery (a `memberDecisionWorkflow` child: an email with a link, or the member API); a
 * rejection sends the job back to the same node for rework first. Yield and lead times are kept.
 *
 * Bounded for the job's whole life (runs from v0.4.0, `patched(BOUNDED)`): progress reports live in
 * PostgreSQL (the node API writes them; only the first of a run reaches the workflow); every Update
 * is refused once applied (a repeat is answered by the API from the job row); the state keeps the
 * latest offers, runs and escalations with counts; a job that waits long continues as new at a
 * safe point; notifications go out on their own (`jobNotificationWorkflow`, abandoned children),
 * so the job ends as soon as its outcome is known. An activity that refuses its data
 * (DATA_REJECTED) is not retried: the coordinator is told, the job stores what it can and goes on,
 * or stops cleanly (`failed`).
 *
 * Paid work (`patched(PRICED)`, a job with a price): see `PRICED` below and `reserve` in `steps.ts`.
 *
 * The state and its handlers are in `state.ts`, each step in `steps.ts`. The function name is
 * stored in histories: never rename it.
 */
import { allHandlersFinished, condition, isCancellation, patched } from '@temporalio/workflow';
import { JobInput, JobView } from '../../libs/contracts/src/job';
import { dataRejected } from '../shared/failures';
import { JobState } from './state';
import {
  askRecipient,
  cancelled,
  cancelledThroughTemporal,
  confirmed,
  continueIfLong,
  delivered,
  dispatch,
  handoffAnswer,
  production,
  record,
  reserve,
  sendBackForRework,
  stopCleanly,
  tellFlow,
  unanswered,
} from './steps';

/**
 * Runs started from v0.4.0 on: bounded history and state, notifications on their own, DATA_REJECTED
 * handled, the exclusions kept on the daily retry, a finished job refusing a cancel. Runs started
 * before keep their old path (their histories replay command for command).
 */
export const BOUNDED = '2026-12-job-bounded';

/**
 * Paid work (runs started from here on with a price): on acceptance the price is reserved from the
 * paying account (waiting, `waiting-for-money`, until it can be), a confirmed delivery pays it to
 * the node owner, a cancel releases it (paying the reported progress if the task says so). A run
 * without a price takes no marker and keeps the path of `BOUNDED` command for command.
 */
export const PRICED = '2026-12-job-priced';

/**
 * A step or transport leg of a production flow (runs with `input.flow`, from here on): the job tells
 * its flow when it is accepted, finds no node, delivers and ends (`flowJobEvent`), and after a
 * delivery waits for the flow's `flowHandoffAnswer` for that run (whoever received the hand-off
 * answered it) instead of asking a member: accepted → confirmed, rejected → the same rework path,
 * nothing within `confirmWithinMs` → unanswered, as before. `patched` is called only for a job of a
 * flow, so every other run (and every recorded history) keeps its path command for command.
 */
export const FLOW = '2026-12-job-flow';

export async function jobWorkflow(input: JobInput): Promise<JobView> {
  const job = new JobState(input, patched(BOUNDED));
  job.setPriced(job.v2 && input.price !== undefined && patched(PRICED));
  job.flow = job.v2 && input.flow !== undefined && patched(FLOW);
  job.registerHandlers();
  try {
    if (!job.carried) await record(job);
    // Rework goes back first to the node that made the run (a flow's rework job: the maker of the rejected lot).
    let preferred: string | null = job.carried?.preferred ?? (job.flow && !job.carried ? (input.flow?.preferNodeId ?? null) : null);
    for (;;) {
      if (preferred) await continueIfLong(job, preferred); // between reworks: a safe point too
      if (!(await dispatch(job, preferred))) break; // cancelled before a node took it
      if (job.flow) await tellFlow(job, { kind: 'accepted', nodeId: job.view.nodeId! });
      if (job.priced && !(await reserve(job))) break; // cancelled while it waited for money
      const report = await production(job);
      if (!report) break; // cancelled while it was being made
      const run = await delivered(job, report);
      if (job.flow) await tellFlow(job, { kind: 'delivered', nodeId: job.view.nodeId!, run: job.runNo(), made: report.made, scrapped: report.scrapped });
      const answer = job.flow ? await handoffAnswer(job) : await askRecipient(job, report);
      if (answer.kind === 'rejected') {
        preferred = sendBackForRework(job, run, answer.reason);
        continue;
      }
      if (answer.kind === 'confirmed') await confirmed(job, run);
      else if (answer.kind === 'unanswered') await unanswered(job, run);
      break; // confirmed, unanswered, or withdrawn because the job is being cancelled
    }
    // The outcome is known unless a cancellation is under way: a cancel from now on is refused
    // (before, one accepted here waited for a status nothing would set).
    if (!job.cancel) job.finished = true;
    else if (!(job.v2 && job.finished)) await cancelled(job);
    if (job.flow) await tellFlow(job, { kind: 'ended', status: job.view.runs.at(-1)?.confirmation === 'unanswered' ? 'unanswered' : job.view.status });
  } catch (err) {
    if (isCancellation(err)) await cancelledThroughTemporal(job);
    if (job.v2 && dataRejected(err)) await stopCleanly(job, err);
    throw err;
  }
  job.finished = true;
  // Before BOUNDED: every webhook and email. Since: only the starts of their children.
  await Promise.all(job.background);
  await condition(allHandlersFinished);
  return job.view;
}
