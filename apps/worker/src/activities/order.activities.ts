import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { AppConfig } from '@app/config';
import {
  CatalogueProduct,
  JOB_WORKFLOW_TYPE,
  JobInput,
  jobWorkflowId,
  OpenQuarterOrdersResult,
  OpenQuarterResult,
  OrderProblemInput,
  OwnerOrder,
  PlanLine,
  PlanQuarterSummary,
  QuarterPlan,
  QuarterWindow,
  QueueOrderMailInput,
} from '@app/contracts';
import { AssetEntity, AssetsRepository, JobsRepository, LeasesRepository, MembersRepository, OutputOrdersRepository, OutputPlanEntity, OwnershipService, uuidFromKey } from '@app/db';
import { capacityForSale, DEFAULT_WINDOW, effectiveOutputTable, outputEntitlements, percentText, planWithCredits, quarterWindow, zonedTime } from '@app/domain';
import { escapeHtml, formatDeadline, KeyedMail, LeaseMail, MailOutbox, MemberLinks, renderOrderMail } from '@app/mail';
import { WebhookSender } from '@app/nodes';
import { allocate } from '../../../../workflows/output-orders/allocate';

const DAY = 86_400_000;
/** Owners whose mail is rendered and queued per statement (and per heartbeat); jobs started per heartbeat. */
const CHUNK = 500;

/** Activities of the quarterly output cycle of a producing asset. */
@Injectable()
export class OrderActivities {
  constructor(
    private readonly orders: OutputOrdersRepository,
    private readonly assets: AssetsRepository,
    private readonly ownership: OwnershipService,
    private readonly members: MembersRepository,
    private readonly jobs: JobsRepository,
    private readonly outbox: MailOutbox,
    private readonly webhooks: WebhookSender,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly links: MemberLinks,
    private readonly leases: LeasesRepository,
    private readonly leaseMail: LeaseMail,
  ) {}

  private async asset(assetId: string): Promise<AssetEntity> {
    const a = await this.assets.findById(assetId);
    if (!a) throw ApplicationFailure.nonRetryable(`asset ${assetId} not found`, 'AssetNotFound');
    return a;
  }

  /** A plan the workflow names: a plain (retryable) error if missing, as TypeORM's findOneByOrFail threw before. */
  private async storedPlan(planId: string): Promise<OutputPlanEntity> {
    const plan = await this.orders.findPlanById(planId);
    if (!plan) throw new Error(`output plan ${planId} not found`);
    return plan;
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
    const owners = await this.ownership.activeOutputShares(a.id);
    await this.orders.openQuarterInWorkflow(a.id, input.quarter, input.window);
    return {
      window: input.window,
      catalogue: a.outputCatalogue,
      capacity: a.quarterlyCapacity ?? 0,
      capacityUnit: a.capacityUnit ?? 'units',
      nodeId: a.nodeId,
      owners: owners.map((o) => ({ memberId: o.memberId, weight: String(o.outputParts) })),
    };
  }

  /**
   * Opens a quarter whose orders live in PostgreSQL: the plan row with the catalogue, capacity
   * and node as they are now, and a row per owner with an output share (active members), each
   * with the standing order carried from their latest earlier quarter (their order there if it
   * was standing, else what was carried there), or, for the first such quarter after a run that
   * kept orders in the workflow, what that run handed over. A quarter left open by such a run
   * (a cycle restarted) is taken over with its orders. Idempotent: a retry after the commit
   * changes nothing (the owners are those of the first attempt).
   *
   * Leases of output rights take effect here, in the same transaction: each lease quarter due is
   * charged (once per lease and quarter; unpaid, the output stays with its owner this quarter and
   * both are told), and each lease in force moves the leased parts' share of its lessor's output
   * to the lessee for this quarter (`effectiveOutputTable`), so the prompts, the orders and the
   * allocation all treat the lessee as the owner of that output. Ownership itself is unchanged.
   */
  async openQuarterOrders(input: { assetId: string; quarter: string; window: QuarterWindow; standingOrders: Record<string, OwnerOrder> }): Promise<OpenQuarterOrdersResult> {
    const a = await this.asset(input.assetId);
    return this.orders.openQuarter(a, input.quarter, input.window, input.standingOrders ?? {}, async (m) => {
      // The asset row's share lock: no lease is decided, and no part sold, while the table is made.
      await this.leases.lockForQuarter(m, a.id);
      const grants = await this.leases.startQuarter(m, a.id, input.quarter, (tx, e) => this.leaseMail.queue(e, tx));
      const shares = (await this.ownership.table(a.id, m)).map((s) => ({ memberId: s.memberId, parts: s.parts, outputParts: s.outputParts }));
      return effectiveOutputTable(shares, grants).table;
    });
  }

  /**
   * Closes a quarter's window: no order is taken after this commits. The API writes each order
   * under a share lock of the plan row; this update waits for those in flight.
   */
  async closeQuarterOrders(input: { assetId: string; quarter: string }): Promise<{ ordered: number }> {
    return this.orders.closeQuarter(input.assetId, input.quarter);
  }

  /**
   * Allocates a closed quarter: each owner's effective order (this quarter's, else the standing
   * one), the capacity by output shares (allocate, the same pure rules as before), recorded as
   * the plan with the effective orders. Output credits (jobs paid in this quarter's output),
   * granted or still promised, come off the top first; each granted one is a line for its holder.
   * Answers a summary; the lines stay in PostgreSQL. Idempotent: a planned quarter answers its plan again.
   */
  async planQuarter(input: { assetId: string; quarter: string }): Promise<PlanQuarterSummary> {
    const planned = await this.orders.planQuarter(input.assetId, input.quarter, (q, owners, credits) => {
      const effective: Record<string, OwnerOrder | undefined> = {};
      for (const o of owners) effective[o.memberId] = o.effective ?? undefined;
      // The catalogue's fixed parts for sale, then the output credits (jobs paid in this quarter's
      // output), come out of the capacity before the owners share it.
      const forSale = capacityForSale(q.catalogue.filter((p) => p.sale).map((p) => ({ productId: p.id, capacityPerUnit: p.capacityPerUnit, fixedUnits: p.sale!.fixedUnits, unordered: p.sale!.unordered })));
      return planWithCredits({ capacity: q.capacity, forSale, catalogue: q.catalogue }, credits, (rest) =>
        allocate(rest, owners.map((o) => ({ memberId: o.memberId, weight: o.weight })), effective, q.catalogue, input.quarter),
      );
    });
    if (!planned) throw ApplicationFailure.nonRetryable(`quarter ${input.quarter} of asset ${input.assetId} was never opened`, 'QuarterNotOpened');
    const { planId, plan } = planned;
    return { planId, lines: plan.lines.length, granted: plan.lines.reduce((n, l) => n + l.granted, 0), spare: plan.spare };
  }

  /**
   * Queues one kind of order mail for every owner it concerns (`opened` and `allocated`: every
   * owner of the quarter; `reminder`: those with neither an order nor a standing order, while the
   * window is open), 500 at a time, heartbeating the last owner done so a retry resumes there
   * (the outbox key makes overlap harmless). Shares are the quarter's rows' weights (as the
   * window opened, the ones the plan used); `allocated` waits for the plan.
   */
  async queueOrderMail(input: QueueOrderMailInput): Promise<{ queued: number }> {
    const a = await this.asset(input.assetId);
    const plan = await this.orders.findPlan(a.id, input.quarter);
    if (!plan || (input.kind === 'reminder' && plan.status !== 'open') || (input.kind === 'allocated' && !plan.plan)) return { queued: 0 };
    const weights = await this.orders.quarterWeights(a.id, input.quarter);
    const parts = new Map(weights.map((w) => [w.memberId, w.weight]));
    const total = weights.reduce((t, w) => t + w.weight, 0n);
    const capacity = plan.plan?.capacity ?? plan.capacity ?? a.quarterlyCapacity ?? 0;
    const entitled = outputEntitlements(capacity, weights);
    const planned = new Map<string, PlanLine[]>();
    for (const l of plan.plan?.lines ?? []) planned.set(l.memberId, [...(planned.get(l.memberId) ?? []), l]);
    const ctx = Context.current();
    let after = (ctx.info.heartbeatDetails as { after?: string } | undefined)?.after ?? null;
    let queued = 0;
    for (;;) {
      const owners = await this.orders.mailBatch(a.id, input.quarter, after, CHUNK, input.kind === 'reminder');
      if (owners.length === 0) break;
      const mails: KeyedMail[] = owners.map((o) => ({
        key: `order:${a.id}:${input.quarter}:${input.kind}:${o.memberId}`,
        to: o.email,
        ...this.orderMail(
          a,
          plan,
          input.kind,
          { id: o.memberId, name: o.name },
          { parts: parts.get(o.memberId) ?? 0n, total, entitled: entitled[o.memberId] ?? 0, capacity },
          planned.get(o.memberId) ?? [],
        ),
      }));
      queued += await this.outbox.enqueueMany(mails);
      after = owners[owners.length - 1].memberId;
      ctx.heartbeat({ after });
    }
    log.info('order mail queued', { assetId: a.id, quarter: input.quarter, kind: input.kind, queued });
    return { queued };
  }

  /**
   * Starts the production jobs of a planned quarter (one per owner and product granted), reading
   * the plan, catalogue, window and node from PostgreSQL; heartbeats its progress so a retry
   * resumes there (job ids derive from the plan line, so a repeat starts nothing twice).
   */
  async dispatchPlanJobs(input: { assetId: string; quarter: string; planId: string }): Promise<number> {
    const plan = await this.storedPlan(input.planId);
    if (!plan.nodeId) {
      log.warn('asset has no node: no jobs dispatched', { assetId: input.assetId, quarter: input.quarter });
      return 0;
    }
    const window: QuarterWindow = {
      quarter: plan.quarter,
      opensAt: plan.windowOpensAt.toISOString(),
      closesAt: plan.windowClosesAt.toISOString(),
      startsAt: plan.startsAt.toISOString(),
      timeZone: plan.timeZone ?? 'UTC',
    };
    const lines = (plan.plan?.lines ?? []).filter((l) => l.granted > 0);
    const ctx = Context.current();
    let from = (ctx.info.heartbeatDetails as { done?: number } | undefined)?.done ?? 0;
    let started = 0;
    for (; from < lines.length; from += CHUNK) {
      for (const line of lines.slice(from, from + CHUNK)) {
        if (await this.dispatchLine({ assetId: input.assetId, quarter: input.quarter, planId: plan.id, nodeId: plan.nodeId, window, catalogue: plan.catalogue ?? [] }, line)) started += 1;
      }
      ctx.heartbeat({ done: Math.min(from + CHUNK, lines.length) });
    }
    log.info('order jobs dispatched', { assetId: input.assetId, quarter: input.quarter, started });
    return started;
  }

  /** Tells the coordinator, once per quarter and step, that a quarter could not store its data. */
  async reportOrderProblem(input: OrderProblemInput): Promise<void> {
    const a = await this.assets.findById(input.assetId);
    const text =
      `The ${input.quarter} output orders of ${a ? `"${a.name}" ` : ''}(${input.assetId}) could not store their data (step: ${input.step}).\n\n` +
      `What PostgreSQL said: ${input.message.split('\u0000').join('\\0')}\n\nThe order cycle went on with the next quarter; this quarter may need to be planned by hand.\n`;
    await this.outbox.enqueue({
      key: `order:${input.assetId}:${input.quarter}:problem:${input.step}`,
      to: this.config.coordinatorEmail,
      subject: `Order cycle problem: ${a?.name ?? input.assetId}, ${input.quarter}`,
      text,
      html: `<pre style="font-family: system-ui, sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre>`,
    });
    log.warn('order problem reported to the coordinator', { ...input });
  }

  /** (Runs that kept orders in the workflow.) The orders so far; `seq` keeps a slower write from overwriting a newer one. */
  async recordOrders(input: { assetId: string; quarter: string; seq: number; orders: OwnerOrder[] }): Promise<void> {
    await this.orders.recordWorkflowOrders(input.assetId, input.quarter, input.seq, input.orders);
  }

  /** Records the quarter's plan; answers the plan's id. Idempotent. */
  async recordPlan(input: { assetId: string; quarter: string; plan: QuarterPlan; orders: OwnerOrder[] }): Promise<string> {
    const id = await this.orders.recordWorkflowPlan(input.assetId, input.quarter, input.plan, input.orders);
    // As TypeORM's findOneByOrFail did: a plain (retryable) error until the quarter's row exists.
    if (!id) throw new Error(`quarter ${input.quarter} of asset ${input.assetId} has no plan row`);
    return id;
  }

  /**
   * Sends the node its production plan (a signed `plan.published`) and records how that went.
   * The plan comes from PostgreSQL unless given (runs that kept orders in the workflow give it).
   */
  async sendPlanToNode(input: { assetId: string; quarter: string; planId: string; nodeId: string; plan?: QuarterPlan }): Promise<void> {
    const plan = input.plan ?? (await this.storedPlan(input.planId)).plan;
    if (!plan) throw ApplicationFailure.nonRetryable(`plan ${input.planId} has no lines yet`, 'PlanNotMade');
    const totals: Record<string, number> = {};
    for (const l of plan.lines) totals[l.productId] = (totals[l.productId] ?? 0) + l.granted;
    const r = await this.webhooks.deliver(input.nodeId, {
      id: `evt_plan_${input.planId.replace(/-/g, '')}`,
      type: 'plan.published',
      data: { assetId: input.assetId, quarter: input.quarter, planId: input.planId, products: totals, capacity: plan.capacity, spare: plan.spare },
    });
    await this.orders.recordPlanSent(input.planId, r.outcome === 'delivered', `${r.outcome}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''}${r.error ? `: ${r.error}` : ''}`);
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
    for (const line of input.lines) if (await this.dispatchLine({ ...input, nodeId: input.nodeId }, line)) started += 1;
    log.info('order jobs dispatched', { assetId: input.assetId, quarter: input.quarter, started });
    return started;
  }

  /** Starts the job of one plan line (false when it had started before, or its product is gone). */
  private async dispatchLine(
    input: { assetId: string; quarter: string; planId: string; nodeId: string; window: QuarterWindow; catalogue: CatalogueProduct[] },
    line: PlanLine,
  ): Promise<boolean> {
    const spec = `${this.config.publicUrl}/public/assets/${input.assetId}/plans`;
    // The catalogue as it was when the window opened (a later edit does not change this quarter).
    const product = input.catalogue.find((p) => p.id === line.productId);
    if (!product) return false;
    // A credit's line has its own job: its holder may also have ordered the same product.
    const jobId = uuidFromKey(line.creditId ? `credit-job:${input.planId}:${line.creditId}` : `order-job:${input.planId}:${line.memberId}:${line.productId}`);
    // Ready `leadTimeDays` local calendar days after the quarter starts (correct across DST).
    const start = new Date(Date.parse(input.window.startsAt) + 12 * 3_600_000);
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: input.window.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(start).split('-').map(Number);
    const dueAt = zonedTime(input.window.timeZone, local[0], local[1], local[2] + product.leadTimeDays);
    await this.jobs.create({
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
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }

  /**
   * An owner's order mail: the window opened, closes soon, or (`allocated`, once the plan is made)
   * what they get and why; each links to the asset's order page (signed, signing the owner in)
   * and names the asset and its products. `share` is the owner's output share in words.
   */
  private orderMail(
    a: AssetEntity,
    plan: OutputPlanEntity,
    kind: 'opened' | 'reminder' | 'allocated',
    member: { id: string; name: string },
    share: { parts: bigint; total: bigint; entitled: number; capacity: number },
    planned: PlanLine[],
  ): { subject: string; text: string; html: string } {
    const closes = `${formatDeadline(plan.windowClosesAt)} (${plan.windowClosesAt.toLocaleString('en-GB', { timeZone: a.timeZone, dateStyle: 'medium', timeStyle: 'short' })} ${a.timeZone})`;
    const unit = a.capacityUnit ?? 'units';
    // The catalogue as the window opened (orders in the database), else the asset's.
    const catalogue = plan.catalogue ?? a.outputCatalogue;
    const product = (id: string) => catalogue.find((p) => p.id === id);
    return renderOrderMail({
      kind,
      memberName: member.name,
      assetName: a.name,
      quarter: plan.quarter,
      closes,
      capacity: share.capacity,
      capacityUnit: unit,
      share: `${percentText(share.parts, share.total)} = ${share.entitled} ${unit} of ${share.capacity} ${unit}`,
      products: catalogue.map((p) => ({ name: p.name, unit: p.unit, capacityPerUnit: p.capacityPerUnit, leadTimeDays: p.leadTimeDays })),
      allocation: planned.map((l) => ({ name: product(l.productId)?.name ?? l.productId, unit: product(l.productId)?.unit ?? '', requested: l.requested, granted: l.granted })),
      // Until the window closes; the allocation's link for two weeks.
      link: this.links.page(member.id, `/assets/${a.id}/orders`, kind === 'allocated' ? new Date(Date.now() + 14 * DAY) : plan.windowClosesAt),
    });
  }

  /**
   * (Runs that kept orders in the workflow.) Tells an owner that the window opened, that it
   * closes soon, or (`allocated`, once the plan is made) what they get and why.
   */
  async sendOrderMail(input: { assetId: string; quarter: string; memberId: string; kind: 'opened' | 'reminder' | 'allocated' }): Promise<void> {
    const a = await this.asset(input.assetId);
    const m = await this.members.findById(input.memberId);
    const plan = await this.orders.findPlan(a.id, input.quarter);
    if (!m || !plan) return;
    const weights = (await this.ownership.activeOutputShares(a.id)).map((o) => ({ memberId: o.memberId, weight: o.outputParts }));
    const capacity = plan.plan?.capacity ?? a.quarterlyCapacity ?? 0;
    const share = {
      parts: weights.find((w) => w.memberId === m.id)?.weight ?? 0n,
      total: weights.reduce((t, w) => t + w.weight, 0n),
      entitled: outputEntitlements(capacity, weights)[m.id] ?? 0,
      capacity,
    };
    const mail = this.orderMail(a, plan, input.kind, m, share, (plan.plan?.lines ?? []).filter((l) => l.memberId === m.id));
    await this.outbox.enqueue({ key: `order:${a.id}:${input.quarter}:${input.kind}:${m.id}`, to: m.email, ...mail });
  }
}
