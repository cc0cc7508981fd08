/**
 * outputOrderCycleWorkflow: one per producing asset, for years, one quarter per run.
 *
 * For its quarter it waits until the order window opens (in the asset's own time zone), emails
 * every co-owner, takes orders, reminds those who have not ordered two days before the close,
 * closes the window, allocates the quarter's capacity by output shares
 * (`libs/domain/src/allocation.ts`), records the plan, sends it to the asset's node (recording
 * that it was sent), dispatches a production job per owner and product (delivered to, and
 * confirmed by, that owner), then continues as new with the next quarter, so its history stays
 * small forever. Once the plan is recorded, every owner is emailed what they get (patch
 * `2026-12-allocation-mail`; runs started before it did not).
 *
 * Current runs (patch `2026-12-orders-in-db`) keep the orders in PostgreSQL: the window opens as
 * rows of `output_orders` (one per owner, with the standing order carried), the API writes each
 * order in one transaction, the prompt and the reminder are one activity each (chunked into the
 * outbox), and the close, the allocation and the dispatch are activities that read and write
 * the rows: no list that grows with the owners passes through this history. About 84 events
 * per quarter whatever the number of owners or orders; at most 4 activities pending at once;
 * no Updates or signals.
 *
 * From patch `2026-12-output-income` on, each run also shares the income from sales of the
 * quarter that ends while it waits for its window (two before its own) at that quarter's end
 * (`shareIncome`: one timer, two activities, beside the steps above).
 *
 * Runs started before that patch keep the first design (`legacy.ts`): orders are the
 * `placeOrder` update (validated against the catalogue) and standing orders travel across runs
 * in the input.
 *
 * The state and its query are in `state.ts`, each step in `steps.ts`. The function name is stored
 * in histories: never rename it.
 */
import { continueAsNew, patched } from '@temporalio/workflow';
import { nextQuarter, OrderCycleInput } from '../../libs/contracts/src/output-orders';
import { dataRejected } from '../shared/failures';
import { legacyOrderCycle } from './legacy';
import { CycleState } from './state';
import { dispatch, openWindow, plan, remindThenClose, reportProblem, shareIncome, waitForWindow } from './steps';

/** Patch of this workflow (stored in histories: never change the string). */
const ORDERS_IN_DB = '2026-12-orders-in-db';
/** Runs from this patch on share the income of the quarter that ends while they wait (stored in histories: never change the string). */
const OUTPUT_INCOME = '2026-12-output-income';

export async function outputOrderCycleWorkflow(input: OrderCycleInput): Promise<void> {
  if (patched(ORDERS_IN_DB)) return ordersInDatabase(input);
  return legacyOrderCycle(input);
}

/** The current design: orders in PostgreSQL, the quarter's lifecycle here (see the top of this file). */
async function ordersInDatabase(input: OrderCycleInput): Promise<void> {
  const cycle = new CycleState(input);
  cycle.registerHandlers();
  // Beside the quarter's steps: the quarter that ends meanwhile has its sales shared among the owners.
  const income = patched(OUTPUT_INCOME) ? shareIncome(cycle) : Promise.resolve();
  try {
    const window = await waitForWindow(cycle);
    const opened = await openWindow(cycle, window);
    await remindThenClose(cycle, window);
    const { planId } = await plan(cycle);
    await dispatch(cycle, opened.nodeId, planId);
    await Promise.all(cycle.mailing);
  } catch (err) {
    // PostgreSQL refused this quarter's data: tell the coordinator and go on with the next quarter.
    if (!dataRejected(err)) throw err;
    await reportProblem(cycle, cycle.step, err);
    await Promise.all(cycle.mailing);
  }
  await income;
  // Next quarter, as a new run; standing orders are rows now, nothing to carry.
  await continueAsNew<typeof outputOrderCycleWorkflow>({ assetId: input.assetId, quarter: nextQuarter(input.quarter), standingOrders: {}, quartersDone: input.quartersDone + 1 });
}
