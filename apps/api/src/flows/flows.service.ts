import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { cancelFlowUpdate, FLOW_WORKFLOW_TYPE, FlowInput, FlowRecipient, FlowView, handoffAnsweredSignal, HandoffView, LotTrace, Recipe } from '@app/contracts';
import { FlowsRepository, HandoffAnswer, HandoffAnswerer, HandoffRefusal, HandoffsRepository, LotsRepository, MembersRepository, NodesRepository, PickupPointsRepository, RecipesRepository } from '@app/db';
import { DEFAULT_FLOW_TYPE, planFlow, validateRecipe } from '@app/domain';
import { pingTemporal } from '@app/temporal';
import { ProblemException, Problems } from '../common/problem';
import { isTemporalUnavailable, workflowCallProblem } from '../common/workflow-calls';
import { invalidRecipe, plain } from '../recipes/recipes.service';
import { CreateFlowDto, HandoffAnswerDto } from './flows.dto';

const HOUR = 3_600_000;
/** Allowance for moving a step's output to the next node when no past legs of its flow type teach one. */
export const DECLARED_TRANSPORT_MS = 24 * HOUR;
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
    private readonly flows: FlowsRepository,
    private readonly recipes: RecipesRepository,
    private readonly handoffs: HandoffsRepository,
    private readonly lots: LotsRepository,
    private readonly members: MembersRepository,
    private readonly nodes: NodesRepository,
    private readonly pickups: PickupPointsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateFlowDto, actor: string, key: string | undefined, now = new Date()): Promise<{ flow: FlowView; replayed: boolean }> {
    if ((dto.recipeId === undefined) === (dto.recipe === undefined)) throw Problems.badRequest('recipeId', 'give either recipeId (a saved recipe) or recipe (written for this flow), not both, not neither');
    const dueAt = new Date(dto.dueAt);
    if (dueAt.getTime() < now.getTime() + HOUR) throw Problems.badRequest('dueAt', 'dueAt must be at least an hour ahead');
    let recipe: Recipe;
    if (dto.recipeId) {
      const saved = await this.recipes.find(dto.recipeId);
      if (!saved) throw unknownRef('recipeId', 'unknown_recipe', `recipe ${dto.recipeId} does not exist`);
      recipe = saved.definition;
    } else {
      recipe = plain(dto.recipe!);
    }
    const problems = validateRecipe(recipe);
    if (problems.length) throw invalidRecipe(recipe, problems, dto.recipeId ? '' : 'recipe.');

    const demand = await this.flows.demand(dto.demand.type, dto.demand.id);
    if (!demand) throw unknownRef('demand.id', 'unknown_demand', `${dto.demand.type === 'project' ? 'project' : 'output plan'} ${dto.demand.id} does not exist: a flow needs a real demand`);
    if (dto.demand.type === 'project' && demand.status !== 'active') throw Problems.conflict('project_not_active', `project ${dto.demand.id} is ${demand.status}; it needs no more work`);
    const { recipient, locationId } = await this.recipient(dto);

    // Every flow type the recipe's outputs may travel as needs a carrier somewhere in the network.
    const flowTypes = [...new Set(recipe.steps.map((s) => s.flowType ?? DEFAULT_FLOW_TYPE))];
    const carried = await this.flows.carriedFlowTypes(flowTypes);
    const missing = flowTypes.filter((t) => !carried.has(t));
    if (missing.length) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'no_carrier', `no active transport node carries ${missing.join(', ')}: register one (its flowTypes) before starting this flow`, [
        { field: dto.recipeId ? 'recipeId' : 'recipe.steps', code: 'no_carrier', message: `no carrier for ${missing.join(', ')}` },
      ], { flowTypes: missing });
    }

    const samples = await this.flows.leadTimeSamples([...new Set(recipe.steps.map((s) => s.capability))], flowTypes);
    const plan = planFlow(recipe, dto.quantity, dueAt, { ...samples, transportDeclaredMs: DECLARED_TRANSPORT_MS });
    const output = recipe.steps.find((s) => !recipe.steps.some((c) => c.inputs.some((i) => i.step === s.key)))!;
    // Nothing is written while Temporal is down: the flow could not start.
    try {
      await pingTemporal(this.temporal);
    } catch {
      throw Problems.temporalUnavailable();
    }
    const r = await this.flows.create({
      recipeId: dto.recipeId ?? null,
      recipe,
      demand: { type: dto.demand.type, id: dto.demand.id },
      quantity: dto.quantity,
      unit: output.produces.unit,
      dueAt,
      recipient,
      recipientLocationId: locationId,
      plan,
      createdBy: actor,
      idempotencyKey: key ?? null,
    });
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

  /** The recipient exists (an active member; a node; an active pickup point and the member who collects) and where it is. */
  private async recipient(dto: CreateFlowDto): Promise<{ recipient: FlowRecipient; locationId: string | null }> {
    const r = dto.recipient;
    const activeMember = async (id: string, field: string) => {
      const m = await this.members.findById(id);
      if (!m || m.status !== 'active') throw unknownRef(field, 'unknown_recipient', `member ${id} is not an active member`);
    };
    if (r.type === 'member') {
      await activeMember(r.id!, 'recipient.id');
      return { recipient: { type: 'member', id: r.id! }, locationId: null };
    }
    if (r.type === 'node') {
      const n = await this.nodes.findById(r.id!);
      if (!n) throw unknownRef('recipient.id', 'unknown_recipient', `node ${r.id} does not exist`);
      return { recipient: { type: 'node', id: n.id }, locationId: n.locationId };
    }
    const p = await this.pickups.find(r.pickupPointId!);
    if (!p || p.status !== 'active') throw unknownRef('recipient.pickupPointId', 'unknown_pickup_point', `pickup point ${r.pickupPointId} does not exist or is closed`);
    await activeMember(r.memberId!, 'recipient.memberId');
    return { recipient: { type: 'pickup', pickupPointId: p.id, memberId: r.memberId! }, locationId: p.locationId };
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

  async visibleHandoff(id: string, by: HandoffAnswerer): Promise<HandoffView> {
    if (!(await this.handoffs.visibleTo(id, by))) throw Problems.notFound('hand-off', id);
    return (await this.handoffs.find(id))!;
  }
}
