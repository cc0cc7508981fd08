import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  completeJobUpdate,
  completionProblem,
  counterPriceProblem,
  getJobQuery,
  JOB_WORKFLOW_TYPE,
  JobInput,
  JobOffer,
  JobRejection,
  jobWorkflowId,
  JobView,
  NodeAnswer,
  reportProgressUpdate,
} from '@app/contracts';
import { CreditRefusal, JobEntity, JobPaymentsRepository, JobsRepository, LedgerService, MembersRepository, NewJobRow, NodeEntity, NodesRepository, OutputCreditsRepository, ProjectsRepository, UnsettleableJob } from '@app/db';
import { Currency } from '@app/domain';
import { pingTemporal } from '@app/temporal';
import { Page, pageOf, PageQuery } from '../common/dto';
import { ProblemException, Problems } from '../common/problem';
import { queryLive, refusalOf, workflowCallProblem } from '../common/workflow-calls';
import { CompleteDto, CreateJobDto, ListJobsQuery, ProgressDto } from './jobs.dto';

const HOUR = 3_600_000;
/** 409: the quarter or what is left of it refuses the credit; 422: the request names what is not there; 400: malformed. */
const CREDIT_STATUS: Record<CreditRefusal['code'], number> = {
  quarter_closed: 409,
  credit_over_capacity: 409,
  unknown_asset: 422,
  asset_not_producing: 422,
  unknown_product: 422,
  invalid_quarter: 400,
};
const CREDIT_FIELD: Record<CreditRefusal['code'], string> = {
  quarter_closed: 'creditPrice.quarter',
  credit_over_capacity: 'creditPrice.units',
  unknown_asset: 'creditPrice.assetId',
  asset_not_producing: 'creditPrice.assetId',
  unknown_product: 'creditPrice.productId',
  invalid_quarter: 'creditPrice.quarter',
};
/** The workflow refused the call because it is already applied: the answer is the current state. */
const isRepeat = (err: unknown) => refusalOf(err)?.type === JobRejection.Repeat;

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly jobs: JobsRepository,
    private readonly projects: ProjectsRepository,
    private readonly members: MembersRepository,
    private readonly nodes: NodesRepository,
    private readonly ledger: LedgerService,
    private readonly payments: JobPaymentsRepository,
    private readonly credits: OutputCreditsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A job against a real demand: the project must be active, the recipient must exist. */
  async create(dto: CreateJobDto, actor: string): Promise<JobEntity> {
    const project = await this.projects.findById(dto.demand.id);
    if (!project) throw new ProblemException(422, 'unknown_demand', `project ${dto.demand.id} does not exist: a job needs a real demand`, [{ field: 'demand.id', code: 'unknown_demand', message: 'no such project' }]);
    if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${project.id} is ${project.status}; it needs no more work`);
    if (Date.parse(dto.dueAt) < Date.now() + HOUR) throw Problems.badRequest('dueAt', 'dueAt must be at least an hour ahead');
    let confirmerId: string;
    let locationId: string | null = null;
    if (dto.recipient.type === 'member') {
      const m = await this.members.findById(dto.recipient.id);
      if (!m || m.status !== 'active') throw new ProblemException(422, 'unknown_recipient', `member ${dto.recipient.id} is not an active member`, [{ field: 'recipient.id', code: 'unknown_recipient', message: 'not an active member' }]);
      confirmerId = m.id;
    } else {
      const n = await this.nodes.findById(dto.recipient.id);
      if (!n) throw new ProblemException(422, 'unknown_recipient', `node ${dto.recipient.id} does not exist`, [{ field: 'recipient.id', code: 'unknown_recipient', message: 'no such node' }]);
      confirmerId = n.ownerMemberId;
      locationId = n.locationId;
    }
    if (dto.price && dto.creditPrice) {
      throw new ProblemException(422, 'price_and_credit', 'a job is paid in money (price) or in output (creditPrice), not both', [{ field: 'creditPrice', code: 'price_and_credit', message: 'give price or creditPrice' }]);
    }
    const price = await this.priceOf(dto, project.id);
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
    const id = randomUUID();
    const row: NewJobRow = {
      id,
      capability: dto.capability,
      quantity: dto.quantity,
      unit: dto.unit,
      specUrl: dto.specUrl,
      dueAt: new Date(dto.dueAt),
      recipient: dto.recipient,
      demand: dto.demand,
      createdBy: actor,
      price,
    };
    if (dto.creditPrice) {
      // The job row and its credit in one transaction, or neither (the workflow knows no credit:
      // the job's projection grants or cancels it).
      const c = dto.creditPrice;
      try {
        await this.credits.createJobWithCredit(row, { assetId: c.assetId, productId: c.productId, quarter: c.quarter, units: c.units });
      } catch (err) {
        if (!(err instanceof CreditRefusal)) throw err;
        throw new ProblemException(CREDIT_STATUS[err.code], err.code, err.message, [{ field: CREDIT_FIELD[err.code], code: err.code, message: err.message }], err.figures);
      }
    } else {
      await this.jobs.create(row);
    }
    const input: JobInput = {
      jobId: id,
      capability: dto.capability,
      quantity: dto.quantity,
      unit: dto.unit,
      specUrl: dto.specUrl,
      dueAt: new Date(dto.dueAt).toISOString(),
      recipient: { type: dto.recipient.type, id: dto.recipient.id, confirmerId },
      demand: dto.demand,
      locationId,
      offerTimeoutMs: (dto.offerTimeoutSeconds ?? 86_400) * 1000,
      maxDelayMs: (dto.maxDelayHours ?? 72) * HOUR,
      allowPartial: dto.allowPartial ?? false,
      confirmWithinMs: (dto.confirmWithinHours ?? 168) * HOUR,
      createdBy: actor,
      ...(price
        ? {
            price: { amount: String(price.amount), currency: price.currency },
            ...(price.ceiling !== null ? { priceCeiling: String(price.ceiling) } : {}),
            ...(price.payProgressOnCancel ? { payProgressOnCancel: true } : {}),
          }
        : {}),
    };
    try {
      await this.temporal.workflow.start(JOB_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: jobWorkflowId(id), args: [input] });
    } catch (err) {
      await this.jobs.delete(id);
      throw err;
    }
    return this.find(id);
  }

  /**
   * Paid work: the price is paid from the project's account, in its currency (a project whose
   * account holds another currency refuses it: 422 `currency_mismatch`); a ceiling below the price
   * makes no sense (400). A project without an account yet gets one in the price's currency.
   */
  private async priceOf(dto: CreateJobDto, projectId: string) {
    if (!dto.price) {
      if (dto.priceCeiling !== undefined || dto.payProgressOnCancel) throw Problems.badRequest('price', 'priceCeiling and payProgressOnCancel need a price');
      return null;
    }
    const { amount, currency } = dto.price;
    if (dto.priceCeiling !== undefined && dto.priceCeiling < amount) throw Problems.badRequest('priceCeiling', `priceCeiling (${dto.priceCeiling}) is below the price (${amount})`);
    const accounts = await this.ledger.accountsWithBalances({ ownerId: projectId, kind: 'project' });
    if (accounts.length > 0 && !accounts.some((a) => a.currency === currency)) {
      const theirs = [...new Set(accounts.map((a) => a.currency))].join(', ');
      throw new ProblemException(422, 'currency_mismatch', `the project's account holds ${theirs}; a price in ${currency} cannot be paid from it`, [{ field: 'price.currency', code: 'currency_mismatch', message: `the project pays in ${theirs}` }]);
    }
    const payer = await this.ledger.account('project', projectId, currency as Currency);
    return { amount, currency, ceiling: dto.priceCeiling ?? null, payerAccountId: payer.id, payProgressOnCancel: dto.payProgressOnCancel ?? false };
  }

  /** A job with its credit (a price in output), if any. */
  async find(id: string): Promise<JobEntity> {
    const j = await this.jobs.findById(id);
    if (!j) throw Problems.notFound('job', id);
    j.credit = await this.credits.findByJob(id);
    return j;
  }

  live(j: JobEntity): Promise<JobView | null> {
    return queryLive(this.temporal, j.workflowId, getJobQuery, this.logger);
  }

  async list(q: ListJobsQuery, filter: { nodeId?: string } = {}): Promise<Page<JobEntity>> {
    const { limit, offset } = pageOf(q);
    // A node sees the jobs it holds and the ones offered to it right now.
    const { items, total } = await this.jobs.list({ status: q.status, nodeId: filter.nodeId, limit, offset });
    const credits = await this.credits.byJobs(items.map((j) => j.id));
    for (const j of items) j.credit = credits.get(j.id) ?? null;
    return { items, total, limit, offset };
  }

  /** Every offer of a job, oldest first (the job itself shows only the latest). */
  async offers(id: string, q: PageQuery): Promise<Page<JobOffer>> {
    await this.find(id);
    const { limit, offset } = pageOf(q);
    const { items: rows, total } = await this.jobs.offers(id, { limit, offset });
    const items = rows.map((o) => ({ offerId: o.offerId, nodeId: o.nodeId, offeredAt: o.offeredAt.toISOString(), answer: o.answer, reason: o.reason, answeredAt: o.answeredAt?.toISOString() ?? null }));
    return { items, total, limit, offset };
  }

  /**
   * A priced delivery the recipient did not answer in time keeps its price reserved after the job
   * ends: a treasurer pays the node owner or releases the money to the payer. The same outcome
   * again is a no-op; the other outcome, or a job in any other state, is 409.
   */
  async settleUnanswered(id: string, outcome: 'pay' | 'release'): Promise<JobEntity> {
    const j = await this.find(id);
    if (j.priceAmount === null) throw Problems.conflict('job_not_priced', `job ${id} has no price: there is nothing to settle`);
    try {
      await this.payments.settleUnanswered(id, outcome);
    } catch (err) {
      if (!(err instanceof UnsettleableJob)) throw err;
      if (err.reason === 'settled') throw Problems.conflict('job_already_settled', `job ${id}'s price is already ${err.payment}: it was settled the other way`);
      throw Problems.conflict('job_not_unanswered', `job ${id} is ${j.status}: only a delivery its recipient did not answer in time is settled by hand (the others are paid on confirmation or released on cancel)`);
    }
    return this.find(id);
  }

  cancel(id: string, actor: string, reason: string): Promise<JobView | null> {
    return this.update(id, (h) => h.executeUpdate(cancelJobUpdate, { args: [{ actor, reason }], updateId: 'cancel' }));
  }

  /**
   * A node's answer to the offer. A suspended node may decline but not take work. The update id
   * names the offer (the one the node names, else the current one), so a retried request is
   * applied once. Null: it was applied already (the job row is the answer).
   */
  async answer(id: string, a: NodeAnswer, node: Pick<NodeEntity, 'id' | 'status'>): Promise<JobView | null> {
    if (a.kind !== 'reject' && node.status !== 'active') {
      throw Problems.conflict('node_suspended', `node ${node.id} is ${node.status}: it cannot take offers until the coordinator reactivates it (it may still decline)`);
    }
    const j = await this.find(id);
    if (a.kind === 'counter' && a.price !== undefined) {
      // Checked against the row first (the workflow's validator checks again): a clear 422, no Update.
      const problem = counterPriceProblem(a.price, { price: j.priceAmount !== null && j.priceCurrency ? { amount: String(j.priceAmount), currency: j.priceCurrency } : null, priceCeiling: j.priceCeiling !== null ? String(j.priceCeiling) : null });
      if (problem) throw new ProblemException(422, 'counter_above_ceiling', problem, [{ field: 'price', code: 'counter_above_ceiling', message: problem }]);
    }
    const updateId = `answer:${a.offerId ?? j.offers.at(-1)?.offerId ?? 'none'}:${a.kind}:${a.nodeId}${a.kind === 'counter' && a.price !== undefined ? `:${a.price}` : ''}`;
    return this.update(id, (h) => h.executeUpdate(answerOfferUpdate, { args: [a], updateId }), j);
  }

  /**
   * A progress report: recorded in PostgreSQL, guarded by the job row (the node holds the job,
   * accepted or in progress), however often a node reports. Only the first report of a run
   * reaches the workflow (accepted → in-progress), under an update id named after the run's offer,
   * so that concurrent first reports are one Update.
   */
  async progress(id: string, nodeId: string, dto: ProgressDto): Promise<JobEntity> {
    const recorded = await this.jobs.recordProgress(id, nodeId, { percent: dto.percent, note: dto.note });
    if (!recorded) {
      const j = await this.find(id);
      if (j.nodeId && j.nodeId !== nodeId) throw Problems.conflict('job_not_yours', 'the job is assigned to another node');
      if (!j.nodeId) throw Problems.conflict('job_not_accepted', `the job is ${j.status}: it has not been accepted yet`);
      throw Problems.conflict('job_closed', `the job is ${j.status}`);
    }
    if (recorded.status === 'accepted') {
      await this.update(id, (h) => h.executeUpdate(reportProgressUpdate, { args: [{ nodeId, percent: dto.percent, note: dto.note }], updateId: `progress:${recorded.offerId ?? 'none'}` }));
    }
    return this.find(id);
  }

  /**
   * A completion, within the job's business bound (made + scrapped ≤ 10 × quantity). One per run:
   * the update id names the run's offer; a second report with other figures is a 409.
   */
  async complete(id: string, nodeId: string, dto: CompleteDto): Promise<JobView | null> {
    const j = await this.find(id);
    const problem = completionProblem(dto, j.quantity);
    if (problem) throw new ProblemException(400, 'validation_failed', problem, [{ field: 'made', code: 'completionBound', message: problem }]);
    const report = { nodeId, made: dto.made, scrapped: dto.scrapped, ...(dto.documents?.length ? { documents: dto.documents.map((d) => ({ title: d.title, url: d.url, ...(d.contentHash ? { contentHash: d.contentHash } : {}) })) } : {}) };
    const view = await this.update(id, (h) => h.executeUpdate(completeJobUpdate, { args: [report], updateId: `complete:${j.offers.at(-1)?.offerId ?? 'none'}` }), j);
    const last = view?.runs.at(-1);
    if (view && view.status !== 'cancelled' && last && (last.made !== dto.made || last.scrapped !== dto.scrapped)) {
      throw Problems.conflict('job_closed', `this run was already completed with made ${last.made}, scrapped ${last.scrapped}`);
    }
    return view;
  }

  private async update(id: string, run: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<JobView>, row?: JobEntity): Promise<JobView | null> {
    const j = row ?? (await this.find(id));
    try {
      return await this.temporal.withDeadline(Date.now() + 30_000, () => run(this.temporal.workflow.getHandle(j.workflowId)));
    } catch (err) {
      if (isRepeat(err)) return null;
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('job_closed', `job ${id} has ended (${j.status})`),
        retry: `job ${id}: no confirmation in time; send the same request again (it is harmless)`,
      });
    }
  }
}
