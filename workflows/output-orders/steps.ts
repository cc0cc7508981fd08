/**
 * The steps of a quarter with its orders in PostgreSQL (`workflow.ts` tells them in order): wait
 * for the window, open it, remind and close, plan, send the plan and dispatch the jobs. Data
 * PostgreSQL refuses (DATA_REJECTED) is told to the coordinator and the cycle goes on.
 */
import { ActivityFailure, log, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { IncomeActivities } from '../../apps/worker/src/activities/income.activities';
import type { OrderActivities } from '../../apps/worker/src/activities/order.activities';
import { OpenQuarterOrdersResult, PlanQuarterSummary, previousQuarter, QuarterWindow } from '../../libs/contracts/src/output-orders';
import { MUST_LAND_UNLESS_REJECTED, PLAN_TO_NODE, QUEUE_MAIL } from '../shared/activity-options';
import { causeOf, dataRejected } from '../shared/failures';
import type { CycleState } from './state';

/** Runs from this patch on mail every owner what they get once the plan is made (stored in histories: never change the string). */
export const ALLOCATION_MAIL = '2026-12-allocation-mail';

// A data error is not retried (it cannot succeed): the coordinator is told and the cycle goes on.
const rows = proxyActivities<OrderActivities>(MUST_LAND_UNLESS_REJECTED);
const { queueOrderMail } = proxyActivities<OrderActivities>(QUEUE_MAIL);
// Thousands of owners: it heartbeats, and a retry resumes where it stopped.
const { dispatchPlanJobs } = proxyActivities<OrderActivities>({ ...MUST_LAND_UNLESS_REJECTED, startToCloseTimeout: '15 minutes', heartbeatTimeout: '1 minute' });
const { distributeQuarterIncome } = proxyActivities<IncomeActivities>(MUST_LAND_UNLESS_REJECTED);
// The plan to the node: retried for a day (with the same event id); the cycle goes on either way.
export const { sendPlanToNode } = proxyActivities<OrderActivities>(PLAN_TO_NODE);

const DAY = 86_400_000;

/** One activity queues one kind of mail for every owner concerned; its failure never stops the quarter. */
function mail(c: CycleState, kind: 'opened' | 'reminder' | 'allocated'): void {
  c.mailing.push(
    queueOrderMail({ ...c.q, kind }).then(
      () => undefined,
      async (err: unknown) => {
        if (dataRejected(err)) await reportProblem(c, `mail-${kind}`, err);
        // The owners still order on the web; the outbox records what was queued and sent.
        else log.warn('order mail could not be queued after its retries; the quarter goes on without it', { ...c.q, kind, error: causeOf(err) });
      },
    ),
  );
}

/** Waits until the order window opens (computed in the asset's time zone by an activity: deterministic here). */
export async function waitForWindow(c: CycleState): Promise<QuarterWindow> {
  const window = await rows.quarterWindowFor(c.q);
  c.view.window = window;
  const opensIn = Date.parse(window.opensAt) - Date.now();
  if (opensIn > 0) await sleep(opensIn);
  return window;
}

/**
 * Shares the income of the quarter that ends while this run waits for its window: a run for
 * quarter Q starts when Q-1's window closes and waits weeks for its own, so Q-2 ends (when Q-1
 * starts, in the asset's time zone) in the meantime. At that moment its sales are shared among
 * the owners by output share (once per asset and quarter: the coordinator may have done it
 * already). Runs beside the quarter's own steps; a failure never stops the cycle (the
 * coordinator can share it with POST /admin/assets/:id/distributions).
 */
export async function shareIncome(c: CycleState): Promise<void> {
  const ending = previousQuarter(previousQuarter(c.q.quarter));
  try {
    const next = await rows.quarterWindowFor({ ...c.q, quarter: previousQuarter(c.q.quarter) });
    const endsIn = Date.parse(next.startsAt) - Date.now();
    if (endsIn > 0) await sleep(endsIn);
    const r = await distributeQuarterIncome({ assetId: c.q.assetId, quarter: ending });
    if (!r.distributed) log.info('the ended quarter had no income to share', { assetId: c.q.assetId, quarter: ending, reason: r.reason });
  } catch (err) {
    log.warn('the ended quarter’s income could not be shared; the cycle goes on (the coordinator can share it)', { assetId: c.q.assetId, quarter: ending, error: causeOf(err) });
  }
}

/** Opens it: a row per owner as they stand now (with their standing order), a prompt to each. */
export async function openWindow(c: CycleState, window: QuarterWindow): Promise<OpenQuarterOrdersResult> {
  c.step = 'open';
  const opened = await rows.openQuarterOrders({ ...c.q, window, standingOrders: c.input.standingOrders });
  c.view.ownerCount = opened.owners;
  c.view.status = 'open';
  mail(c, 'opened');
  return opened;
}

/** Reminds those who have neither ordered nor a standing order, two days before the close; then closes the window. */
export async function remindThenClose(c: CycleState, window: QuarterWindow): Promise<void> {
  const closesAt = Date.parse(window.closesAt);
  const remindIn = closesAt - 2 * DAY - Date.now();
  if (remindIn > 0) {
    await sleep(remindIn);
    mail(c, 'reminder');
  }
  const closeIn = closesAt - Date.now();
  if (closeIn > 0) await sleep(closeIn);
  c.view.status = 'allocating';
  c.step = 'close';
  await rows.closeQuarterOrders(c.q);
}

/** Allocates the effective orders (this quarter's, else the standing one) and records the plan; each owner is told what they get. */
export async function plan(c: CycleState): Promise<PlanQuarterSummary> {
  c.step = 'plan';
  const summary = await rows.planQuarter(c.q);
  c.view.planId = summary.planId;
  // Each owner is told what they get and why (runs started before this change did not).
  if (patched(ALLOCATION_MAIL)) mail(c, 'allocated');
  return summary;
}

/** Tells the node its plan (recorded as sent), and dispatches the production jobs. */
export async function dispatch(c: CycleState, nodeId: string | null, planId: string): Promise<void> {
  c.step = 'dispatch';
  if (nodeId) await sendPlanToNode({ ...c.q, planId, nodeId }).catch((err: unknown) => planNotSent(c.q, nodeId, err));
  await dispatchPlanJobs({ ...c.q, planId });
  c.view.status = 'dispatched';
}

/**
 * The plan could not be sent to the node within a day (how each try went is on the plan's row,
 * `plan_send_result`): the quarter goes on, since the node is still offered each job of the plan.
 */
export function planNotSent(q: { assetId: string; quarter: string }, nodeId: string, err: unknown): void {
  log.warn('the production plan was not delivered to the node; the jobs are dispatched anyway', { ...q, nodeId, error: causeOf(err) });
}

/** PostgreSQL refused the data of a step: the coordinator is told by email (and the cycle goes on). */
export function reportProblem(c: CycleState, step: string, err: ActivityFailure): Promise<void> {
  return rows.reportOrderProblem({ ...c.q, step, message: causeOf(err) });
}
