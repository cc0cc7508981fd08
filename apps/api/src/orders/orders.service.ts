import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { getOrderCycleQuery, ORDER_CYCLE_WORKFLOW_TYPE, OrderCycleInput, orderCycleWorkflowId, OrderCycleView, OrderRejection, placeOrderUpdate } from '@app/contracts';
import { AssetEntity, JobEntity, MemberEntity, OutputPlanEntity } from '@app/db';
import { isTimeZone, nextOpenQuarter } from '@app/domain';
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
    await this.ds.getRepository(AssetEntity).update({ id: a.id }, { timeZone: dto.timeZone, quarterlyCapacity: dto.quarterlyCapacity, capacityUnit: dto.capacityUnit, outputCatalogue: dto.products });
    return this.asset(id);
  }

  /** Starts the asset's order cycle (once): the first quarter is the next one whose window is still open. */
  async startCycle(id: string): Promise<{ workflowId: string; firstQuarter: string }> {
    const a = await this.asset(id);
    if (!a.outputCatalogue.length || !a.quarterlyCapacity) throw Problems.conflict('no_catalogue', `asset ${id} has no output catalogue yet: PUT /admin/assets/${id}/catalogue first`);
    const quarter = nextOpenQuarter(new Date(), a.timeZone);
    const input: OrderCycleInput = { assetId: a.id, quarter, standingOrders: {}, quartersDone: 0 };
    try {
      await this.temporal.workflow.start(ORDER_CYCLE_WORKFLOW_TYPE, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: orderCycleWorkflowId(a.id),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return { workflowId: orderCycleWorkflowId(a.id), firstQuarter: quarter };
  }

  async view(assetId: string): Promise<OrderCycleView> {
    await this.asset(assetId);
    try {
      return await this.temporal.withDeadline(Date.now() + 3000, () => this.temporal.workflow.getHandle(orderCycleWorkflowId(assetId)).query(getOrderCycleQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw Problems.conflict('no_order_cycle', `asset ${assetId} has no order cycle running`);
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
            .map((j) => ({ jobId: j.id, product: j.capability, quantity: j.quantity, unit: j.unit, status: j.status, dueAt: j.dueAt.toISOString(), ...(withOwners ? { for: j.recipientId } : {}) })),
        };
      }),
    };
  }

  async isOwner(assetId: string, memberId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM asset_shares WHERE asset_id = $1 AND member_id = $2 AND (parts > 0 OR output_parts > 0)', [assetId, memberId]);
    return rows.length > 0;
  }
}
