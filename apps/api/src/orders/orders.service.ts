import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { AppConfig } from '@app/config';
import {
  CatalogueProduct,
  getOrderCycleQuery,
  MyOrderView,
  ORDER_CYCLE_WORKFLOW_TYPE,
  OrderCycleInput,
  orderCycleWorkflowId,
  OrderCycleView,
  placeOrderUpdate,
  QuarterWindow,
} from '@app/contracts';
import { AssetEntity, AssetsRepository, JobsRepository, LeasesRepository, MemberEntity, OutputOrdersRepository, OutputPlanEntity, OwnershipService } from '@app/db';
import { capacityForSale, DEFAULT_WINDOW, isTimeZone, nextOpenQuarter } from '@app/domain';
import { ProblemException, Problems } from '../common/problem';
import { workflowCallProblem } from '../common/workflow-calls';
import { CatalogueDto, PlaceOrderDto } from './orders.dto';

const QUERY_TIMEOUT_MS = 3_000;
const UPDATE_TIMEOUT_MS = 30_000;

/** A member's view of a cycle that keeps its orders in the workflow: this quarter's order, or the standing one that will apply. */
function mine(v: OrderCycleView, memberId: string): MyOrderView {
  const order = v.orders.find((o) => o.memberId === memberId) ?? null;
  const standing = v.standingOrders.find((o) => o.memberId === memberId) ?? null;
  return { assetId: v.assetId, quarter: v.quarter, status: v.status, window: v.window, myOrder: order, standingOrder: standing, effectiveOrder: order ?? standing };
}

/**
 * Quarterly output orders at the edge. A quarter opened by the current code keeps its orders in
 * PostgreSQL (`output_plans.orders_in = 'database'`): an order is one transaction here, checked
 * against the quarter as it opened (its catalogue, its owners), under a share lock of the plan
 * row that the close's update waits for. Quarters opened before take orders as the `placeOrder`
 * update of the cycle's workflow. Either way the answer is the member's own order only.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly assets: AssetsRepository,
    private readonly orders: OutputOrdersRepository,
    private readonly ownership: OwnershipService,
    private readonly jobs: JobsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly leases: LeasesRepository,
  ) {}

  private async asset(id: string): Promise<AssetEntity> {
    const a = await this.assets.findById(id);
    if (!a) throw Problems.notFound('asset', id);
    return a;
  }

  async setCatalogue(id: string, dto: CatalogueDto): Promise<AssetEntity> {
    const a = await this.asset(id);
    if (!isTimeZone(dto.timeZone)) throw Problems.badRequest('timeZone', `${dto.timeZone} is not an IANA time zone (e.g. Europe/Berlin)`);
    const ids = dto.products.map((p) => p.id);
    if (new Set(ids).size !== ids.length) throw Problems.badRequest('products', 'product ids must be unique');
    if (dto.orderWindow && dto.orderWindow.closeDaysBefore >= dto.orderWindow.openDaysBefore) throw Problems.badRequest('orderWindow', 'the window must close after it opens (closeDaysBefore < openDaysBefore)');
    // Output for sale: priced in one currency; the fixed parts must fit in the capacity.
    const products: CatalogueProduct[] = dto.products.map(({ sale, ...p }) => ({ ...p, ...(sale ? { sale: { unitPrice: String(sale.unitPrice), fixedUnits: sale.fixedUnits ?? 0, unordered: sale.unordered ?? false } } : {}) }));
    const terms = products.filter((p) => p.sale).map((p) => ({ productId: p.id, capacityPerUnit: p.capacityPerUnit, fixedUnits: p.sale!.fixedUnits, unordered: p.sale!.unordered }));
    if (terms.length > 0 && !dto.saleCurrency) throw Problems.badRequest('saleCurrency', 'saleCurrency is required when a product is for sale');
    if (capacityForSale(terms) > dto.quarterlyCapacity) {
      throw Problems.badRequest('products', `the fixed parts for sale take ${capacityForSale(terms)} ${dto.capacityUnit}, more than the quarterly capacity of ${dto.quarterlyCapacity}`);
    }
    await this.assets.setOutputCatalogue(a.id, {
      timeZone: dto.timeZone,
      quarterlyCapacity: dto.quarterlyCapacity,
      capacityUnit: dto.capacityUnit,
      outputCatalogue: products,
      orderWindow: dto.orderWindow ? { ...dto.orderWindow } : null,
      saleCurrency: terms.length > 0 ? dto.saleCurrency! : (dto.saleCurrency ?? null),
    });
    return this.asset(id);
  }

  /**
   * Starts the asset's order cycle (once): the first quarter is the next one whose window is
   * still open. A cycle already running is left alone (its current quarter is answered); one
   * started again after it ended picks up the standing orders of its last plan.
   */
  async startCycle(id: string): Promise<{ workflowId: string; quarter: string }> {
    const a = await this.asset(id);
    if (!a.outputCatalogue.length || !a.quarterlyCapacity) throw Problems.conflict('no_catalogue', `asset ${id} has no output catalogue yet: PUT /admin/assets/${id}/catalogue first`);
    if (!a.nodeId) throw Problems.conflict('no_node', `asset ${id} has no node to produce its output: set the asset's nodeId first`);
    const quarter = nextOpenQuarter(new Date(), a.timeZone, a.orderWindow ?? DEFAULT_WINDOW);
    // A cycle that kept its orders in the workflow left its standing orders in its last plan; one
    // that kept them in the database left them in output_orders (the new run reads them there).
    const last = await this.orders.latestPlanned(a.id);
    const standingOrders = last?.ordersIn === 'workflow' ? Object.fromEntries(last.orders.filter((o) => o.standing).map((o) => [o.memberId, o])) : {};
    const input: OrderCycleInput = { assetId: a.id, quarter, standingOrders, quartersDone: 0 };
    const handle = await this.temporal.workflow.start(ORDER_CYCLE_WORKFLOW_TYPE, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: orderCycleWorkflowId(a.id),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    let current = quarter;
    try {
      current = (await this.temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(getOrderCycleQuery))).quarter;
    } catch {
      /* the quarter we asked for */
    }
    return { workflowId: orderCycleWorkflowId(a.id), quarter: current };
  }

  async view(assetId: string): Promise<OrderCycleView> {
    await this.asset(assetId);
    try {
      return await this.temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).query(getOrderCycleQuery));
    } catch (err) {
      throw workflowCallProblem(err, { closed: () => noCycle(assetId), retry: `asset ${assetId}: the order cycle did not answer in time; ask again` });
    }
  }

  private windowOf(p: OutputPlanEntity): QuarterWindow {
    return { quarter: p.quarter, opensAt: p.windowOpensAt.toISOString(), closesAt: p.windowClosesAt.toISOString(), startsAt: p.startsAt.toISOString(), timeZone: p.timeZone ?? 'UTC' };
  }

  /** What `GET /members/me/assets/:id/orders` shows: the open (or next) quarter and the member's own order. */
  async myView(assetId: string, memberId: string): Promise<MyOrderView> {
    await this.asset(assetId);
    const open = await this.orders.findOpenQuarter(assetId);
    if (open) {
      const row = await this.orders.memberOrder(assetId, open.quarter, memberId);
      const myOrder = row?.myOrder ?? null;
      const standingOrder = row?.carried ?? null;
      return { assetId, quarter: open.quarter, status: 'open', window: this.windowOf(open), myOrder, standingOrder, effectiveOrder: myOrder ?? standingOrder };
    }
    const v = await this.view(assetId);
    if (v.ordersIn !== 'database') return mine(v, memberId);
    const standingOrder = (await this.orders.standingBefore(assetId, memberId, v.quarter)) ?? null;
    return { assetId, quarter: v.quarter, status: v.status, window: v.window, myOrder: null, standingOrder, effectiveOrder: standingOrder };
  }

  async order(assetId: string, member: MemberEntity, dto: PlaceOrderDto): Promise<MyOrderView> {
    await this.asset(assetId);
    const open = await this.orders.findOpenQuarter(assetId);
    if (open) return this.orderInDatabase(open, member, dto);
    // Closed and being planned (orders in the database): too late, whatever the workflow says.
    const closed = await this.orders.findClosedQuarter(assetId);
    if (closed) throw Problems.conflict('order_window_closed', `the order window for ${closed.quarter} closed at ${closed.windowClosesAt.toISOString()}`);
    const v = await this.view(assetId);
    if (v.ordersIn === 'database') {
      throw Problems.conflict(
        'order_window_closed',
        v.window ? `the order window for ${v.quarter} is ${v.status === 'waiting' ? `not open yet (opens ${v.window.opensAt})` : 'closed'}` : 'the order window is not open',
      );
    }
    try {
      const view = await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).executeUpdate(placeOrderUpdate, { args: [{ memberId: member.id, lines: dto.lines, standing: dto.standing ?? false }] }),
      );
      return mine(view, member.id);
    } catch (err) {
      throw workflowCallProblem(err, {
        closed: () => noCycle(assetId),
        retry: 'the order may still be pending: send the same order again in a moment (the last order counts)',
      });
    }
  }

  /**
   * One order, in one transaction: checked against the quarter as it opened (its catalogue; its
   * owners, who have a row each), refused once the window has closed. The member's last order
   * counts; `standing` keeps it for later quarters.
   */
  private async orderInDatabase(plan: OutputPlanEntity, member: MemberEntity, dto: PlaceOrderDto): Promise<MyOrderView> {
    const catalogue = plan.catalogue ?? [];
    const seen = new Set<string>();
    for (const l of dto.lines) {
      if (!catalogue.some((p) => p.id === l.productId)) {
        throw Problems.badRequest('lines', `unknown product ${l.productId}; the catalogue has ${catalogue.map((p) => p.id).join(', ')}`);
      }
      if (seen.has(l.productId)) throw Problems.badRequest('lines', `product ${l.productId} appears twice`);
      seen.add(l.productId);
    }
    const lines = dto.lines.filter((l) => l.quantity > 0).map((l) => ({ productId: l.productId, quantity: l.quantity }));
    const r = await this.orders.placeOrder(plan.id, member.id, lines, dto.standing ?? false);
    if (r.kind === 'closed') throw Problems.conflict('order_window_closed', `the order window for ${plan.quarter} closed at ${plan.windowClosesAt.toISOString()}`);
    if (r.kind === 'not-owner') throw new ProblemException(403, 'not_an_owner', `only co-owners of the asset when the ${plan.quarter} window opened order its output`);
    return { assetId: plan.assetId, quarter: plan.quarter, status: 'open', window: this.windowOf(plan), myOrder: r.myOrder, standingOrder: r.carried, effectiveOrder: r.myOrder };
  }

  /**
   * The plans of an asset, newest first, and what is still in progress from earlier quarters.
   * With `owners`, every owner's lines; without, product totals only (for prospective buyers).
   */
  async plans(assetId: string, withOwners: boolean) {
    const a = await this.asset(assetId);
    const plans = await this.orders.recentPlans(assetId, 8);
    const open = await this.jobs.inProgressForPlans(plans.map((p) => p.id));
    return {
      assetId,
      name: a.name,
      timeZone: a.timeZone,
      capacityUnit: a.capacityUnit,
      quarters: plans.map((p) => {
        const totals: Record<string, number> = {};
        for (const l of p.plan?.lines ?? []) totals[l.productId] = (totals[l.productId] ?? 0) + l.granted;
        return {
          quarter: p.quarter,
          status: p.status,
          windowOpensAt: p.windowOpensAt.toISOString(),
          windowClosesAt: p.windowClosesAt.toISOString(),
          startsAt: p.startsAt.toISOString(),
          capacity: p.plan?.capacity ?? null,
          spare: p.plan?.spare ?? null,
          products: totals,
          planSentToNodeAt: p.planSentAt?.toISOString() ?? null,
          // Owners' lines and the output credits (jobs paid in this quarter's output) taken off the top, each with its reason.
          ...(withOwners ? { lines: p.plan?.lines ?? [], credits: p.plan?.credits ?? [] } : {}),
          inProgress: open
            .filter((j) => j.demandId === p.id)
            .map((j) => ({ jobId: j.id, product: j.productId ?? j.capability, quantity: j.quantity, unit: j.unit, status: j.status, dueAt: j.dueAt.toISOString(), ...(withOwners ? { for: j.recipientId } : {}) })),
        };
      }),
    };
  }

  /** Co-owners, and lessees of output rights (they order the leased output), see the order pages. */
  async isOwner(assetId: string, memberId: string): Promise<boolean> {
    return (await this.ownership.isOwner(assetId, memberId)) || this.leases.isLessee(assetId, memberId);
  }
}

function noCycle(assetId: string): ProblemException {
  return Problems.conflict('no_order_cycle', `asset ${assetId} has no order cycle running`);
}
