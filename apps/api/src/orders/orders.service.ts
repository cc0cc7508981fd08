import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, isGrpcDeadlineError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import {
  getOrderCycleQuery,
  MyOrderView,
  ORDER_CYCLE_WORKFLOW_TYPE,
  OrderCycleInput,
  orderCycleWorkflowId,
  OrderCycleView,
  OrderLine,
  OrderRejection,
  OwnerOrder,
  placeOrderUpdate,
  QuarterWindow,
} from '@app/contracts';
import { AssetEntity, JobEntity, MemberEntity, OutputPlanEntity } from '@app/db';
import { DEFAULT_WINDOW, isTimeZone, nextOpenQuarter } from '@app/domain';
import { ProblemException, Problems } from '../common/problem';
import { CatalogueDto, PlaceOrderDto } from './orders.dto';

const REFUSALS: Record<string, (m: string) => ProblemException> = {
  [OrderRejection.WindowClosed]: (m) => Problems.conflict('order_window_closed', m),
  [OrderRejection.NotOwner]: (m) => new ProblemException(403, 'not_an_owner', m),
  [OrderRejection.UnknownProduct]: (m) => Problems.badRequest('lines', m),
  [OrderRejection.InvalidQuantity]: (m) => Problems.badRequest('lines', m),
};

/** A member's view of a cycle that keeps its orders in the workflow: this quarter's order, or the standing one that will apply. */
function mine(v: OrderCycleView, memberId: string): MyOrderView {
  const order = v.orders.find((o) => o.memberId === memberId) ?? null;
  const standing = v.standingOrders.find((o) => o.memberId === memberId) ?? null;
  return { assetId: v.assetId, quarter: v.quarter, status: v.status, window: v.window, myOrder: order, standingOrder: standing, effectiveOrder: order ?? standing };
}

/** An owner's row of a quarter (orders in the database). */
interface OrderRow {
  member_id: string;
  lines: OrderLine[] | null;
  standing: boolean;
  placed_at: Date | null;
  carried: OwnerOrder | null;
}

const ownOrder = (r: OrderRow): OwnerOrder | null =>
  r.lines === null ? null : { memberId: r.member_id, lines: r.lines, standing: r.standing, placedAt: (r.placed_at ?? new Date(0)).toISOString() };

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
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  private async asset(id: string): Promise<AssetEntity> {
    const a = await this.ds.getRepository(AssetEntity).findOneBy({ id });
    if (!a) throw Problems.notFound('asset', id);
    return a;
  }

  async setCatalogue(id: string, dto: CatalogueDto): Promise<AssetEntity> {
    const a = await this.asset(id);
    if (!isTimeZone(dto.timeZone)) throw Problems.badRequest('timeZone', `${dto.timeZone} is not an IANA time zone (e.g. Europe/Berlin)`);
    const ids = dto.products.map((p) => p.id);
    if (new Set(ids).size !== ids.length) throw Problems.badRequest('products', 'product ids must be unique');
    if (dto.orderWindow && dto.orderWindow.closeDaysBefore >= dto.orderWindow.openDaysBefore) throw Problems.badRequest('orderWindow', 'the window must close after it opens (closeDaysBefore < openDaysBefore)');
    await this.ds.getRepository(AssetEntity).update(
      { id: a.id },
      { timeZone: dto.timeZone, quarterlyCapacity: dto.quarterlyCapacity, capacityUnit: dto.capacityUnit, outputCatalogue: dto.products, orderWindow: dto.orderWindow ? { ...dto.orderWindow } : null },
    );
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
    const last = await this.ds.getRepository(OutputPlanEntity).findOne({ where: { assetId: a.id, status: 'planned' }, order: { quarter: 'DESC' } });
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
      current = (await this.temporal.withDeadline(Date.now() + 3000, () => handle.query(getOrderCycleQuery))).quarter;
    } catch {
      /* the quarter we asked for */
    }
    return { workflowId: orderCycleWorkflowId(a.id), quarter: current };
  }

  async view(assetId: string): Promise<OrderCycleView> {
    await this.asset(assetId);
    try {
      return await this.temporal.withDeadline(Date.now() + 3000, () => this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).query(getOrderCycleQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw Problems.conflict('no_order_cycle', `asset ${assetId} has no order cycle running`);
      if (isGrpcDeadlineError(err)) throw Problems.temporalUnavailable();
      throw err;
    }
  }

  /** The quarter whose window is open and whose orders live in the database, if any. */
  private openQuarter(assetId: string): Promise<OutputPlanEntity | null> {
    return this.ds.getRepository(OutputPlanEntity).findOne({ where: { assetId, status: 'open', ordersIn: 'database' }, order: { quarter: 'ASC' } });
  }

  private windowOf(p: OutputPlanEntity): QuarterWindow {
    return { quarter: p.quarter, opensAt: p.windowOpensAt.toISOString(), closesAt: p.windowClosesAt.toISOString(), startsAt: p.startsAt.toISOString(), timeZone: p.timeZone ?? 'UTC' };
  }

  /** The standing order that applies to a member in `quarter` if they do not order: from their latest earlier quarter. */
  private async standingBefore(assetId: string, memberId: string, quarter: string): Promise<OwnerOrder | null> {
    const [prev] = (await this.ds.query(
      `SELECT member_id, lines, standing, placed_at, carried FROM output_orders WHERE asset_id = $1 AND member_id = $2 AND quarter < $3 ORDER BY quarter DESC LIMIT 1`,
      [assetId, memberId, quarter],
    )) as OrderRow[];
    if (!prev) return null;
    return prev.lines === null ? prev.carried : prev.standing ? ownOrder(prev) : null;
  }

  /** What `GET /members/me/assets/:id/orders` shows: the open (or next) quarter and the member's own order. */
  async myView(assetId: string, memberId: string): Promise<MyOrderView> {
    await this.asset(assetId);
    const open = await this.openQuarter(assetId);
    if (open) {
      const [row] = (await this.ds.query(`SELECT member_id, lines, standing, placed_at, carried FROM output_orders WHERE asset_id = $1 AND quarter = $2 AND member_id = $3`, [
        assetId,
        open.quarter,
        memberId,
      ])) as OrderRow[];
      const myOrder = row ? ownOrder(row) : null;
      const standingOrder = row?.carried ?? null;
      return { assetId, quarter: open.quarter, status: 'open', window: this.windowOf(open), myOrder, standingOrder, effectiveOrder: myOrder ?? standingOrder };
    }
    const v = await this.view(assetId);
    if (v.ordersIn !== 'database') return mine(v, memberId);
    const standingOrder = await this.standingBefore(assetId, memberId, v.quarter);
    return { assetId, quarter: v.quarter, status: v.status, window: v.window, myOrder: null, standingOrder, effectiveOrder: standingOrder };
  }

  async order(assetId: string, member: MemberEntity, dto: PlaceOrderDto): Promise<MyOrderView> {
    await this.asset(assetId);
    const open = await this.openQuarter(assetId);
    if (open) return this.orderInDatabase(open, member, dto);
    // Closed and being planned (orders in the database): too late, whatever the workflow says.
    const closed = await this.ds.getRepository(OutputPlanEntity).findOne({ where: { assetId, status: 'closed', ordersIn: 'database' }, order: { quarter: 'DESC' } });
    if (closed) throw Problems.conflict('order_window_closed', `the order window for ${closed.quarter} closed at ${closed.windowClosesAt.toISOString()}`);
    const v = await this.view(assetId);
    if (v.ordersIn === 'database') {
      throw Problems.conflict(
        'order_window_closed',
        v.window ? `the order window for ${v.quarter} is ${v.status === 'waiting' ? `not open yet (opens ${v.window.opensAt})` : 'closed'}` : 'the order window is not open',
      );
    }
    try {
      const view = await this.temporal.withDeadline(Date.now() + 30_000, () =>
        this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).executeUpdate(placeOrderUpdate, { args: [{ memberId: member.id, lines: dto.lines, standing: dto.standing ?? false }] }),
      );
      return mine(view, member.id);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && REFUSALS[err.cause.type]) throw REFUSALS[err.cause.type](err.cause.message);
      if (err instanceof WorkflowNotFoundError) throw Problems.conflict('no_order_cycle', `asset ${assetId} has no order cycle running`);
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err)) {
        throw new ProblemException(503, 'retry', 'the order may still be pending: send the same order again in a moment (the last order counts)');
      }
      throw err;
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
    const row = await this.ds.transaction(async (m) => {
      const [p] = (await m.query(`SELECT status, window_closes_at <= now() AS past FROM output_plans WHERE id = $1 FOR SHARE`, [plan.id])) as Array<{ status: string; past: boolean }>;
      if (p.status !== 'open' || p.past) throw Problems.conflict('order_window_closed', `the order window for ${plan.quarter} closed at ${plan.windowClosesAt.toISOString()}`);
      const [updated] = (await m.query(
        `UPDATE output_orders SET lines = $4, standing = $5, placed_at = now() WHERE asset_id = $1 AND quarter = $2 AND member_id = $3
         RETURNING member_id, lines, standing, placed_at, carried`,
        [plan.assetId, plan.quarter, member.id, JSON.stringify(lines), dto.standing ?? false],
      )) as [OrderRow[], number];
      if (!updated[0]) throw new ProblemException(403, 'not_an_owner', `only co-owners of the asset when the ${plan.quarter} window opened order its output`);
      return updated[0];
    });
    const myOrder = ownOrder(row);
    return { assetId: plan.assetId, quarter: plan.quarter, status: 'open', window: this.windowOf(plan), myOrder, standingOrder: row.carried, effectiveOrder: myOrder };
  }

  /**
   * The plans of an asset, newest first, and what is still in progress from earlier quarters.
   * With `owners`, every owner's lines; without, product totals only (for prospective buyers).
   */
  async plans(assetId: string, withOwners: boolean) {
    const a = await this.asset(assetId);
    const plans = await this.ds.getRepository(OutputPlanEntity).find({ where: { assetId }, order: { quarter: 'DESC' }, take: 8 });
    const open = await this.ds
      .getRepository(JobEntity)
      .createQueryBuilder('j')
      .where("j.demandType = 'order' AND j.demandId IN (:...ids) AND j.status NOT IN ('confirmed', 'cancelled')", { ids: plans.length ? plans.map((p) => p.id) : ['00000000-0000-0000-0000-000000000000'] })
      .getMany();
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
          ...(withOwners ? { lines: p.plan?.lines ?? [] } : {}),
          inProgress: open
            .filter((j) => j.demandId === p.id)
            .map((j) => ({ jobId: j.id, product: j.productId ?? j.capability, quantity: j.quantity, unit: j.unit, status: j.status, dueAt: j.dueAt.toISOString(), ...(withOwners ? { for: j.recipientId } : {}) })),
        };
      }),
    };
  }

  async isOwner(assetId: string, memberId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM asset_shares WHERE asset_id = $1 AND member_id = $2 AND (parts > 0 OR output_parts > 0)', [assetId, memberId]);
    return rows.length > 0;
  }
}
