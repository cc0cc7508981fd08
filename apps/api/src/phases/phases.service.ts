import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import {
  automationRank,
  JobOffer,
  JobStatus,
  PhasePlan,
  PhaseView,
  ProjectLiveState,
  PROJECT_PHASES,
  RoundStatus,
  startPhaseUpdate,
  WorkingPhase,
} from '@app/contracts';
import { FundingRepository, FundingRoundEntity, ProjectEntity, ProjectOutputEntity, ProjectPhaseEntity, ProjectPhasePlanEntity } from '@app/db';
import { checkPhasePlan, phasePosition, PlanProblem, smallestPledgeForWholePart } from '@app/domain';
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
}

interface JobRow {
  id: string;
  task_key: string | null;
  capability: string;
  status: JobStatus;
  node_id: string | null;
  node_name: string | null;
  offers: JobOffer[];
  due_at: Date;
  first_offered_at: Date | null;
  accepted_at: Date | null;
  completed_at: Date | null;
  confirmed_at: Date | null;
  phase: WorkingPhase;
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
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(Client) private readonly temporal: Client,
    private readonly keys: IdempotencyService,
    private readonly funding: FundingRepository,
  ) {}

  private async project(id: string): Promise<ProjectEntity> {
    const p = await this.ds.getRepository(ProjectEntity).findOneBy({ id });
    if (!p) throw Problems.notFound('project', id);
    return p;
  }

  private latestAttempt(projectId: string, phase: WorkingPhase): Promise<ProjectPhaseEntity | null> {
    return this.ds.getRepository(ProjectPhaseEntity).findOne({ where: { projectId, phase }, order: { attempt: 'DESC' } });
  }

  /** Stores the plan of a phase that has not started (or failed and will be restarted). */
  async putPlan(projectId: string, phase: WorkingPhase, dto: PhasePlanDto): Promise<ProjectPhasePlanEntity> {
    const project = await this.project(projectId);
    if (project.status !== 'active') throw Problems.conflict('project_not_active', `project ${projectId} is ${project.status}; its plans are closed`);
    if (phasePosition(phase, project.phase) === 'past') throw Problems.conflict('phase_passed', `project ${projectId} is past the ${phase} phase (now ${project.phase})`);
    const latest = await this.latestAttempt(projectId, phase);
    if (latest && (latest.status === 'funding' || latest.status === 'working')) {
      throw Problems.conflict('phase_running', `the ${phase} work is running (attempt ${latest.attempt}); its plan is frozen until it ends`);
    }
    if (latest?.status === 'done') throw Problems.conflict('phase_done', `the ${phase} work is done; its plan is final`);
    const plan = dto.toPlan(phase);
    const problems = [...checkPhasePlan(plan), ...(await this.registryProblems(plan))];
    if (problems.length > 0) {
      throw new ProblemException(422, 'invalid_plan', `the ${phase} plan has ${problems.length} problem(s): ${problems.map((p) => p.message).join('; ')}`, problems as FieldError[]);
    }
    await this.ds.query(
      `INSERT INTO project_phase_plans (project_id, phase, plan, version) VALUES ($1, $2, $3, 1)
       ON CONFLICT (project_id, phase) DO UPDATE SET plan = EXCLUDED.plan, version = project_phase_plans.version + 1, updated_at = now()`,
      [projectId, phase, JSON.stringify(plan)],
    );
    return this.getPlan(projectId, phase);
  }

  /** Everything the plan names must exist in the registry, as the plan is written. */
  private async registryProblems(plan: PhasePlan): Promise<PlanProblem[]> {
    const problems: PlanProblem[] = [];
    const memberIds = plan.tasks.filter((t) => t.recipient.type === 'member').map((t) => t.recipient.id);
    const nodeIds = [...plan.tasks.filter((t) => t.recipient.type === 'node').map((t) => t.recipient.id), ...plan.nodes];
    const members = new Set<string>(
      memberIds.length ? (await this.ds.query(`SELECT id FROM members WHERE id = ANY($1) AND status = 'active'`, [memberIds])).map((r: { id: string }) => r.id) : [],
    );
    const nodes = new Map<string, { automation_level: string; webhook_url: string }>(
      nodeIds.length ? (await this.ds.query(`SELECT id, automation_level, webhook_url FROM nodes WHERE id = ANY($1)`, [nodeIds])).map((r: { id: string; automation_level: string; webhook_url: string }) => [r.id, r]) : [],
    );
    plan.tasks.forEach((t, i) => {
      if (t.recipient.type === 'member' && !members.has(t.recipient.id)) problems.push({ field: `tasks[${i}].recipient.id`, code: 'unknown_member', message: `member ${t.recipient.id} is not an active member` });
      if (t.recipient.type === 'node' && !nodes.has(t.recipient.id)) problems.push({ field: `tasks[${i}].recipient.id`, code: 'unknown_node', message: `node ${t.recipient.id} is not registered` });
      const node = t.upgrade ? nodes.get(t.upgrade.nodeId) : undefined;
      if (t.upgrade && node && automationRank(t.upgrade.toLevel) <= automationRank(node.automation_level)) {
        problems.push({ field: `tasks[${i}].upgrade.toLevel`, code: 'not_an_upgrade', message: `node ${t.upgrade.nodeId} is already ${node.automation_level}` });
      }
    });
    plan.nodes.forEach((id, i) => {
      if (!nodes.has(id)) problems.push({ field: `nodes[${i}]`, code: 'unknown_node', message: `node ${id} is not registered: register it first (POST /admin/nodes)` });
    });
    if (plan.gate?.mode === 'members' && plan.gate.assetId) {
      const [asset]: unknown[] = await this.ds.query(`SELECT 1 FROM assets WHERE id = $1`, [plan.gate.assetId]);
      if (!asset) problems.push({ field: 'gate.assetId', code: 'unknown_asset', message: `asset ${plan.gate.assetId} is not registered` });
    }
    if (plan.budget?.assetId) {
      const [asset]: Array<{ total_parts: string }> = await this.ds.query(`SELECT total_parts FROM assets WHERE id = $1`, [plan.budget.assetId]);
      if (!asset) problems.push({ field: 'budget.assetId', code: 'unknown_asset', message: `asset ${plan.budget.assetId} is not registered` });
      else if (BigInt(plan.budget.minPledge) < smallestPledgeForWholePart(BigInt(plan.budget.goal), BigInt(asset.total_parts))) {
        problems.push({ field: 'budget.minPledge', code: 'asset_parts_too_coarse', message: `a pledge of ${plan.budget.minPledge} would not earn a whole part of the asset's ${asset.total_parts}; raise minPledge` });
      }
    }
    return problems;
  }

  async getPlan(projectId: string, phase: WorkingPhase): Promise<ProjectPhasePlanEntity> {
    await this.project(projectId);
    const row = await this.ds.getRepository(ProjectPhasePlanEntity).findOneBy({ projectId, phase });
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
      const stored = await this.ds.getRepository(ProjectPhasePlanEntity).findOneBy({ projectId, phase });
      if (!stored) throw Problems.conflict('phase_not_planned', `the ${phase} phase has no plan: PUT /admin/projects/${projectId}/phases/${phase}/plan first, or skip the phase`);
      const [funded]: Array<{ id: string }> = await this.ds.query(
        `SELECT id FROM funding_rounds WHERE project_id = $1 AND phase = $2 AND status = 'funded' ORDER BY created_at DESC LIMIT 1`,
        [projectId, phase],
      );
      const done: Array<{ task_key: string }> = await this.ds.query(
        `SELECT DISTINCT task_key FROM jobs WHERE demand_type = 'project' AND demand_id = $1 AND phase = $2 AND status = 'confirmed' AND task_key IS NOT NULL`,
        [projectId, phase],
      );
      try {
        await pingTemporal(this.temporal);
      } catch {
        throw Problems.temporalUnavailable();
      }
      try {
        return await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () =>
          this.temporal.workflow.getHandle(project.workflowId).executeUpdate(startPhaseUpdate, {
            args: [{ actor, phase, plan: stored.plan, carried: { fundedRoundId: funded?.id ?? null, doneTaskKeys: done.map((d) => d.task_key) } }],
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
    const [plans, attempts, rounds, jobs, outputs, skips, decisions] = await Promise.all([
      this.ds.getRepository(ProjectPhasePlanEntity).findBy({ projectId: id }),
      this.ds.getRepository(ProjectPhaseEntity).find({ where: { projectId: id }, order: { attempt: 'DESC' } }),
      this.ds.getRepository(FundingRoundEntity).find({ where: { projectId: id }, order: { createdAt: 'DESC' } }).then((rs) => this.funding.withLiveTotals(rs)),
      this.ds.query(
        `SELECT j.id, j.task_key, j.capability, j.status, j.node_id, n.name AS node_name, j.offers, j.due_at, j.first_offered_at, j.accepted_at, j.completed_at, j.confirmed_at, j.phase
           FROM jobs j LEFT JOIN nodes n ON n.id = j.node_id
          WHERE j.demand_type = 'project' AND j.demand_id = $1 AND j.phase IS NOT NULL
          ORDER BY j.created_at, j.id`,
        [id],
      ) as Promise<JobRow[]>,
      this.ds.getRepository(ProjectOutputEntity).find({ where: { projectId: id }, order: { id: 'ASC' } }),
      this.ds.query(`SELECT from_phase, note FROM project_events WHERE project_id = $1 AND kind = 'skipped'`, [id]) as Promise<Array<{ from_phase: WorkingPhase; note: string | null }>>,
      this.ds.query(
        `SELECT d.id, d.subject_type, d.subject_id, d.deadline, array_remove(array_agg(v.member_id) FILTER (WHERE v.answered_at IS NULL), NULL) AS pending
           FROM decisions d JOIN decision_voters v ON v.decision_id = d.id
          WHERE d.status = 'open' AND (
                (d.subject_type = 'delivery' AND d.subject_id IN (SELECT id FROM jobs WHERE demand_type = 'project' AND demand_id = $1))
             OR (d.subject_type = 'funding-round' AND d.subject_id IN (SELECT id FROM funding_rounds WHERE project_id = $1)))
          GROUP BY d.id`,
        [id],
      ) as Promise<Array<{ id: string; subject_type: string; subject_id: string; deadline: Date; pending: string[] }>>,
    ]);
    return PROJECT_PHASES.map((phase): PhaseDetail => {
      const plan = plans.find((p) => p.phase === phase);
      const attempt = attempts.find((a) => a.phase === phase);
      const skip = skips.find((s) => s.from_phase === phase);
      // The latest attempt's round (a restart carries a funded one); none when it has no budget.
      const round = attempt?.roundId ? rounds.find((r) => r.id === attempt.roundId) : undefined;
      // The latest attempt's jobs, and the confirmed jobs of tasks an earlier attempt finished; in the plan's task order.
      const mine = new Set(attempt?.view.tasks.map((t) => t.jobId).filter(Boolean));
      const carried = new Set(attempt?.view.tasks.filter((t) => t.status === 'carried').map((t) => t.key));
      const order = (key: string | null) => plan?.plan.tasks.findIndex((t) => t.key === key) ?? -1;
      const phaseJobs = jobs
        .filter((j) => j.phase === phase && (mine.has(j.id) || (j.status === 'confirmed' && carried.has(j.task_key ?? ''))))
        .sort((a, b) => order(a.task_key) - order(b.task_key));
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
          taskKey: j.task_key,
          capability: j.capability,
          status: j.status,
          nodeId: j.node_id,
          nodeName: j.node_name,
          dueAt: j.due_at.toISOString(),
          leadTimes: {
            firstOfferedAt: iso(j.first_offered_at),
            acceptedAt: iso(j.accepted_at),
            completedAt: iso(j.completed_at),
            confirmedAt: iso(j.confirmed_at),
            offerToConfirmHours: j.first_offered_at && j.confirmed_at ? Math.round(((j.confirmed_at.getTime() - j.first_offered_at.getTime()) / 3_600_000) * 100) / 100 : null,
          },
        })),
        outputs: outputs.filter((o) => o.phase === phase).map((o) => ({ taskKey: o.taskKey, kind: o.kind, title: o.title, url: o.url, contentHash: o.contentHash, licence: o.licence, jobId: o.jobId })),
        nodeChecks: attempt?.view.nodeChecks ?? [],
        upgrades: attempt?.view.upgrades ?? [],
        blockedOn: blockedOn({
          state,
          current,
          round: round ? { id: round.id, status: round.status, total: String(round.total), goal: String(round.goal), currency: round.currency, deadline: round.deadline.toISOString(), payoutApproval: round.payoutApproval } : null,
          jobs: phaseJobs.map((j) => ({ id: j.id, taskKey: j.task_key, status: j.status, nodeId: j.node_id, offers: j.offers, dueAt: j.due_at.toISOString(), offerTimeoutHours: timeout(j.task_key) })),
          decisions: decisions.map((d) => ({ id: d.id, subjectType: d.subject_type, subjectId: d.subject_id, deadline: new Date(d.deadline).toISOString(), pending: d.pending ?? [] })),
          nodeChecks: attempt?.view.nodeChecks ?? [],
          gateVote: live?.gateVote ?? null,
        }),
      };
    });
  }

  /** The phase events of the project (the phase workflows' streams of the timeline). */
  phaseEvents(projectId: string): Promise<Array<{ phase: WorkingPhase; attempt: number; seq: number; kind: string; note: string; occurred_at: Date }>> {
    return this.ds.query(`SELECT phase, attempt, seq, kind, note, occurred_at FROM project_phase_events WHERE project_id = $1 ORDER BY occurred_at, id`, [projectId]);
  }
}
