import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  completeJobUpdate,
  getJobQuery,
  JOB_WORKFLOW_TYPE,
  JobInput,
  JobRejection,
  jobWorkflowId,
  JobView,
  NodeAnswer,
  reportProgressUpdate,
} from '@app/contracts';
import { insertJobRow, JobEntity, MemberEntity, NodeEntity, ProjectEntity } from '@app/db';
import { pingTemporal } from '@app/temporal';
import { Page, pageOf } from '../common/dto';
import { ProblemException, Problems } from '../common/problem';
import { queryLive, updateProblem } from '../common/workflow-calls';
import { CompleteDto, CreateJobDto, ListJobsQuery, ProgressDto } from './jobs.dto';

const HOUR = 3_600_000;
const REFUSALS: Record<string, (m: string) => ProblemException> = {
  [JobRejection.NotOffered]: (m) => Problems.conflict('job_not_offered', m),
  [JobRejection.NotYours]: (m) => Problems.conflict('job_not_yours', m),
  [JobRejection.NotAccepted]: (m) => Problems.conflict('job_not_accepted', m),
  [JobRejection.Closed]: (m) => Problems.conflict('job_closed', m),
  [JobRejection.InvalidCounter]: (m) => Problems.badRequest('counter', m),
  [JobRejection.InvalidReport]: (m) => Problems.badRequest('report', m),
  [JobRejection.DocumentsRequired]: (m) => new ProblemException(422, 'documents_required', m, [{ field: 'documents', code: 'documents_required', message: m }]),
  InvalidArgument: (m) => Problems.badRequest('reason', m),
};

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A job against a real demand: the project must be active, the recipient must exist. */
  async create(dto: CreateJobDto, actor: string): Promise<JobEntity> {
    const project = await this.ds.getRepository(ProjectEntity).findOneBy({ id: dto.demand.id });
    if (!project) throw new ProblemException(422, 'unknown_demand', `project ${dto.demand.id} does not exist: a job needs a real demand`, [{ field: 'demand.id', code: 'unknown_demand', message: 'no such project' }]);
    if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${project.id} is ${project.status}; it needs no more work`);
    if (Date.parse(dto.dueAt) < Date.now() + HOUR) throw Problems.badRequest('dueAt', 'dueAt must be at least an hour ahead');
    let confirmerId: string;
    let locationId: string | null = null;
    if (dto.recipient.type === 'member') {
      const m = await this.ds.getRepository(MemberEntity).findOneBy({ id: dto.recipient.id });
      if (!m || m.status !== 'active') throw new ProblemException(422, 'unknown_recipient', `member ${dto.recipient.id} is not an active member`, [{ field: 'recipient.id', code: 'unknown_recipient', message: 'not an active member' }]);
      confirmerId = m.id;
    } else {
      const n = await this.ds.getRepository(NodeEntity).findOneBy({ id: dto.recipient.id });
      if (!n) throw new ProblemException(422, 'unknown_recipient', `node ${dto.recipient.id} does not exist`, [{ field: 'recipient.id', code: 'unknown_recipient', message: 'no such node' }]);
      confirmerId = n.ownerMemberId;
      locationId = n.locationId;
    }
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
    const id = randomUUID();
    const repo = this.ds.getRepository(JobEntity);
    await insertJobRow(this.ds, {
      id,
      capability: dto.capability,
      quantity: dto.quantity,
      unit: dto.unit,
      specUrl: dto.specUrl,
      dueAt: new Date(dto.dueAt),
      recipient: dto.recipient,
      demand: dto.demand,
      createdBy: actor,
    });
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
    };
    try {
      await this.temporal.workflow.start(JOB_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: jobWorkflowId(id), args: [input] });
    } catch (err) {
      await repo.delete({ id });
      throw err;
    }
    return repo.findOneByOrFail({ id });
  }

  async find(id: string): Promise<JobEntity> {
    const j = await this.ds.getRepository(JobEntity).findOneBy({ id });
    if (!j) throw Problems.notFound('job', id);
    return j;
  }

  live(j: JobEntity): Promise<JobView | null> {
    return queryLive(this.temporal, j.workflowId, getJobQuery, this.logger);
  }

  async list(q: ListJobsQuery, filter: { nodeId?: string } = {}): Promise<Page<JobEntity>> {
    const { limit, offset } = pageOf(q);
    const qb = this.ds.getRepository(JobEntity).createQueryBuilder('j');
    if (q.status) qb.andWhere('j.status = :status', { status: q.status });
    if (filter.nodeId) {
      // A node sees the jobs it holds and the ones offered to it right now.
      qb.andWhere(`(j.nodeId = :nodeId OR (j.status = 'offered' AND j.offers -> (jsonb_array_length(j.offers) - 1) ->> 'nodeId' = :nodeIdText))`, {
        nodeId: filter.nodeId,
        nodeIdText: filter.nodeId,
      });
    }
    const [items, total] = await qb.orderBy('j.dueAt', 'ASC').addOrderBy('j.id', 'ASC').take(limit).skip(offset).getManyAndCount();
    return { items, total, limit, offset };
  }

  cancel(id: string, actor: string, reason: string): Promise<JobView> {
    return this.update(id, (h) => h.executeUpdate(cancelJobUpdate, { args: [{ actor, reason }], updateId: 'cancel' }));
  }

  /** With an offerId the answer is deduplicated by Temporal: a retried request is applied once. */
  answer(id: string, a: NodeAnswer): Promise<JobView> {
    const updateId = a.offerId ? `answer:${a.offerId}:${a.kind}:${a.nodeId}` : undefined;
    return this.update(id, (h) => h.executeUpdate(answerOfferUpdate, { args: [a], updateId }));
  }

  progress(id: string, nodeId: string, dto: ProgressDto): Promise<JobView> {
    return this.update(id, (h) => h.executeUpdate(reportProgressUpdate, { args: [{ nodeId, percent: dto.percent, note: dto.note }] }));
  }

  complete(id: string, nodeId: string, dto: CompleteDto): Promise<JobView> {
    return this.update(id, (h) => h.executeUpdate(completeJobUpdate, { args: [{ nodeId, made: dto.made, scrapped: dto.scrapped, ...(dto.documents?.length ? { documents: dto.documents.map((d) => ({ title: d.title, url: d.url, ...(d.contentHash ? { contentHash: d.contentHash } : {}) })) } : {}) }] }));
  }

  private async update(id: string, run: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<JobView>): Promise<JobView> {
    const j = await this.find(id);
    try {
      return await this.temporal.withDeadline(Date.now() + 30_000, () => run(this.temporal.workflow.getHandle(j.workflowId)));
    } catch (err) {
      throw updateProblem(err, {
        refusals: REFUSALS,
        closed: () => Problems.conflict('job_closed', `job ${id} has ended (${j.status})`),
        timeout: `job ${id}: no confirmation in time; send the same request again (it is harmless)`,
      });
    }
  }
}
