import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, isGrpcDeadlineError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { getOrderCycleQuery, ORDER_CYCLE_WORKFLOW_TYPE, OrderCycleInput, orderCycleWorkflowId, OrderCycleView, OrderRejection, placeOrderUpdate } from '@app/contracts';
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
    const last = await this.ds.getRepository(OutputPlanEntity).findOne({ where: { assetId: a.id, status: 'planned' }, order: { quarter: 'DESC' } });
    const standingOrders = Object.fromEntries((last?.orders ?? []).filter((o) => o.standing).map((o) => [o.memberId, o]));
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

  async order(assetId: string, member: MemberEntity, dto: PlaceOrderDto): Promise<OrderCycleView> {
    await this.asset(assetId);
    try {
      return await this.temporal.withDeadline(Date.now() + 30_000, () =>
        this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).executeUpdate(placeOrderUpdate, { args: [{ memberId: member.id, lines: dto.lines, standing: dto.standing ?? false }] }),
      );
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
