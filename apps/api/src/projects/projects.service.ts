import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Client,
  isGrpcDeadlineError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import {
  advancePhaseUpdate,
  cancelProjectUpdate,
  getProjectStatusQuery,
  PRODUCTION_PROJECT_WORKFLOW_TYPE,
  ProductionProjectInput,
  ProjectGate,
  ProjectLiveState,
  isWorkingPhase,
  projectWorkflowId,
} from '@app/contracts';
import { isUniqueViolation, ProjectEntity, ProjectsRepository } from '@app/db';
import { pingTemporal } from '@app/temporal';
import { IdempotencyService } from '../common/idempotency.service';
import { ProblemException, Problems } from '../common/problem';
import { AdvancePhaseDto, CancelProjectDto, CreateProjectDto, ListProjectsQuery } from './dto/project.dto';
import { workflowCallProblem } from '../common/workflow-calls';

/** How long an HTTP request waits on Temporal before answering 503/504 instead of hanging. */
const LIVE_QUERY_TIMEOUT_MS = 3_000;
const START_TIMEOUT_MS = 10_000;
const UPDATE_TIMEOUT_MS = 30_000;

function requestHash(dto: CreateProjectDto): string {
  // The gate joins the hash only when given, so keys stored before gates existed still match.
  const parts: unknown[] = [dto.name, dto.description ?? null];
  if (dto.gate) parts.push(dto.gate.toGate());
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

@Injectable()
export class ProjectsService {
  private readonly logger = new Logger(ProjectsService.name);

  constructor(
    private readonly projects: ProjectsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly keys: IdempotencyService,
  ) {}

  /**
   * Creates the project row, then starts its workflow (id derived from the project id). With an
   * Idempotency-Key, a retry returns the first result instead of creating a second project; the
   * same key with a different body is a 409. If the workflow cannot be started, the row is
   * removed again, so nothing is left half-created.
   */
  async create(dto: CreateProjectDto, actor: string, idempotencyKey?: string): Promise<{ project: ProjectEntity; replayed: boolean }> {
    const hash = requestHash(dto);
    if (idempotencyKey) {
      const existing = await this.projects.findByIdempotencyKey(idempotencyKey);
      if (existing) return this.replay(existing, hash);
    }
    const gate: ProjectGate = dto.gate?.toGate() ?? { mode: 'coordinator' };
    if (gate.mode === 'members' && gate.assetId && !(await this.projects.assetExists(gate.assetId))) {
      throw new ProblemException(422, 'unknown_asset', `gate.assetId ${gate.assetId} is not a registered asset`, [
        { field: 'gate.assetId', code: 'unknown_asset', message: 'no asset has this id' },
      ]);
    }
    // Fail fast and unambiguously while Temporal is unreachable: nothing is written then.
    await this.ensureTemporal();
    const id = randomUUID();
    let project: ProjectEntity;
    try {
      project = await this.projects.create({
        id,
        name: dto.name,
        description: dto.description ?? null,
        workflowId: projectWorkflowId(id),
        createdBy: actor,
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey ? hash : null,
        gate,
      });
    } catch (err) {
      if (idempotencyKey && isUniqueViolation(err)) {
        // A concurrent request with the same key won the race: answer as its replay.
        const winner = await this.projects.findByIdempotencyKey(idempotencyKey);
        if (winner) return this.replay(winner, hash);
      }
      throw err;
    }
    try {
      await this.startWorkflow(project);
    } catch (err) {
      // A deadline is ambiguous: the server may have started the workflow after all. Keep the row
      // when the client can retry with its key (the replay starts the workflow if it is missing);
      // otherwise remove it: if the workflow did start, its first activity writes the row back.
      if (!(idempotencyKey && isGrpcDeadlineError(err))) await this.projects.delete(id);
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('project_not_active', `project ${id}: its process has already ended`),
        retry: `project ${id}: Temporal did not confirm the start in time; retry with the same Idempotency-Key`,
      });
    }
    return { project, replayed: false };
  }

  private async replay(existing: ProjectEntity, hash: string): Promise<{ project: ProjectEntity; replayed: boolean }> {
    if (existing.requestHash !== hash) {
      throw Problems.conflict(
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; use a new key for a new project',
      );
    }
    // The first attempt may have died between the insert and the start: make sure it runs.
    if (existing.lastSeq === 0) await this.startWorkflow(existing);
    return { project: existing, replayed: true };
  }

  private async ensureTemporal(): Promise<void> {
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
  }

  private async startWorkflow(p: ProjectEntity): Promise<void> {
    const input: ProductionProjectInput = { projectId: p.id, name: p.name, createdBy: p.createdBy, gate: p.gate };
    try {
      await this.temporal.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        this.temporal.workflow.start(PRODUCTION_PROJECT_WORKFLOW_TYPE, {
          taskQueue: this.config.temporal.taskQueue,
          workflowId: p.workflowId,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return; // it ran before and has finished
      throw err;
    }
  }

  async list(q: ListProjectsQuery) {
    const limit = q.limit ?? 20;
    const offset = q.offset ?? 0;
    const { items, total } = await this.projects.list({ phase: q.phase, status: q.status, limit, offset });
    return { items, total, limit, offset };
  }

  async get(id: string): Promise<{ project: ProjectEntity; timeline: Awaited<ReturnType<ProjectsRepository['events']>>; live: ProjectLiveState | null; liveError?: string }> {
    const project = await this.mustFind(id);
    const timeline = await this.projects.events(id);
    try {
      const live = await this.temporal.withDeadline(Date.now() + LIVE_QUERY_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(project.workflowId).query(getProjectStatusQuery),
      );
      return { project, timeline, live };
    } catch (err) {
      const liveError = err instanceof WorkflowNotFoundError ? 'workflow_not_found' : 'temporal_unavailable';
      this.logger.warn(`live state of ${project.workflowId} unavailable: ${err instanceof Error ? err.message : String(err)}`);
      return { project, timeline, live: null, liveError };
    }
  }

  async advance(id: string, dto: AdvancePhaseDto, actor: string, idempotencyKey?: string): Promise<ProjectLiveState> {
    return this.keys.once(idempotencyKey, `project-advance:${id}`, dto, async () => {
      const project = await this.mustBeActive(id, 'advanced');
      // The gate after this phase: its plan's, if the plan names one, else the project's.
      const gate = isWorkingPhase(project.phase) ? ((await this.projects.phasePlan(id, project.phase))?.gate ?? undefined) : undefined;
      return this.update(project, 'advanced', () =>
        this.temporal.workflow.getHandle(project.workflowId).executeUpdate(advancePhaseUpdate, {
          args: [{ actor, fromPhase: dto.fromPhase, note: dto.note, ...(gate ? { gate } : {}) }],
          updateId: idempotencyKey ? `advance:${idempotencyKey}` : undefined,
        }),
      );
    });
  }

  async cancel(id: string, dto: CancelProjectDto, actor: string, idempotencyKey?: string): Promise<ProjectLiveState> {
    return this.keys.once(idempotencyKey, `project-cancel:${id}`, dto, async () => {
      const project = await this.mustBeActive(id, 'cancelled');
      return this.update(project, 'cancelled', () =>
        this.temporal.workflow.getHandle(project.workflowId).executeUpdate(cancelProjectUpdate, {
          args: [{ actor, reason: dto.reason }],
          updateId: idempotencyKey ? `cancel:${idempotencyKey}` : undefined,
        }),
      );
    });
  }

  private async update(project: ProjectEntity, action: string, run: () => Promise<ProjectLiveState>): Promise<ProjectLiveState> {
    try {
      return await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, run);
    } catch (err) {
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('project_not_active', `project ${project.id}: its process has already ended; it cannot be ${action}`),
        retry: `project ${project.id}: the workflow did not confirm in time; retry with the same Idempotency-Key to get the outcome without acting twice`,
      });
    }
  }

  private async mustFind(id: string): Promise<ProjectEntity> {
    const project = await this.projects.findById(id);
    if (!project) throw Problems.notFound('project', id);
    return project;
  }

  private async mustBeActive(id: string, action: string): Promise<ProjectEntity> {
    const project = await this.mustFind(id);
    if (project.status !== 'active') {
      throw Problems.conflict('project_not_active', `project ${id} is ${project.status}; it cannot be ${action}`);
    }
    return project;
  }
}
