import { Injectable } from '@nestjs/common';
import type { JobView } from '@app/contracts';
import { AssetsRepository, JobContextsRepository, JobEntity, NodeOperatorRepository, OutputCreditsRepository, OwnedNodeRow } from '@app/db';
import { NODE_TOKEN_PREFIX } from '../auth/node-token.guard';
import { hashToken, newToken } from '../auth/token-hash';
import { ProblemException } from '../common/problem';
import { AcceptOfferDto, CompleteDto, CounterOfferDto, ListJobsQuery, ProgressDto, RejectOfferDto } from '../jobs/jobs.dto';
import { JobsService } from '../jobs/jobs.service';
import { IssuedNodeTokenDto, NodeTokenDto, OperatorJobDto, OperatorJobPageDto, OperatorWorkDto } from './operator.dto';

/** The job is this node's to see: it holds it, or it is offered to it now (as in the node API). */
const isNodesJob = (j: JobEntity, nodeId: string) => j.nodeId === nodeId || j.offers.at(-1)?.nodeId === nodeId;

/**
 * The node pages of the web app: a member who owns a node does what the node API lets the node do
 * (answer offers, report progress and completion) and what the coordinator did for them (the
 * webhook endpoint, its secret, the node's tokens). Every action goes through the same service
 * methods as the node and admin APIs; this only checks that the job is the node's first.
 */
@Injectable()
export class OperatorService {
  constructor(
    private readonly operators: NodeOperatorRepository,
    private readonly contexts: JobContextsRepository,
    private readonly jobs: JobsService,
    private readonly credits: OutputCreditsRepository,
    private readonly assets: AssetsRepository,
  ) {}

  /**
   * Jobs paid in output, in words: "Paid in output: 20 kg tomatoes of Community greenhouse, 2027-Q2",
   * and where the credit stands. Loads the credits the rows do not carry yet (one query) and each asset once.
   */
  private async outputWords(js: JobEntity[]): Promise<Map<string, string>> {
    const missing = await this.credits.byJobs(js.filter((j) => j.credit === undefined).map((j) => j.id));
    const words = new Map<string, string>();
    const names = new Map<string, Awaited<ReturnType<AssetsRepository['findById']>>>();
    for (const j of js) {
      const c = j.credit ?? missing.get(j.id) ?? null;
      j.credit = c; // so the job's creditPrice shows too
      if (!c) continue;
      if (!names.has(c.assetId)) names.set(c.assetId, await this.assets.findById(c.assetId));
      const a = names.get(c.assetId);
      const p = a?.outputCatalogue.find((x) => x.id === c.productId);
      const state = c.status === 'promised' ? ' (yours once the delivery is confirmed)' : c.status === 'granted' ? ' (granted)' : ' (cancelled with the job)';
      words.set(j.id, `Paid in output: ${c.units} ${p?.unit ?? 'units'} ${p?.name.toLowerCase() ?? c.productId} of ${a?.name ?? c.assetId}, ${c.quarter}${state}`);
    }
    return words;
  }

  async work(nodeId: string): Promise<OperatorWorkDto> {
    const groups = await this.operators.nodeWork(nodeId);
    const all = Object.values(groups).flatMap((g) => g.items);
    const ctx = await this.contexts.jobContexts(all.map((j) => j.id));
    const paid = await this.outputWords(all);
    const view = (g: { items: JobEntity[]; total: number }) => ({ items: g.items.map((j) => OperatorJobDto.fromJob(nodeId, j, ctx.get(j.id), undefined, paid.get(j.id) ?? null)), total: g.total });
    return { offers: view(groups.offers), inHand: view(groups.inHand), delivered: view(groups.delivered), ended: view(groups.ended) };
  }

  async list(nodeId: string, q: ListJobsQuery): Promise<OperatorJobPageDto> {
    const page = await this.jobs.list(q, { nodeId });
    const ctx = await this.contexts.jobContexts(page.items.map((j) => j.id));
    const paid = await this.outputWords(page.items);
    return { ...page, items: page.items.map((j) => OperatorJobDto.fromJob(nodeId, j, ctx.get(j.id), undefined, paid.get(j.id) ?? null)) };
  }

  async job(nodeId: string, jobId: string): Promise<OperatorJobDto> {
    const j = await this.nodesJob(nodeId, jobId);
    return this.view(nodeId, j, await this.jobs.live(j));
  }

  async accept(node: OwnedNodeRow, jobId: string, dto: AcceptOfferDto): Promise<OperatorJobDto> {
    await this.nodesJob(node.node.id, jobId);
    return this.after(node.node.id, jobId, await this.jobs.answer(jobId, { kind: 'accept', nodeId: node.node.id, offerId: dto.offerId }, node.node));
  }

  async reject(node: OwnedNodeRow, jobId: string, dto: RejectOfferDto): Promise<OperatorJobDto> {
    await this.nodesJob(node.node.id, jobId);
    return this.after(node.node.id, jobId, await this.jobs.answer(jobId, { kind: 'reject', nodeId: node.node.id, offerId: dto.offerId, reason: dto.reason }, node.node));
  }

  async counter(node: OwnedNodeRow, jobId: string, dto: CounterOfferDto): Promise<OperatorJobDto> {
    await this.nodesJob(node.node.id, jobId);
    // The same answer as the node API's (a price, for a priced job, within its ceiling).
    const answer = { kind: 'counter' as const, nodeId: node.node.id, offerId: dto.offerId, dueAt: dto.dueAt, quantity: dto.quantity, note: dto.note, ...(dto.price !== undefined ? { price: String(dto.price) } : {}) };
    return this.after(node.node.id, jobId, await this.jobs.answer(jobId, answer, node.node));
  }

  async progress(nodeId: string, jobId: string, dto: ProgressDto): Promise<OperatorJobDto> {
    await this.nodesJob(nodeId, jobId);
    return this.view(nodeId, await this.jobs.progress(jobId, nodeId, dto));
  }

  async complete(nodeId: string, jobId: string, dto: CompleteDto): Promise<OperatorJobDto> {
    await this.nodesJob(nodeId, jobId);
    return this.after(nodeId, jobId, await this.jobs.complete(jobId, nodeId, dto));
  }

  async tokens(nodeId: string): Promise<NodeTokenDto[]> {
    return (await this.operators.tokens(nodeId)).map(NodeTokenDto.from);
  }

  async issueToken(nodeId: string, name: string): Promise<IssuedNodeTokenDto> {
    const token = newToken(NODE_TOKEN_PREFIX);
    const saved = await this.operators.issueToken(nodeId, name, hashToken(token));
    return { ...NodeTokenDto.from(saved), token };
  }

  async revokeToken(nodeId: string, tokenId: string): Promise<void> {
    if (!(await this.operators.revokeToken(nodeId, tokenId))) throw new ProblemException(404, 'not_found', `node token ${tokenId} is not one of this node’s tokens`);
  }

  /** The job, if it is this node's; another node's job and no job at all are the same 404. */
  private async nodesJob(nodeId: string, jobId: string): Promise<JobEntity> {
    const j = await this.jobs.find(jobId).catch((err: unknown) => {
      if (err instanceof ProblemException && err.status === 404) return null;
      throw err;
    });
    if (!j || !isNodesJob(j, nodeId)) throw new ProblemException(404, 'not_found', `job ${jobId} is not one of this node’s jobs`);
    return j;
  }

  private async view(nodeId: string, j: JobEntity, live?: JobView | null): Promise<OperatorJobDto> {
    const ctx = await this.contexts.jobContexts([j.id]);
    const paid = await this.outputWords([j]);
    return OperatorJobDto.fromJob(nodeId, j, ctx.get(j.id), live, paid.get(j.id) ?? null);
  }

  /** The job after an action; without a view (the action was a repeat) from its row. */
  private async after(nodeId: string, jobId: string, live: JobView | null): Promise<OperatorJobDto> {
    return this.view(nodeId, await this.jobs.find(jobId), live);
  }
}
