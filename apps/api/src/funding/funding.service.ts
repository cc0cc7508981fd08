import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import {
  approvePayoutUpdate,
  cancelRoundUpdate,
  FUNDING_ROUND_WORKFLOW_TYPE,
  FundingRoundInput,
  fundingRoundWorkflowId,
  getRoundQuery,
  goalReachedSignal,
  PledgeResult,
  pledgeUpdate,
  RoundPublicView,
  RoundStatus,
  RoundView,
  PledgeRefusals,
} from '@app/contracts';
import {
  AssetsRepository,
  FundingPledgeEntity,
  FundingRepository,
  FundingRoundEntity,
  MemberEntity,
  MembersRepository,
  OwnershipService,
  PledgeRefusedError,
  ProjectEntity,
  ProjectsRepository,
  requestHash,
  uuidFromKey,
} from '@app/db';
import { smallestPledgeForWholePart } from '@app/domain';
import { pingTemporal } from '@app/temporal';
import { ProblemException, Problems } from '../common/problem';
import { queryLive, refusalProblem, workflowCallProblem } from '../common/workflow-calls';
import { CreateRoundDto } from './funding.dto';

const QUERY_TIMEOUT_MS = 3_000;
const UPDATE_TIMEOUT_MS = 30_000;
const DAY = 24 * 3_600_000;
const FINAL_STATUSES: RoundStatus[] = ['funded', 'failed', 'cancelled'];

/** The 4xx of each typed refusal of the round workflow. */
@Injectable()
export class FundingService {
  private readonly logger = new Logger(FundingService.name);

  constructor(
    private readonly funding: FundingRepository,
    private readonly projects: ProjectsRepository,
    private readonly assets: AssetsRepository,
    private readonly ownership: OwnershipService,
    private readonly members: MembersRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * Opens a round: the row, then its workflow. With an Idempotency-Key the round id is derived
   * from the key, so a retry (even a concurrent one) opens the same round once.
   */
  async open(projectId: string, dto: CreateRoundDto, actor: string, key?: string): Promise<{ round: FundingRoundEntity; replayed: boolean }> {
    const project = await this.projects.findById(projectId);
    if (!project) throw Problems.notFound('project', projectId);
    const hash = requestHash({ projectId, dto: { ...dto, goal: String(dto.goal), minPledge: String(dto.minPledge ?? 1n), operator: dto.operator ? { ...dto.operator, upfront: String(dto.operator.upfront) } : null } });
    const id = key ? uuidFromKey(`funding-round:${key}`) : randomUUID(); // the same key names the same round
    const existing = await this.funding.find(id);
    if (existing) {
      if (existing.requestHash !== hash) throw Problems.conflict('idempotency_key_reused', 'this Idempotency-Key was already used with a different request body');
      // The first attempt may have died before starting the workflow; a finished round never restarts.
      if (!FINAL_STATUSES.includes(existing.status)) await this.start(existing, project);
      return { round: existing, replayed: true };
    }
    if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${projectId} is ${project.status}; it cannot raise funds`);
    await this.check(dto);
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
    await this.funding.createRound({
      id,
      projectId,
      assetId: dto.assetId ?? null,
      goal: String(dto.goal),
      currency: dto.currency,
      minPledge: String(dto.minPledge ?? 1n),
      deadline: new Date(dto.deadline),
      closeWhenGoalMet: dto.closeWhenGoalMet ?? false,
      payoutApproval: dto.payoutApproval ?? 'coordinator',
      operator: dto.operator ? { memberId: dto.operator.memberId, upfront: String(dto.operator.upfront), outputBonusPercent: dto.operator.outputBonusPercent } : null,
      documents: dto.documents ?? [],
      createdBy: actor,
      idempotencyKey: key ?? null,
      requestHash: hash,
    });
    const round = await this.funding.find(id);
    if (!round) throw new Error(`funding round ${id} vanished right after it was written`);
    if (round.requestHash !== hash) throw Problems.conflict('idempotency_key_reused', 'this Idempotency-Key was already used with a different request body');
    try {
      await this.start(round, project);
    } catch (err) {
      // Without a key the client cannot retry this round: leave no row without a workflow.
      if (!key) await this.funding.deleteUnstarted(id);
      throw err;
    }
    // With an operator, the round opens once the operator's share is held: answer when it has.
    return { round: round.status === 'opening' ? await this.opened(round) : round, replayed: false };
  }

  /** The round once it has left `opening` (a few hundred milliseconds), or as it is after 5 s. */
  private async opened(round: FundingRoundEntity): Promise<FundingRoundEntity> {
    const until = Date.now() + 5_000;
    let r = round;
    while (r.status === 'opening' && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 100));
      r = (await this.funding.find(round.id)) ?? r;
    }
    return r;
  }

  private async check(dto: CreateRoundDto): Promise<void> {
    const deadline = Date.parse(dto.deadline);
    if (deadline < Date.now() + 5 * 60_000 || deadline > Date.now() + 366 * DAY) {
      throw Problems.badRequest('deadline', 'deadline must be at least 5 minutes and at most a year ahead');
    }
    const min = dto.minPledge ?? 1n;
    if (min > dto.goal) throw Problems.badRequest('minPledge', 'minPledge cannot be larger than the goal');
    if (dto.assetId) {
      const asset = await this.assets.findById(dto.assetId);
      if (!asset) {
        throw new ProblemException(422, 'unknown_asset', `asset ${dto.assetId} is not registered`, [{ field: 'assetId', code: 'unknown_asset', message: 'no asset has this id' }]);
      }
      // A round buys an asset nobody owns yet: it never replaces an ownership table.
      if (await this.ownership.hasOwners(asset.id)) {
        throw new ProblemException(409, 'asset_has_owners', `asset ${asset.name} already has owners: a round creates the ownership of an asset it buys and never replaces one; sell parts of it instead`, [
          { field: 'assetId', code: 'asset_has_owners', message: 'this asset already has owners' },
        ]);
      }
      const buying = await this.funding.roundBuying(asset.id);
      if (buying) {
        throw new ProblemException(409, 'asset_being_funded', `round ${buying} is already buying asset ${asset.name}`, [{ field: 'assetId', code: 'asset_being_funded', message: 'another round is buying this asset' }]);
      }
      // Every pledge of the minimum must be worth at least one part of the asset at the goal.
      const smallest = smallestPledgeForWholePart(dto.goal, asset.totalParts);
      if (min < smallest) {
        throw new ProblemException(422, 'asset_parts_too_coarse', `asset ${asset.id} has ${asset.totalParts} parts: a pledge of ${min} would not earn a whole part; raise minPledge or the asset's totalParts`, [
          { field: 'minPledge', code: 'asset_parts_too_coarse', message: `must be at least ${smallest} for this asset` },
        ]);
      }
    }
    if (dto.operator) {
      const op = await this.members.findById(dto.operator.memberId);
      if (!op || op.status !== 'active') {
        throw new ProblemException(422, 'unknown_member', `operator ${dto.operator.memberId} is not an active member`, [{ field: 'operator.memberId', code: 'unknown_member', message: 'not an active member' }]);
      }
      if (dto.operator.upfront < min || dto.operator.upfront > dto.goal) throw Problems.badRequest('operator.upfront', 'the up-front share must be between minPledge and the goal');
    }
  }

  private async start(r: FundingRoundEntity, project: ProjectEntity): Promise<void> {
    const input: FundingRoundInput = {
      roundId: r.id,
      projectId: r.projectId,
      projectName: project.name,
      assetId: r.assetId,
      goal: String(r.goal),
      currency: r.currency,
      minPledge: String(r.minPledge),
      deadline: r.deadline.toISOString(),
      closeWhenGoalMet: r.closeWhenGoalMet,
      payoutApproval: r.payoutApproval,
      operator: r.operator,
      documents: r.documents,
      remindBeforeMs: [3 * DAY, DAY],
      createdBy: r.createdBy,
    };
    try {
      await this.temporal.workflow.start(FUNDING_ROUND_WORKFLOW_TYPE, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: r.workflowId,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async find(id: string): Promise<FundingRoundEntity> {
    const r = await this.funding.find(id);
    if (!r) throw Problems.notFound('funding round', id);
    return r;
  }

  /** The pledges of a round, a page at a time, largest first. */
  pledges(roundId: string, offset: number, limit: number): Promise<{ items: FundingPledgeEntity[]; total: number }> {
    return this.funding.pledgesPage(roundId, offset, limit);
  }

  /** A project's rounds, newest first (the live totals of open ones included). */
  listForProject(projectId: string): Promise<FundingRoundEntity[]> {
    return this.funding.ofProject(projectId);
  }

  /**
   * What the public sees of a round: its record with the live total (the sum of the total's shards
   * while pledges are taken), or, for a round that keeps its pledges in its workflow, the query.
   */
  async publicView(r: FundingRoundEntity): Promise<RoundPublicView & { source: 'live' | 'record' }> {
    const base: RoundPublicView = {
      roundId: r.id,
      projectId: r.projectId,
      status: r.status,
      goal: String(r.goal),
      currency: r.currency,
      total: String(r.total),
      backers: r.backers,
      deadline: r.deadline.toISOString(),
      minPledge: String(r.minPledge),
      closeWhenGoalMet: r.closeWhenGoalMet,
    };
    if (r.pledgeMode === 'database') {
      if (!['opening', 'open', 'closing'].includes(r.status)) return { ...base, source: 'record' };
      const t = await this.funding.liveTally(r.id);
      return { ...base, total: String(t.total), backers: t.backers, source: 'live' };
    }
    // A round whose pledges live in its workflow (opened before they moved to PostgreSQL).
    const live = await this.live(r);
    return live ? { ...base, status: live.status, total: live.total, backers: live.backers, source: 'live' } : { ...base, source: 'record' };
  }

  /** The live state from the workflow's query, or null (closed long ago, or Temporal unreachable). */
  live(r: FundingRoundEntity): Promise<RoundView | null> {
    return queryLive(this.temporal, r.workflowId, getRoundQuery, this.logger, QUERY_TIMEOUT_MS);
  }

  /**
   * Sets a member's whole pledge: one database transaction (the hold and the pledge row), no
   * workflow message; a pledge that meets the goal of a round that closes on it closes the round
   * and tells its workflow (once). Rounds opened before pledges moved to PostgreSQL still take
   * them as workflow updates.
   */
  async pledge(roundId: string, member: MemberEntity, amount: bigint): Promise<PledgeResult> {
    let out;
    try {
      out = await this.funding.setPledge(roundId, member.id, amount);
    } catch (err) {
      if (!(err instanceof PledgeRefusedError)) throw err;
      if (err.code === 'legacy_round') return this.legacyPledge(await this.find(roundId), member, amount);
      throw refusalProblem(err.code, err.message, PledgeRefusals) ?? err;
    }
    let status = out.status;
    if (out.mayCloseOnGoal && (await this.funding.closeOnGoal(roundId))) {
      status = 'closing';
      await this.signalGoalReached(roundId);
    }
    return {
      roundId,
      memberId: member.id,
      amount: String(out.amount),
      total: String(out.total),
      backers: out.backers,
      goal: String(out.goal),
      currency: out.currency,
      status,
      deadline: out.deadline.toISOString(),
    };
  }

  /** The round is closed in the database already; the workflow would otherwise close at its deadline. */
  private async signalGoalReached(roundId: string): Promise<void> {
    try {
      await this.temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => this.temporal.workflow.getHandle(fundingRoundWorkflowId(roundId)).signal(goalReachedSignal));
    } catch (err) {
      // No pledge is taken any more; the workflow closes at its deadline if this never arrives.
      this.logger.warn(`round ${roundId} met its goal but its workflow was not told (it closes at the deadline): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async legacyPledge(r: FundingRoundEntity, member: MemberEntity, amount: bigint): Promise<PledgeResult> {
    const view = await this.update(r, () => this.temporal.workflow.getHandle(r.workflowId).executeUpdate(pledgeUpdate, { args: [{ memberId: member.id, amount: String(amount) }] }));
    return {
      roundId: r.id,
      memberId: member.id,
      amount: view.pledges?.find((p) => p.memberId === member.id)?.amount ?? '0',
      total: view.total,
      backers: view.backers,
      goal: view.goal,
      currency: view.currency,
      status: view.status,
      deadline: view.deadline,
    };
  }

  async cancel(roundId: string, actor: string, reason: string): Promise<RoundView> {
    const r = await this.find(roundId);
    return this.update(r, () => this.temporal.workflow.getHandle(r.workflowId).executeUpdate(cancelRoundUpdate, { args: [{ actor, reason }], updateId: 'cancel' }));
  }

  async approvePayout(roundId: string, actor: string): Promise<RoundView> {
    const r = await this.find(roundId);
    return this.update(r, () => this.temporal.workflow.getHandle(r.workflowId).executeUpdate(approvePayoutUpdate, { args: [{ actor }], updateId: 'approve-payout' }));
  }

  /** Open rounds (and the member's pledge in each), nearest deadline first. */
  async openRoundsFor(memberId: string): Promise<Array<{ round: FundingRoundEntity; pledge: bigint | null }>> {
    const [rounds, mine] = await Promise.all([this.funding.openRounds(), this.funding.pledgesOf(memberId)]);
    return rounds.map((round) => ({ round, pledge: mine.find((p) => p.roundId === round.id)?.amount ?? null }));
  }

  private async update(r: FundingRoundEntity, run: () => Promise<RoundView>): Promise<RoundView> {
    try {
      return await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, run);
    } catch (err) {
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('round_closed', `round ${r.id} has ended (${r.status})`),
        retry: `round ${r.id}: no confirmation in time; send the same request again (it is idempotent)`,
      });
    }
  }
}
