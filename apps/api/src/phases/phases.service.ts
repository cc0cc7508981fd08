import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import {
  automationRank,
  JobStatus,
  PhasePlan,
  PhaseView,
  ProjectLiveState,
  PROJECT_PHASES,
  RoundStatus,
  startPhaseUpdate,
  WorkingPhase,
} from '@app/contracts';
import { AssetsRepository, FundingRepository, RecipesRepository, JobPaymentsRepository, JobsRepository, LedgerService, MembersRepository, NodesRepository, ProjectEntity, PhaseEventRow, ProjectPhasePlanEntity, ProjectPhasesRepository, ProjectsRepository } from '@app/db';
import { checkPhasePlan, outputStep, phasePosition, PlanProblem, smallestPledgeForWholePart, validateRecipe } from '@app/domain';
import { pingTemporal } from '@app/temporal';
import { IdempotencyService } from '../common/idempotency.service';
import { FieldError, ProblemException, Problems } from '../common/problem';
import { workflowCallProblem } from '../common/workflow-calls';
import { Blocker, blockedOn, BlockedOnInput } from './blocked-on';
import { PhasePlanDto } from './phases.dto';

const UPDATE_TIMEOUT_MS = 30_000;

export type PhaseState = BlockedOnInput['state'];

export interface PhaseDetail {
  phase: WorkingPhase;
  state: PhaseState;
  planVersion: number | null;
  summary: string | null;
  attempt: number | null;
  workflowId: string | null;
  reason: string | null;
  skippedBecause: string | null;
  round: { id: string; status: RoundStatus; goal: string; total: string; currency: string; backers: number; deadline: string } | null;
  jobs: Array<{
    id: string;
    taskKey: string | null;
    capability: string;
    status: JobStatus;
    nodeId: string | null;
    nodeName: string | null;
    dueAt: string;
    leadTimes: { firstOfferedAt: string | null; acceptedAt: string | null; completedAt: string | null; confirmedAt: string | null; offerToConfirmHours: number | null };
  }>;
  outputs: Array<{ taskKey: string; kind: string; title: string; url: string; contentHash: string | null; licence: string | null; jobId: string }>;
  nodeChecks: PhaseView['nodeChecks'];
  upgrades: PhaseView['upgrades'];
  blockedOn: Blocker[];
  /**
   * Paid work (minor units, digit strings): the budget (its round's goal), what its priced jobs
   * hold now (reserved) and have paid, and what is left of the budget. Null: no budget and no
   * priced job.
   */
  money: { currency: string; budget: string; reserved: string; paid: string; left: string } | null;
}

/**
 * A phase's money: the budget is its round's goal (or the plan's budget before the round opens),
 * reserved and paid come from its priced jobs; left is the budget less both.
 */
export function phaseMoney(
  planBudget: { goal: string; currency: string } | null,
  round: { goal: string; currency: string } | null,
  figures: Array<{ currency: string; reserved: bigint; paid: bigint }>,
): PhaseDetail['money'] {
  const currency = round?.currency ?? planBudget?.currency ?? figures[0]?.currency;
  if (!currency) return null;
  const budget = BigInt(round?.goal ?? planBudget?.goal ?? '0');
  const mine = figures.filter((f) => f.currency === currency);
  const reserved = mine.reduce((s, f) => s + f.reserved, 0n);
  const paid = mine.reduce((s, f) => s + f.paid, 0n);
  return { currency, budget: String(budget), reserved: String(reserved), paid: String(paid), left: String(budget - reserved - paid) };
}

/**
 * Phase plans and phase work: the coordinator writes a plan per phase, starts the current phase
 * (a `startPhase` update: the project workflow runs it as a child), and reads where each phase
 * stands and who it waits for, from the read models.
 */
@Injectable()
export class PhasesService {
  private readonly logger = new Logger(PhasesService.name);

  constructor(
    private readonly projects: ProjectsRepository,
    private readonly phases: ProjectPhasesRepository,
    private readonly jobs: JobsRepository,
    private readonly funding: FundingRepository,
    private readonly members: MembersRepository,
    private readonly nodes: NodesRepository,
    private readonly assets: AssetsRepository,
    @Inject(Client) private readonly temporal: Client,
    private readonly keys: IdempotencyService,
    private readonly ledger: LedgerService,
    private readonly payments: JobPaymentsRepository,
    private readonly recipes: RecipesRepository,
  ) {}

  private async project(id: string): Promise<ProjectEntity> {
    const p = await this.projects.findById(id);
    if (!p) throw Problems.notFound('project', id);
    return p;
  }

  /** Stores the plan of a phase that has not started (or failed and will be restarted). */
  async putPlan(projectId: string, phase: WorkingPhase, dto: PhasePlanDto): Promise<ProjectPhasePlanEntity> {
    const project = await this.project(projectId);
    if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${projectId} is ${project.status}; its plans are closed`);
    if (phasePosition(phase, project.phase) === 'past') throw Problems.conflict('phase_passed', `project ${projectId} is past the ${phase} phase (now ${project.phase})`);
    const latest = await this.phases.latestAttempt(projectId, phase);
    if (latest && (latest.status === 'funding' || latest.status === 'working')) {
      throw Problems.conflict('phase_running', `the ${phase} work is running (attempt ${latest.attempt}); its plan is frozen until it ends`);
    }
    if (latest?.status === 'done') throw Problems.conflict('phase_done', `the ${phase} work is done; its plan is final`);
    const plan = dto.toPlan(phase);
    const problems = [...checkPhasePlan(plan), ...(await this.registryProblems(plan))];
    if (problems.length > 0) {
      throw new ProblemException(422, 'invalid_plan', `the ${phase} plan has ${problems.length} problem(s): ${problems.map((p) => p.message).join('; ')}`, problems as FieldError[]);
    }
    await this.checkBudget(projectId, plan);
    await this.phases.putPlan(projectId, phase, plan);
    return this.getPlan(projectId, phase);
  }

  /**
   * Budgets that hold: the plan's priced tasks are paid in one currency (the budget's, else the
   * project's account's: 422 `currency_mismatch`), and together cost at most the phase's budget
   * plus what the project's account holds now (422 `over_budget`, with the figures).
   */
  private async checkBudget(projectId: string, plan: PhasePlan): Promise<void> {
    const priced = plan.tasks.filter((t) => t.price);
    if (priced.length === 0) return;
    const accounts = await this.ledger.accountsWithBalances({ ownerId: projectId, kind: 'project' });
    const currency = plan.budget?.currency ?? accounts[0]?.currency ?? priced[0].price!.currency;
    const foreign = plan.tasks.findIndex((t) => t.price && t.price.currency !== currency);
    if (foreign >= 0) {
      throw new ProblemException(422, 'currency_mismatch', `task ${plan.tasks[foreign].key} is priced in ${plan.tasks[foreign].price!.currency}; this phase pays in ${currency}`, [
        { field: `tasks.${foreign}.price.currency`, code: 'currency_mismatch', message: `the phase pays in ${currency}` },
      ]);
    }
    const ceilingBelow = plan.tasks.findIndex((t) => t.price && t.priceCeiling !== undefined && BigInt(t.priceCeiling) < BigInt(t.price.amount));
    if (ceilingBelow >= 0) throw Problems.badRequest(`tasks.${ceilingBelow}.priceCeiling`, `the ceiling of task ${plan.tasks[ceilingBelow].key} is below its price`);
    // What a task may cost: its ceiling if a counter-offer may raise it.
    const asked = priced.reduce((sum, t) => sum + BigInt(t.priceCeiling ?? t.price!.amount), 0n);
    const budget = BigInt(plan.budget?.goal ?? '0');
    const available = accounts.find((a) => a.currency === currency)?.balance ?? 0n;
    const reserved = (await this.payments.projectFigures(projectId)).filter((f) => f.currency === currency).reduce((sum, f) => sum + f.reserved, 0n);
    if (asked > budget + available) {
      throw new ProblemException(
        422,
        'over_budget',
        `the plan's priced tasks may cost ${asked} ${currency} (minor units), more than the phase's budget (${budget}) and the project's balance (${available}) together; ${reserved} is reserved for jobs already running`,
        [{ field: 'tasks', code: 'over_budget', message: `asks ${asked}, has ${budget + available}` }],
        { currency, budget: String(budget), available: String(available), reserved: String(reserved), asked: String(asked) },
      );
    }
  }

  /** Everything the plan names must exist in the registry, as the plan is written. */
  private async registryProblems(plan: PhasePlan): Promise<PlanProblem[]> {
    const problems: PlanProblem[] = [];
    const memberIds = plan.tasks.filter((t) => t.recipient.type === 'member').map((t) => t.recipient.id);
    const nodeIds = [...plan.tasks.filter((t) => t.recipient.type === 'node').map((t) => t.recipient.id), ...plan.nodes];
    const members = await this.members.activeIds(memberIds);
    const nodes = new Map((await this.nodes.findByIds(nodeIds)).map((n) => [n.id, n]));
    plan.tasks.forEach((t, i) => {
      if (t.recipient.type === 'member' && !members.has(t.recipient.id)) problems.push({ field: `tasks[${i}].recipient.id`, code: 'unknown_member', message: `member ${t.recipient.id} is not an active member` });
      if (t.recipient.type === 'node' && !nodes.has(t.recipient.id)) problems.push({ field: `tasks[${i}].recipient.id`, code: 'unknown_node', message: `node ${t.recipient.id} is not registered` });
      const node = t.upgrade ? nodes.get(t.upgrade.nodeId) : undefined;
      if (t.upgrade && node && automationRank(t.upgrade.toLevel) <= automationRank(node.automationLevel)) {
        problems.push({ field: `tasks[${i}].upgrade.toLevel`, code: 'not_an_upgrade', message: `node ${t.upgrade.nodeId} is already ${node.automationLevel}` });
      }
    });
    // A recipe task runs as a flow: its recipe must be saved, valid, and make what the task asks for.
    for (const [i, t] of plan.tasks.entries()) {
      if (!t.recipeId) continue;
      const field = `tasks[${i}].recipeId`;
      const saved = await this.recipes.find(t.recipeId);
      if (!saved) {
        problems.push({ field, code: 'unknown_recipe', message: `recipe ${t.recipeId} does not exist` });
        continue;
      }
      const recipeProblems = validateRecipe(saved.definition);
      if (recipeProblems.length) {
        problems.push({ field, code: 'invalid_recipe', message: `recipe ${t.recipeId} is not valid: ${recipeProblems.map((p) => p.detail).join('; ')}` });
        continue;
      }
      const out = outputStep(saved.definition);
      if (out.produces.unit !== t.unit) {
        problems.push({ field: `tasks[${i}].unit`, code: 'recipe_unit_mismatch', message: `task ${t.key} is counted in ${t.unit}, but recipe ${t.recipeId} makes ${out.produces.unit} (step ${out.key})` });
      }
    }
    plan.nodes.forEach((id, i) => {
      if (!nodes.has(id)) problems.push({ field: `nodes[${i}]`, code: 'unknown_node', message: `node ${id} is not registered: register it first (POST /admin/nodes)` });
    });
    if (plan.gate?.mode === 'members' && plan.gate.assetId) {
      if (!(await this.assets.exists(plan.gate.assetId))) problems.push({ field: 'gate.assetId', code: 'unknown_asset', message: `asset ${plan.gate.assetId} is not registered` });
    }
    if (plan.budget?.assetId) {
      const asset = await this.assets.findById(plan.budget.assetId);
      if (!asset) problems.push({ field: 'budget.assetId', code: 'unknown_asset', message: `asset ${plan.budget.assetId} is not registered` });
      else if (BigInt(plan.budget.minPledge) < smallestPledgeForWholePart(BigInt(plan.budget.goal), asset.totalParts)) {
        problems.push({ field: 'budget.minPledge', code: 'asset_parts_too_coarse', message: `a pledge of ${plan.budget.minPledge} would not earn a whole part of the asset's ${asset.totalParts}; raise minPledge` });
      }
    }
    return problems;
  }

  async getPlan(projectId: string, phase: WorkingPhase): Promise<ProjectPhasePlanEntity> {
    await this.project(projectId);
    const row = await this.phases.plan(projectId, phase);
    if (!row) throw new ProblemException(404, 'not_found', `project ${projectId} has no ${phase} plan yet (PUT it first)`);
    return row;
  }

  /**
   * Starts the current phase's work: the project workflow runs the stored plan as a child. A
   * restart after a failed attempt carries what is finished (a funded round, confirmed tasks).
   */
  async start(projectId: string, phase: WorkingPhase, actor: string, key?: string): Promise<ProjectLiveState> {
    return this.keys.once(key, `phase-start:${projectId}:${phase}`, {}, async () => {
      const project = await this.project(projectId);
      if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${projectId} is ${project.status}`);
      const stored = await this.phases.plan(projectId, phase);
      if (!stored) throw Problems.conflict('phase_not_planned', `the ${phase} phase has no plan: PUT /admin/projects/${projectId}/phases/${phase}/plan first, or skip the phase`);
      const fundedRoundId = await this.funding.fundedRoundOf(projectId, phase);
      const doneTaskKeys = await this.jobs.confirmedTaskKeys(projectId, phase);
      try {
        await pingTemporal(this.temporal);
      } catch {
        throw Problems.temporalUnavailable();
      }
      try {
        return await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () =>
          this.temporal.workflow.getHandle(project.workflowId).executeUpdate(startPhaseUpdate, {
            args: [{ actor, phase, plan: stored.plan, carried: { fundedRoundId, doneTaskKeys } }],
            updateId: key ? `start-phase:${key}` : undefined,
          }),
        );
      } catch (err) {
        throw workflowCallProblem(err, {
          closed: () => Problems.conflict('project_not_active', `project ${projectId}: its process has ended`),
          retry: `project ${projectId}: the workflow did not confirm in time; retry with the same Idempotency-Key`,
        });
      }
    });
  }

  /** Each phase's state, round, jobs (nodes, lead times), outputs and blockers, from the read models. */
  async details(project: ProjectEntity, live: ProjectLiveState | null): Promise<PhaseDetail[]> {
    const id = project.id;
    const [plans, attempts, rounds, jobs, outputs, events, decisions, figures] = await Promise.all([
      this.phases.plans(id),
      this.phases.attempts(id),
      this.funding.ofProject(id),
      this.jobs.ofProjectPhases(id),
      this.phases.outputs(id),
      this.projects.events(id),
      this.phases.openDecisions(id),
      this.payments.projectFigures(id),
    ]);
    const skips = events.filter((e) => e.kind === 'skipped');
    return PROJECT_PHASES.map((phase): PhaseDetail => {
      const plan = plans.find((p) => p.phase === phase);
      const attempt = attempts.find((a) => a.phase === phase);
      const skip = skips.find((s) => s.fromPhase === phase);
      // The latest attempt's round (a restart carries a funded one); none when it has no budget.
      const round = attempt?.roundId ? rounds.find((r) => r.id === attempt.roundId) : undefined;
      // The latest attempt's jobs, and the confirmed jobs of tasks an earlier attempt finished; in the plan's task order.
      const mine = new Set(attempt?.view.tasks.map((t) => t.jobId).filter(Boolean));
      const carried = new Set(attempt?.view.tasks.filter((t) => t.status === 'carried').map((t) => t.key));
      const order = (key: string | null) => plan?.plan.tasks.findIndex((t) => t.key === key) ?? -1;
      const phaseJobs = jobs
        .filter((j) => j.phase === phase && (mine.has(j.id) || (j.status === 'confirmed' && carried.has(j.taskKey ?? ''))))
        .sort((a, b) => order(a.taskKey) - order(b.taskKey));
      // The project applies the end of a phase's work a moment after the phase wrote it: until then it is still running.
      const stillRunning = live?.phases?.[phase]?.status === 'running';
      const state: PhaseState = skip
        ? 'skipped'
        : attempt
          ? attempt.status === 'funding' || attempt.status === 'working' || stillRunning
            ? 'running'
            : attempt.status
          : plan
            ? 'planned'
            : 'not-planned';
      const timeout = (key: string | null) => plan?.plan.tasks.find((t) => t.key === key)?.offerTimeoutHours ?? 24;
      const current = project.status === 'active' && project.phase === phase;
      const iso = (d: Date | null) => (d ? d.toISOString() : null);
      return {
        phase,
        state,
        planVersion: plan?.version ?? null,
        summary: plan?.plan.summary ?? null,
        attempt: attempt?.attempt ?? null,
        workflowId: attempt?.workflowId ?? null,
        reason: attempt?.view.reason ?? null,
        skippedBecause: skip ? (skip.note ?? 'no reason given') : null,
        round: round ? { id: round.id, status: round.status, goal: String(round.goal), total: String(round.total), currency: round.currency, backers: round.backers, deadline: round.deadline.toISOString() } : null,
        jobs: phaseJobs.map((j) => ({
          id: j.id,
          taskKey: j.taskKey,
          capability: j.capability,
          status: j.status,
          nodeId: j.nodeId,
          nodeName: j.nodeName,
          dueAt: j.dueAt.toISOString(),
          leadTimes: {
            firstOfferedAt: iso(j.firstOfferedAt),
            acceptedAt: iso(j.acceptedAt),
            completedAt: iso(j.completedAt),
            confirmedAt: iso(j.confirmedAt),
            offerToConfirmHours: j.firstOfferedAt && j.confirmedAt ? Math.round(((j.confirmedAt.getTime() - j.firstOfferedAt.getTime()) / 3_600_000) * 100) / 100 : null,
          },
        })),
        outputs: outputs.filter((o) => o.phase === phase).map((o) => ({ taskKey: o.taskKey, kind: o.kind, title: o.title, url: o.url, contentHash: o.contentHash, licence: o.licence, jobId: o.jobId })),
        nodeChecks: attempt?.view.nodeChecks ?? [],
        upgrades: attempt?.view.upgrades ?? [],
        money: phaseMoney(plan?.plan.budget ?? null, round ? { goal: String(round.goal), currency: round.currency } : null, figures.filter((f) => f.phase === phase)),
        blockedOn: blockedOn({
          state,
          current,
          round: round ? { id: round.id, status: round.status, total: String(round.total), goal: String(round.goal), currency: round.currency, deadline: round.deadline.toISOString(), payoutApproval: round.payoutApproval } : null,
          jobs: phaseJobs.map((j) => ({ id: j.id, taskKey: j.taskKey, status: j.status, nodeId: j.nodeId, offers: j.offers, dueAt: j.dueAt.toISOString(), offerTimeoutHours: timeout(j.taskKey), unsettledPrice: j.unsettledPrice })),
          decisions: decisions.map((d) => ({ id: d.id, subjectType: d.subjectType, subjectId: d.subjectId, deadline: d.deadline.toISOString(), pending: d.pending })),
          nodeChecks: attempt?.view.nodeChecks ?? [],
          gateVote: live?.gateVote ?? null,
        }),
      };
    });
  }

  /** The phase events of the project (the phase workflows' streams of the timeline). */
  phaseEvents(projectId: string): Promise<PhaseEventRow[]> {
    return this.phases.events(projectId);
  }
}
