/**
 * The quarter as it ran before the orders moved to PostgreSQL (runs started before the
 * `2026-12-orders-in-db` patch): orders are the `placeOrder` update (validated against the
 * catalogue), held here and projected, and standing orders travel across runs in the input.
 * Kept as it was so that those runs replay and finish; new quarters run `workflow.ts`. Delete once
 * no such run is open (then remove the patch; see README).
 */
import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, patched, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
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
import { MAIL, MUST_LAND } from '../shared/activity-options';
import { causeOf } from '../shared/failures';
import { allocate } from './allocate';
import { ALLOCATION_MAIL, planNotSent, sendPlanToNode } from './steps';
import type { outputOrderCycleWorkflow } from './workflow';

const { quarterWindowFor, openQuarter, recordOrders, recordPlan, dispatchOrderJobs } = proxyActivities<OrderActivities>(MUST_LAND);
const { sendOrderMail } = proxyActivities<OrderActivities>(MAIL);

const DAY = 86_400_000;
const fail = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);

/** The first design, for runs started before the orders moved to PostgreSQL. */
export async function legacyOrderCycle(input: OrderCycleInput): Promise<void> {
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
  const mail = (kind: 'opened' | 'reminder' | 'allocated', memberIds: string[]) => {
    const sent = Promise.allSettled(memberIds.map((memberId) => sendOrderMail({ assetId: input.assetId, quarter: input.quarter, memberId, kind })));
    // Mail never stops the quarter; what was not sent is logged on a branch of its own, so that
    // what waits for `sent` resumes exactly when it did.
    void sent.then((results) => {
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ memberId: memberIds[i], error: causeOf(r.reason) }] : []));
      if (failed.length) log.warn(`order mail not sent to ${failed.length} of ${memberIds.length} owners after its retries; the quarter goes on`, { assetId: input.assetId, quarter: input.quarter, kind, first: failed.slice(0, 10) });
    });
    mailing.push(sent);
  };
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
  const nodeId = opened.nodeId;
  if (nodeId) await sendPlanToNode({ assetId: input.assetId, quarter: input.quarter, planId, nodeId, plan }).catch((err: unknown) => planNotSent(input, nodeId, err));
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
