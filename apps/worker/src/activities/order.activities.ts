import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, log } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { CatalogueProduct, JOB_WORKFLOW_TYPE, JobInput, jobWorkflowId, OpenQuarterResult, OwnerOrder, PlanLine, QuarterPlan, QuarterWindow } from '@app/contracts';
import { AssetEntity, insertJobRow, MemberEntity, OutputPlanEntity, uuidFromKey } from '@app/db';
import { DEFAULT_WINDOW, quarterWindow, zonedTime } from '@app/domain';
import { escapeHtml, formatDeadline, MailOutbox } from '@app/mail';
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

  /** The window opened, or closes soon: tells an owner what can be ordered and how. */
  async sendOrderMail(input: { assetId: string; quarter: string; memberId: string; kind: 'opened' | 'reminder' }): Promise<void> {
    const a = await this.asset(input.assetId);
    const m = await this.ds.getRepository(MemberEntity).findOneBy({ id: input.memberId });
    const plan = await this.ds.getRepository(OutputPlanEntity).findOneBy({ assetId: a.id, quarter: input.quarter });
    if (!m || !plan) return;
    const closes = `${formatDeadline(plan.windowClosesAt)} (${plan.windowClosesAt.toLocaleString('en-GB', { timeZone: a.timeZone, dateStyle: 'medium', timeStyle: 'short' })} ${a.timeZone})`;
    const products = a.outputCatalogue.map((p) => `  - ${p.id}: ${p.name}, per ${p.unit} (${p.capacityPerUnit} ${a.capacityUnit ?? 'units'} of capacity, ready ${p.leadTimeDays} days into the quarter)`).join('\n');
    const subject = input.kind === 'opened' ? `Order now: what "${a.name}" grows for you in ${input.quarter}` : `Reminder: order for "${a.name}", ${input.quarter}, closes soon`;
    const text =
      `Hello ${m.name},\n\n` +
      (input.kind === 'reminder' ? 'You have not ordered yet. ' : '') +
      `The order window for ${input.quarter} of "${a.name}" is open until ${closes}. As a co-owner you are entitled to your output share of its ${a.quarterlyCapacity ?? 0} ${a.capacityUnit ?? 'units'}; what others leave unused is shared among those who ask for more.\n\n` +
      `Products:\n${products}\n\n` +
      `Order with your member token: POST ${this.config.publicUrl}/members/me/assets/${a.id}/orders {"lines":[{"productId":"…","quantity":…}],"standing":true|false}\n` +
      `("standing": keep this order for later quarters when you do not order again).\n`;
    await this.outbox.enqueue({
      key: `order:${a.id}:${input.quarter}:${input.kind}:${m.id}`,
      to: m.email,
      subject,
      text,
      html: `<pre style="font-family: system-ui, sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre>`,
    });
  }
}
