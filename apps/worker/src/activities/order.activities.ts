import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, log } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { CatalogueProduct, JOB_WORKFLOW_TYPE, JobInput, jobWorkflowId, OpenQuarterResult, OwnerOrder, PlanLine, QuarterPlan, QuarterWindow } from '@app/contracts';
import { AssetEntity, insertJobRow, MemberEntity, OutputPlanEntity, uuidFromKey } from '@app/db';
import { DEFAULT_WINDOW, outputEntitlements, percentText, quarterWindow, zonedTime } from '@app/domain';
import { formatDeadline, MailOutbox, MemberLinks, renderOrderMail } from '@app/mail';
import { WebhookSender } from '@app/nodes';

const DAY = 86_400_000;

/** Activities of the quarterly output cycle of a producing asset. */
@Injectable()
export class OrderActivities {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly outbox: MailOutbox,
    private readonly webhooks: WebhookSender,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly links: MemberLinks,
  ) {}

  private async asset(assetId: string): Promise<AssetEntity> {
    const a = await this.ds.getRepository(AssetEntity).findOneBy({ id: assetId });
    if (!a) throw ApplicationFailure.nonRetryable(`asset ${assetId} not found`, 'AssetNotFound');
    return a;
  }

  /** The quarter's order window in the asset's time zone (Intl, so not in the workflow sandbox). */
  async quarterWindowFor(input: { assetId: string; quarter: string }): Promise<QuarterWindow> {
    const a = await this.asset(input.assetId);
    const w = quarterWindow(input.quarter, a.timeZone, a.orderWindow ?? DEFAULT_WINDOW);
    return { quarter: input.quarter, opensAt: w.opensAt.toISOString(), closesAt: w.closesAt.toISOString(), startsAt: w.startsAt.toISOString(), timeZone: a.timeZone };
  }

  /** Opens the window: the catalogue and capacity as they are now, the owners with an output share. */
  async openQuarter(input: { assetId: string; quarter: string; window: QuarterWindow }): Promise<OpenQuarterResult> {
    const a = await this.asset(input.assetId);
    const owners: Array<{ member_id: string; output_parts: string }> = await this.ds.query(
      `SELECT s.member_id, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id AND m.status = 'active'
        WHERE s.asset_id = $1 AND s.output_parts > 0 ORDER BY s.member_id`,
      [a.id],
    );
    await this.ds.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at)
       VALUES ($1, $2, 'open', $3, $4, $5) ON CONFLICT (asset_id, quarter) DO NOTHING`,
      [a.id, input.quarter, input.window.opensAt, input.window.closesAt, input.window.startsAt],
    );
    return {
      window: input.window,
      catalogue: a.outputCatalogue,
      capacity: a.quarterlyCapacity ?? 0,
      capacityUnit: a.capacityUnit ?? 'units',
      nodeId: a.nodeId,
      owners: owners.map((o) => ({ memberId: o.member_id, weight: o.output_parts })),
    };
  }

  /** The orders so far; `seq` keeps a slower write from overwriting a newer one. */
  async recordOrders(input: { assetId: string; quarter: string; seq: number; orders: OwnerOrder[] }): Promise<void> {
    await this.ds.query(`UPDATE output_plans SET orders = $3, orders_seq = $4, updated_at = now() WHERE asset_id = $1 AND quarter = $2 AND orders_seq < $4`, [
      input.assetId,
      input.quarter,
      JSON.stringify(input.orders),
      input.seq,
    ]);
  }

  /** Records the quarter's plan; answers the plan's id. Idempotent. */
  async recordPlan(input: { assetId: string; quarter: string; plan: QuarterPlan; orders: OwnerOrder[] }): Promise<string> {
    await this.ds.query(
      `UPDATE output_plans SET status = 'planned', plan = $3, orders = $4, updated_at = now() WHERE asset_id = $1 AND quarter = $2`,
      [input.assetId, input.quarter, JSON.stringify(input.plan), JSON.stringify(input.orders)],
    );
    return (await this.ds.getRepository(OutputPlanEntity).findOneByOrFail({ assetId: input.assetId, quarter: input.quarter })).id;
  }

  /** Sends the node its production plan (a signed `plan.published`) and records how that went. */
  async sendPlanToNode(input: { assetId: string; quarter: string; planId: string; nodeId: string; plan: QuarterPlan }): Promise<void> {
    const totals: Record<string, number> = {};
    for (const l of input.plan.lines) totals[l.productId] = (totals[l.productId] ?? 0) + l.granted;
    const r = await this.webhooks.deliver(input.nodeId, {
      id: `evt_plan_${input.planId.replace(/-/g, '')}`,
      type: 'plan.published',
      data: { assetId: input.assetId, quarter: input.quarter, planId: input.planId, products: totals, capacity: input.plan.capacity, spare: input.plan.spare },
    });
    await this.ds.query(`UPDATE output_plans SET plan_sent_at = CASE WHEN $2 THEN now() ELSE plan_sent_at END, plan_send_result = $3 WHERE id = $1`, [
      input.planId,
      r.outcome === 'delivered',
      `${r.outcome}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''}${r.error ? `: ${r.error}` : ''}`,
    ]);
    if (r.outcome === 'retry') throw ApplicationFailure.create({ message: `plan to node ${input.nodeId}: ${r.error}`, type: 'WebhookRetry', nextRetryDelay: r.retryAfterMs ?? undefined });
  }

  /**
   * One production job per owner and product, delivered to that owner and offered only to the
   * asset's node; due when the product is ready (quarter start + lead time). Idempotent: job ids
   * derive from the plan line.
   */
  async dispatchOrderJobs(input: { assetId: string; quarter: string; planId: string; nodeId: string | null; window: QuarterWindow; catalogue: CatalogueProduct[]; lines: PlanLine[] }): Promise<number> {
    // Without its own node the asset's output cannot be made: the coordinator must assign one.
    if (!input.nodeId) {
      log.warn('asset has no node: no jobs dispatched', { assetId: input.assetId, quarter: input.quarter });
      return 0;
    }
    let started = 0;
    const spec = `${this.config.publicUrl}/public/assets/${input.assetId}/plans`;
    for (const line of input.lines) {
      // The catalogue as it was when the window opened (a later edit does not change this quarter).
      const product = input.catalogue.find((p) => p.id === line.productId);
      if (!product) continue;
      const jobId = uuidFromKey(`order-job:${input.planId}:${line.memberId}:${line.productId}`);
      // Ready `leadTimeDays` local calendar days after the quarter starts (correct across DST).
      const start = new Date(Date.parse(input.window.startsAt) + 12 * 3_600_000);
      const local = new Intl.DateTimeFormat('en-CA', { timeZone: input.window.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(start).split('-').map(Number);
      const dueAt = zonedTime(input.window.timeZone, local[0], local[1], local[2] + product.leadTimeDays);
      await insertJobRow(this.ds, {
        id: jobId,
        capability: product.capability,
        productId: product.id,
        quantity: line.granted,
        unit: product.unit,
        specUrl: spec,
        dueAt,
        recipient: { type: 'member', id: line.memberId },
        demand: { type: 'order', id: input.planId },
        createdBy: `output-cycle:${input.quarter}`,
      });
      const job: JobInput = {
        jobId,
        capability: product.capability,
        quantity: line.granted,
        unit: product.unit,
        specUrl: spec,
        dueAt: dueAt.toISOString(),
        recipient: { type: 'member', id: line.memberId, confirmerId: line.memberId },
        demand: { type: 'order', id: input.planId },
        locationId: null,
        offerTimeoutMs: DAY,
        maxDelayMs: 7 * DAY,
        allowPartial: false,
        confirmWithinMs: 7 * DAY,
        createdBy: `output-cycle:${input.quarter}`,
        onlyNodeIds: [input.nodeId],
      };
      try {
        await this.temporal.workflow.start(JOB_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: jobWorkflowId(jobId), args: [job] });
        started += 1;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    log.info('order jobs dispatched', { assetId: input.assetId, quarter: input.quarter, started });
    return started;
  }

  /**
   * Tells an owner that the window opened, that it closes soon, or (`allocated`, once the plan is
   * made) what they get and why: each email links to the asset's order page and names the asset
   * and its products.
   */
  async sendOrderMail(input: { assetId: string; quarter: string; memberId: string; kind: 'opened' | 'reminder' | 'allocated' }): Promise<void> {
    const a = await this.asset(input.assetId);
    const m = await this.ds.getRepository(MemberEntity).findOneBy({ id: input.memberId });
    const plan = await this.ds.getRepository(OutputPlanEntity).findOneBy({ assetId: a.id, quarter: input.quarter });
    if (!m || !plan) return;
    const closes = `${formatDeadline(plan.windowClosesAt)} (${plan.windowClosesAt.toLocaleString('en-GB', { timeZone: a.timeZone, dateStyle: 'medium', timeStyle: 'short' })} ${a.timeZone})`;
    const owners: Array<{ member_id: string; output_parts: string }> = await this.ds.query(
      `SELECT s.member_id, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id AND m.status = 'active'
        WHERE s.asset_id = $1 AND s.output_parts > 0 ORDER BY s.member_id`,
      [a.id],
    );
    const weights = owners.map((o) => ({ memberId: o.member_id, weight: BigInt(o.output_parts) }));
    const capacity = plan.plan?.capacity ?? a.quarterlyCapacity ?? 0;
    const unit = a.capacityUnit ?? 'units';
    const mine = weights.find((w) => w.memberId === m.id)?.weight ?? 0n;
    const total = weights.reduce((s, w) => s + w.weight, 0n);
    const share = `${percentText(mine, total)} = ${outputEntitlements(capacity, weights)[m.id] ?? 0} ${unit} of ${capacity} ${unit}`;
    const name = (id: string) => a.outputCatalogue.find((p) => p.id === id);
    const mail = renderOrderMail({
      kind: input.kind,
      memberName: m.name,
      assetName: a.name,
      quarter: input.quarter,
      closes,
      capacity,
      capacityUnit: unit,
      share,
      products: a.outputCatalogue.map((p) => ({ name: p.name, unit: p.unit, capacityPerUnit: p.capacityPerUnit, leadTimeDays: p.leadTimeDays })),
      allocation: (plan.plan?.lines ?? [])
        .filter((l) => l.memberId === m.id)
        .map((l) => ({ name: name(l.productId)?.name ?? l.productId, unit: name(l.productId)?.unit ?? '', requested: l.requested, granted: l.granted })),
      // Until the window closes; the allocation's link for two weeks.
      link: this.links.page(m.id, `/assets/${a.id}/orders`, input.kind === 'allocated' ? new Date(Date.now() + 14 * DAY) : plan.windowClosesAt),
    });
    await this.outbox.enqueue({ key: `order:${a.id}:${input.quarter}:${input.kind}:${m.id}`, to: m.email, ...mail });
  }
}
