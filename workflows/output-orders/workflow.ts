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
 * Runs started before that patch keep the first design (`ordersInWorkflow`): orders are the
 * `placeOrder` update (validated against the catalogue) and standing orders travel across runs
 * in the input.
 *
 * The function name is stored in histories: never rename it.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../apps/worker/src/activities/order.activities';
import {
  CatalogueProduct,
  getOrderCycleQuery,
  nextQuarter,
  OrderCycleInput,
  OrderCycleView,
  OrderRejection,
  OwnerOrder,
  PlaceOrderRequest,
  placeOrderUpdate,
} from '../../libs/contracts/src/output-orders';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';
import { MAIL, MUST_LAND } from '../shared/activity-options';
import { allocate } from './allocate';

/** Patches of this workflow (stored in histories: never change the strings). */
const ORDERS_IN_DB = '2026-12-orders-in-db';
const ALLOCATION_MAIL = '2026-12-allocation-mail';

const { quarterWindowFor, openQuarter, recordOrders, recordPlan, dispatchOrderJobs } = proxyActivities<OrderActivities>(MUST_LAND);
const { sendOrderMail } = proxyActivities<OrderActivities>(MAIL);
// The plan to the node: retried for a day (with the same event id); the cycle goes on either way.
const { sendPlanToNode } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

// Current runs: a data error is not retried (it cannot succeed): the coordinator is told and the cycle goes on.
const KEEP = { ...MUST_LAND, retry: { ...MUST_LAND.retry, nonRetryableErrorTypes: [DATA_REJECTED] } };
const rows = proxyActivities<OrderActivities>(KEEP);
// Thousands of owners: these heartbeat, and a retry resumes where it stopped.
const { queueOrderMail } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '12 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: [DATA_REJECTED] },
});
const { dispatchPlanJobs } = proxyActivities<OrderActivities>({ ...KEEP, startToCloseTimeout: '15 minutes', heartbeatTimeout: '1 minute' });

const DAY = 86_400_000;
const fail = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);

export async function outputOrderCycleWorkflow(input: OrderCycleInput): Promise<void> {
  if (patched(ORDERS_IN_DB)) return ordersInDatabase(input);
  return ordersInWorkflow(input);
}

const dataRejected = (err: unknown): err is ActivityFailure =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === DATA_REJECTED;

/** The current design: orders in PostgreSQL, the quarter's lifecycle here (see the top of this file). */
async function ordersInDatabase(input: OrderCycleInput): Promise<void> {
  const view: OrderCycleView = {
    assetId: input.assetId,
    quarter: input.quarter,
    status: 'waiting',
    window: null,
    owners: [],
    orders: [],
    standingOrders: [],
    plan: null,
    ordersIn: 'database',
    ownerCount: 0,
    planId: null,
  };
  setHandler(getOrderCycleQuery, () => view);
  const q = { assetId: input.assetId, quarter: input.quarter };
  let step = 'window';
  const mailing: Array<Promise<void>> = [];
  /** One activity queues one kind of mail for every owner concerned; its failure never stops the quarter. */
  const mail = (kind: 'opened' | 'reminder' | 'allocated') =>
    mailing.push(
      queueOrderMail({ ...q, kind }).then(
        () => undefined,
        async (err: unknown) => {
          if (dataRejected(err)) await rows.reportOrderProblem({ ...q, step: `mail-${kind}`, message: err.cause?.message ?? err.message });
        },
      ),
    );
  try {
    // 1. Wait for the window (computed in the asset's time zone by an activity: deterministic here).
    const window = await rows.quarterWindowFor(q);
    view.window = window;
    const opensIn = Date.parse(window.opensAt) - Date.now();
    if (opensIn > 0) await sleep(opensIn);

    // 2. Open it: a row per owner as they stand now (with their standing order), a prompt to each.
    step = 'open';
    const opened = await rows.openQuarterOrders({ ...q, window, standingOrders: input.standingOrders });
    view.ownerCount = opened.owners;
    view.status = 'open';
    const closesAt = Date.parse(window.closesAt);
    mail('opened');

    // 3. Remind those who have neither ordered nor a standing order, two days before the close; then close.
    const remindIn = closesAt - 2 * DAY - Date.now();
    if (remindIn > 0) {
      await sleep(remindIn);
      mail('reminder');
    }
    const closeIn = closesAt - Date.now();
    if (closeIn > 0) await sleep(closeIn);
    view.status = 'allocating';
    step = 'close';
    await rows.closeQuarterOrders(q);

    // 4. Allocate the effective orders (this quarter's, else the standing one) and record the plan.
    step = 'plan';
    const plan = await rows.planQuarter(q);
    view.planId = plan.planId;
    // Each owner is told what they get and why (runs started before this change did not).
    if (patched(ALLOCATION_MAIL)) mail('allocated');

    // 5. Tell the node its plan (recorded as sent), and dispatch the production jobs.
    step = 'dispatch';
    if (opened.nodeId) await sendPlanToNode({ ...q, planId: plan.planId, nodeId: opened.nodeId }).catch(() => undefined);
    await dispatchPlanJobs({ ...q, planId: plan.planId });
    view.status = 'dispatched';
    await Promise.all(mailing);
  } catch (err) {
    // PostgreSQL refused this quarter's data: tell the coordinator and go on with the next quarter.
    if (!dataRejected(err)) throw err;
    await rows.reportOrderProblem({ ...q, step, message: err.cause?.message ?? err.message });
    await Promise.all(mailing);
  }

  // 6. Next quarter, as a new run; standing orders are rows now, nothing to carry.
  await continueAsNew<typeof outputOrderCycleWorkflow>({ assetId: input.assetId, quarter: nextQuarter(input.quarter), standingOrders: {}, quartersDone: input.quartersDone + 1 });
}

/** The first design, for runs started before the orders moved to PostgreSQL. */
async function ordersInWorkflow(input: OrderCycleInput): Promise<void> {
  const view: OrderCycleView = {
    assetId: input.assetId,
    quarter: input.quarter,
    status: 'waiting',
    window: null,
    owners: [],
    orders: [],
    standingOrders: Object.values(input.standingOrders),
    plan: null,
  };
  let ordersSeq = 0;
  const orders: Record<string, OwnerOrder> = {};
  let catalogue: CatalogueProduct[] = [];
  let closesAt = Number.POSITIVE_INFINITY;

  setHandler(getOrderCycleQuery, () => view);
  setHandler(
    placeOrderUpdate,
    async (req: PlaceOrderRequest) => {
      orders[req.memberId] = { memberId: req.memberId, lines: req.lines.filter((l) => l.quantity > 0), standing: req.standing, placedAt: new Date().toISOString() };
      view.orders = Object.values(orders);
      await recordOrders({ assetId: input.assetId, quarter: input.quarter, seq: ++ordersSeq, orders: view.orders });
      return view;
    },
    {
      validator: (req: PlaceOrderRequest) => {
        if (view.status !== 'open' || Date.now() >= closesAt) {
          throw fail(OrderRejection.WindowClosed, view.window ? `the order window for ${input.quarter} is ${view.status === 'waiting' ? `not open yet (opens ${view.window.opensAt})` : 'closed'}` : 'the order window is not open');
        }
        if (!view.owners.some((o) => o.memberId === req.memberId)) throw fail(OrderRejection.NotOwner, 'only co-owners of the asset order its output');
        const seen = new Set<string>();
        for (const l of req.lines) {
          if (!catalogue.some((p) => p.id === l.productId)) throw fail(OrderRejection.UnknownProduct, `unknown product ${l.productId}; the catalogue has ${catalogue.map((p) => p.id).join(', ')}`);
          if (seen.has(l.productId)) throw fail(OrderRejection.InvalidQuantity, `product ${l.productId} appears twice`);
          seen.add(l.productId);
          if (!Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > 1_000_000) throw fail(OrderRejection.InvalidQuantity, `quantity of ${l.productId} must be a whole number from 0 to 1000000`);
        }
      },
    },
  );

  // 1. Wait for the window (computed in the asset's time zone by an activity: deterministic here).
  const window = await quarterWindowFor({ assetId: input.assetId, quarter: input.quarter });
  view.window = window;
  const opensIn = Date.parse(window.opensAt) - Date.now();
  if (opensIn > 0) await sleep(opensIn);

  // 2. Open it: owners as they stand now, the catalogue, a prompt to every owner.
  const opened = await openQuarter({ assetId: input.assetId, quarter: input.quarter, window });
  catalogue = opened.catalogue;
  view.owners = opened.owners;
  closesAt = Date.parse(window.closesAt);
  view.status = 'open';
  const mailing: Array<Promise<unknown>> = [];
  const mail = (kind: 'opened' | 'reminder' | 'allocated', memberIds: string[]) =>
    mailing.push(Promise.allSettled(memberIds.map((memberId) => sendOrderMail({ assetId: input.assetId, quarter: input.quarter, memberId, kind }))));
  mail('opened', opened.owners.map((o) => o.memberId));

  // 3. Remind those who have not ordered, two days before the close; then close.
  const remindIn = closesAt - 2 * DAY - Date.now();
  if (remindIn > 0) {
    await sleep(remindIn);
    // Owners with a standing order have ordered, in effect: only the others are reminded.
    mail('reminder', opened.owners.map((o) => o.memberId).filter((m) => !orders[m] && !input.standingOrders[m]));
  }
  const closeIn = closesAt - Date.now();
  if (closeIn > 0) await sleep(closeIn);
  view.status = 'allocating';
  await condition(allHandlersFinished);

  // 4. Allocate: this quarter's order, else the standing order, else nothing.
  const effective: Record<string, OwnerOrder | undefined> = {};
  for (const o of opened.owners) effective[o.memberId] = orders[o.memberId] ?? input.standingOrders[o.memberId];
  const plan = allocate(opened.capacity, opened.owners, effective, catalogue, input.quarter);
  view.plan = plan;
  view.orders = Object.values(orders);
  const planId = await recordPlan({ assetId: input.assetId, quarter: input.quarter, plan, orders: Object.values(effective).filter((o): o is OwnerOrder => !!o) });
  // Each owner is told what they get and why (runs started before this change did not).
  if (patched(ALLOCATION_MAIL)) mail('allocated', opened.owners.map((o) => o.memberId));

  // 5. Tell the node its plan (recorded as sent), and dispatch the production jobs.
  if (opened.nodeId) await sendPlanToNode({ assetId: input.assetId, quarter: input.quarter, planId, nodeId: opened.nodeId, plan }).catch(() => undefined);
  await dispatchOrderJobs({ assetId: input.assetId, quarter: input.quarter, planId, nodeId: opened.nodeId, window, catalogue, lines: plan.lines.filter((l) => l.granted > 0) });
  view.status = 'dispatched';
  await Promise.all(mailing);

  // 6. Next quarter, as a new run. A standing order stays until the owner orders again.
  const standing = { ...input.standingOrders };
  for (const o of Object.values(orders)) {
    if (o.standing) standing[o.memberId] = o;
    else delete standing[o.memberId];
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof outputOrderCycleWorkflow>({ assetId: input.assetId, quarter: nextQuarter(input.quarter), standingOrders: standing, quartersDone: input.quartersDone + 1 });
}
