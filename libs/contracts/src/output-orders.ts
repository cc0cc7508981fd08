/**
 * Contracts of quarterly output orders: the co-owners of a producing asset (an automated
 * greenhouse) order ahead, quarter by quarter, what it should produce for them.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RefusalTable } from './failures';

/** One product of an asset's output catalogue. */
export interface CatalogueProduct {
  /** Stable id, e.g. `tomatoes`. */
  id: string;
  name: string;
  /** The unit an owner orders in, e.g. `crate`. */
  unit: string;
  /** Capacity one unit takes (in the asset's capacity unit, e.g. m² of bed for a quarter). */
  capacityPerUnit: number;
  /** Days from the quarter's start until it is ready (harvest, completion): the jobs' due date. */
  leadTimeDays: number;
  /** The node capability that produces it (the asset's node must have it), e.g. `greenhouse`. */
  capability: string;
  /**
   * Output for sale (optional): `fixedUnits` a quarter kept out of the owners' allocation, and/or
   * (`unordered`) what capacity the owners left unused; `unitPrice` is the list price in minor
   * units of the asset's sale currency. Sales credit the asset's account; the quarter's income is
   * shared among the owners by output parts.
   */
  sale?: CatalogueSale;
}

export interface CatalogueSale {
  unitPrice: string;
  fixedUnits: number;
  unordered: boolean;
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface OwnerOrder {
  memberId: string;
  lines: OrderLine[];
  /** Keep this order for later quarters when the owner does not order again. */
  standing: boolean;
  placedAt: string;
}

/** `2027-Q1` */
export type QuarterId = string;

export interface OrderCycleInput {
  assetId: string;
  quarter: QuarterId;
  /**
   * Orders that stand for later quarters, by member, carried across continue-as-new by runs that
   * kept orders in the workflow. Runs that keep them in the database pass `{}` (standing orders
   * are rows of `output_orders` then) and honour what an older run handed over.
   */
  standingOrders: Record<string, OwnerOrder>;
  /** How many quarters this workflow run has already done (for the history limit tests). */
  quartersDone: number;
}

export interface QuarterWindow {
  quarter: QuarterId;
  /** ISO instants, computed in the asset's time zone. */
  opensAt: string;
  closesAt: string;
  startsAt: string;
  timeZone: string;
}

export interface PlanLine {
  memberId: string;
  productId: string;
  requested: number;
  granted: number;
  /** A line paid as a job's price (an output credit): its holder, who need not be an owner. */
  creditId?: string;
  /** Why the line is there when it is not an owner's order, e.g. "credit for job …". */
  reason?: string;
}

/** An output credit as the quarter's plan took it: off the top of the capacity, before the owners. */
export interface PlanCredit {
  creditId: string;
  jobId: string;
  productId: string;
  units: number;
  /** granted: a plan line for its holder; promised: its job is not confirmed yet, so the capacity stays reserved and nobody gets it. */
  status: 'promised' | 'granted';
  holderMemberId: string | null;
  reason: string;
}

export interface QuarterPlan {
  quarter: QuarterId;
  capacity: number;
  /** Capacity used per owner (capacity units). */
  capacityByOwner: Record<string, number>;
  lines: PlanLine[];
  /** Capacity no remaining request can use (all requests met, or every unmet unit is too big). */
  spare: number;
  /** Output credits (jobs paid in output) taken off the top before the owners shared `capacity`; absent: none. */
  credits?: PlanCredit[];
}

/**
 * What `getOrderCycleQuery` returns. Quarters whose orders live in the database (every quarter
 * opened by the current code, `ordersIn: 'database'`) return no lists here (owners, orders,
 * standing orders and the plan are read from PostgreSQL), so the result never grows with the
 * number of owners; older quarters return them as before.
 */
export interface OrderCycleView {
  assetId: string;
  quarter: QuarterId;
  status: 'waiting' | 'open' | 'allocating' | 'dispatched';
  window: QuarterWindow | null;
  owners: Array<{ memberId: string; weight: string }>;
  orders: OwnerOrder[];
  /** Orders standing from earlier quarters: they apply to owners who do not order this quarter. */
  standingOrders: OwnerOrder[];
  plan: QuarterPlan | null;
  /** Where this quarter's orders live; absent in runs from before it existed (the workflow). */
  ordersIn?: 'workflow' | 'database';
  /** Owners asked when the window opened (orders in the database). */
  ownerCount?: number;
  /** The plan's row once made (orders in the database): `output_plans.id`. */
  planId?: string | null;
}

/**
 * What placing an order answers, and what `GET /members/me/assets/:id/orders` shows: the
 * member's own order only (constant in size, whatever the number of owners).
 */
export interface MyOrderView {
  assetId: string;
  quarter: QuarterId;
  status: OrderCycleView['status'];
  window: QuarterWindow | null;
  /** This quarter's order, if placed. */
  myOrder: OwnerOrder | null;
  /** The standing order from an earlier quarter, if any: it applies when no order is placed. */
  standingOrder: OwnerOrder | null;
  effectiveOrder: OwnerOrder | null;
}

/** What `openQuarterOrders` answers (the owners' rows are in `output_orders`). */
export interface OpenQuarterOrdersResult {
  owners: number;
  nodeId: string | null;
}

/** What `planQuarter` answers: a summary; the plan's lines are in `output_plans.plan`. */
export interface PlanQuarterSummary {
  planId: string;
  /** Plan lines (owner × product) with something granted or asked. */
  lines: number;
  /** Units granted in all. */
  granted: number;
  spare: number;
}

/**
 * Which mail `queueOrderMail` queues for every owner concerned (the reminder: those with no order
 * and no standing order; `allocated`: every owner, once the plan is made).
 */
export interface QueueOrderMailInput {
  assetId: string;
  quarter: QuarterId;
  kind: 'opened' | 'reminder' | 'allocated';
}

/** Something a quarter could not store: the coordinator is told by email. */
export interface OrderProblemInput {
  assetId: string;
  quarter: QuarterId;
  step: string;
  message: string;
}

export interface PlaceOrderRequest {
  memberId: string;
  lines: OrderLine[];
  standing: boolean;
}

export const OrderRejection = {
  WindowClosed: 'OrderWindowClosed',
  NotOwner: 'OrderNotOwner',
  UnknownProduct: 'OrderUnknownProduct',
  InvalidQuantity: 'OrderInvalidQuantity',
} as const;

/** The API's answer to each refusal of an order. */
export const OrderRefusals: RefusalTable<typeof OrderRejection> = {
  [OrderRejection.WindowClosed]: { status: 409, code: 'order_window_closed' },
  [OrderRejection.NotOwner]: { status: 403, code: 'not_an_owner' },
  [OrderRejection.UnknownProduct]: { status: 400, code: 'validation_failed', field: 'lines' },
  [OrderRejection.InvalidQuantity]: { status: 400, code: 'validation_failed', field: 'lines' },
};


export function orderCycleWorkflowId(assetId: string): string {
  return `asset-${assetId}-orders`;
}

export const ORDER_CYCLE_WORKFLOW_TYPE = 'outputOrderCycleWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const placeOrderUpdate = defineUpdate<OrderCycleView, [PlaceOrderRequest]>('placeOrder');
export const getOrderCycleQuery = defineQuery<OrderCycleView>('getOrderCycle');

/** What the cycle needs to know about the asset when a quarter's window opens. */
export interface OpenQuarterResult {
  window: QuarterWindow;
  catalogue: CatalogueProduct[];
  capacity: number;
  capacityUnit: string;
  nodeId: string | null;
  owners: Array<{ memberId: string; weight: string }>;
}

/** What sharing an ended quarter's income answers the order cycle (`distributed: false`: the rules refused it, nothing moved). */
export interface QuarterIncomeResult {
  distributed: boolean;
  income?: string;
  currency?: string;
  reason?: string;
}

/** The quarter before `q`: `2027-Q1` → `2026-Q4`. */
export function previousQuarter(q: QuarterId): QuarterId {
  const m = /^(\d{4})-Q([1-4])$/.exec(q);
  if (!m) throw new Error(`not a quarter: ${q}`);
  const [y, n] = [Number(m[1]), Number(m[2])];
  return n === 1 ? `${y - 1}-Q4` : `${y}-Q${n - 1}`;
}

/** The quarter after `q`: `2026-Q4` → `2027-Q1`. */
export function nextQuarter(q: QuarterId): QuarterId {
  const m = /^(\d{4})-Q([1-4])$/.exec(q);
  if (!m) throw new Error(`not a quarter: ${q}`);
  const [y, n] = [Number(m[1]), Number(m[2])];
  return n === 4 ? `${y + 1}-Q1` : `${y}-Q${n + 1}`;
}

/** When a quarter's order window opens and closes, in the asset's time zone. */
export interface OrderWindowRule {
  openDaysBefore: number;
  closeDaysBefore: number;
  closeHour: number;
}
