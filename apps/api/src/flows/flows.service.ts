import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { cancelFlowUpdate, FLOW_WORKFLOW_TYPE, FlowInput, FlowView, handoffAnsweredSignal, HandoffView, LotTrace } from '@app/contracts';
import { FlowPlanner, FlowRecipientRequest, FlowRefusal, FlowsRepository, HandoffAnswer, HandoffAnswerer, HandoffRefusal, HandoffsRepository, LotsRepository, NewFlow } from '@app/db';
import { pingTemporal } from '@app/temporal';
import { Page, pageOf } from '../common/dto';
import { ProblemException, Problems } from '../common/problem';
import { isTemporalUnavailable, workflowCallProblem } from '../common/workflow-calls';
import { invalidRecipe, plain } from '../recipes/recipes.service';
import { CreateFlowDto, HandoffAnswerDto, ListHandoffsQuery } from './flows.dto';

const HOUR = 3_600_000;
const SIGNAL_TIMEOUT_MS = 10_000;
const UPDATE_TIMEOUT_MS = 30_000;

/** 404: the hand-off is not there; 403: not yours to answer; 422: more than was sent; 409: already answered otherwise. */
const REFUSAL_STATUS: Record<HandoffRefusal['code'], HttpStatus> = {
  handoff_not_found: HttpStatus.NOT_FOUND,
  not_receiver: HttpStatus.FORBIDDEN,
  more_than_sent: HttpStatus.UNPROCESSABLE_ENTITY,
  handoff_answered: HttpStatus.CONFLICT,
};

const unknownRef = (field: string, code: string, detail: string) => new ProblemException(HttpStatus.NOT_FOUND, code, detail, [{ field, code, message: detail }]);

/** A flow the planner refused, as the problem document the API has always answered. */
function refusalProblem(err: FlowRefusal, recipePrefix: string): ProblemException {
  switch (err.code) {
    case 'invalid_recipe':
      return invalidRecipe(err.extra.recipe!, err.extra.problems!, recipePrefix);
    case 'project_not_active':
      return Problems.conflict(err.code, err.message);
    case 'no_carrier':
      return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'no_carrier', err.message, [{ field: err.field, code: 'no_carrier', message: `no carrier for ${err.extra.flowTypes!.join(', ')}` }], {
        flowTypes: err.extra.flowTypes,
      });
    default:
      return unknownRef(err.field, err.code, err.message);
  }
}

/**
 * Production flows at the edge. A flow is checked (recipe, demand, recipient, carriers), planned
 * backwards from its due date, written with its steps in one transaction, then its workflow is
 * started (`flow-<id>`, started once: a retry with the same Idempotency-Key finds it). Hand-off
 * answers are recorded in PostgreSQL first, then the flow is told (`handoffAnswered`).
 */
@Injectable()
export class FlowsService {
  private readonly logger = new Logger(FlowsService.name);

  constructor(
    private readonly planner: FlowPlanner,
    private readonly flows: FlowsRepository,
    private readonly handoffs: HandoffsRepository,
    private readonly lots: LotsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateFlowDto, actor: string, key: string | undefined, now = new Date()): Promise<{ flow: FlowView; replayed: boolean }> {
    if ((dto.recipeId === undefined) === (dto.recipe === undefined)) throw Problems.badRequest('recipeId', 'give either recipeId (a saved recipe) or recipe (written for this flow), not both, not neither');
    const dueAt = new Date(dto.dueAt);
    if (dueAt.getTime() < now.getTime() + HOUR) throw Problems.badRequest('dueAt', 'dueAt must be at least an hour ahead');
    const r0 = dto.recipient;
    const recipient: FlowRecipientRequest = r0.type === 'pickup' ? { type: 'pickup', pickupPointId: r0.pickupPointId!, memberId: r0.memberId! } : { type: r0.type, id: r0.id! };
    let planned: NewFlow;
    try {
      planned = await this.planner.prepare({
        ...(dto.recipeId ? { recipeId: dto.recipeId } : { recipe: plain(dto.recipe!) }),
        quantity: dto.quantity,
        dueAt,
        recipient,
        demand: { type: dto.demand.type, id: dto.demand.id },
        createdBy: actor,
        idempotencyKey: key ?? null,
      });
    } catch (err) {
      if (err instanceof FlowRefusal) throw refusalProblem(err, dto.recipeId ? '' : 'recipe.');
      throw err;
    }
    // Nothing is written while Temporal is down: the flow could not start.
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
    const r = await this.planner.write(planned);
    try {
      const input: FlowInput = { flowId: r.flow.id };
      await this.temporal.workflow.start(FLOW_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: r.workflowId, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
    } catch (err) {
      // The flow is recorded; the same request with the same Idempotency-Key starts its workflow.
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('flow_closed', `flow ${r.flow.id} has ended`),
        retry: `flow ${r.flow.id} is recorded but its process did not start in time: send the same request with the same Idempotency-Key again`,
      });
    }
    return { flow: r.flow, replayed: r.replayed };
  }

  async get(id: string): Promise<FlowView> {
    const f = await this.flows.view(id);
    if (!f) throw Problems.notFound('flow', id);
    return f;
  }

  /** A flow the member receives or whose work their nodes do; anyone else gets the same 404 as for no flow. */
  async forMember(memberId: string, id: string): Promise<FlowView> {
    if (!(await this.flows.memberMaySee(memberId, id))) throw Problems.notFound('flow', id);
    return this.get(id);
  }

  /** Cancels the flow through its workflow (its open jobs are cancelled; hand-offs stay as records). */
  async cancel(id: string, actor: string, reason: string): Promise<FlowView> {
    const f = await this.get(id);
    if (f.status !== 'running') throw Problems.conflict('flow_closed', `flow ${id} is ${f.status}: there is nothing to cancel`);
    try {
      await this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () => this.temporal.workflow.getHandle(`flow-${id}`).executeUpdate(cancelFlowUpdate, { args: [{ actor, reason }], updateId: 'cancel' }));
    } catch (err) {
      throw workflowCallProblem(err, {
        closed: () => Problems.conflict('flow_closed', `flow ${id}: its process has ended`),
        retry: `flow ${id}: the cancellation was not confirmed in time; send it again (it is harmless)`,
      });
    }
    return this.get(id);
  }

  async trace(lotId: string, memberId?: string): Promise<LotTrace> {
    if (memberId && !(await this.lots.memberMaySee(memberId, lotId))) throw Problems.notFound('lot', lotId);
    const t = await this.lots.trace(lotId);
    if (!t) throw Problems.notFound('lot', lotId);
    return t;
  }

  /**
   * The receiver's answer, recorded in one transaction (refusals write nothing), then the flow is
   * told. The flow not told (Temporal down): 503, the answer stays recorded, the same answer
   * again tells it. A flow that has ended needs no telling.
   */
  async answer(id: string, by: HandoffAnswerer, dto: HandoffAnswerDto, answeredBy: string): Promise<HandoffView> {
    if (!dto.accepted && dto.quantityReceived !== undefined) throw Problems.badRequest('quantityReceived', 'quantityReceived is for accepted hand-offs only');
    const a: HandoffAnswer = dto.accepted
      ? { accepted: true, quantityReceived: dto.quantityReceived, note: dto.note ?? null, photoUrl: dto.photoUrl ?? null }
      : { accepted: false, reason: dto.reason!, note: dto.note ?? null, photoUrl: dto.photoUrl ?? null };
    let r;
    try {
      r = await this.handoffs.answer(id, by, a, answeredBy);
    } catch (err) {
      if (err instanceof HandoffRefusal) throw new ProblemException(REFUSAL_STATUS[err.code], err.code === 'handoff_not_found' ? 'not_found' : err.code, err.message, undefined, err.figures);
      throw err;
    }
    if (r.signalPending) {
      try {
        await this.temporal.withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () => this.temporal.workflow.getHandle(r.workflowId).signal(handoffAnsweredSignal, { handoffId: id }));
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) {
          this.logger.warn(`hand-off ${id}: answer recorded, flow ${r.workflowId} not told: ${err instanceof Error ? err.message : String(err)}`);
          throw Problems.temporalUnavailable(
            `the answer to hand-off ${id} is recorded, but the flow could not be told${isTemporalUnavailable(err) ? ' (the workflow engine is unreachable)' : ''}: send the same answer again shortly`,
          );
        }
      }
      await this.handoffs.markSignalled(id);
    }
    return r.handoff;
  }

  /** The hand-offs a node or a member answers, pending first (one page; the node and member routes share it). */
  async handoffsFor(by: HandoffAnswerer, q: ListHandoffsQuery): Promise<Page<HandoffView>> {
    const page = pageOf(q);
    return { ...(await this.handoffs.listFor(by, { status: q.status, ...page })), ...page };
  }

  async visibleHandoff(id: string, by: HandoffAnswerer): Promise<HandoffView> {
    if (!(await this.handoffs.visibleTo(id, by))) throw Problems.notFound('hand-off', id);
    return (await this.handoffs.find(id))!;
  }
}
