import { Injectable } from '@nestjs/common';
import { FlowRecipient, FlowView, Recipe, RecipeProblem } from '@app/contracts';
import { DEFAULT_FLOW_TYPE, outputStep, planFlow, validateRecipe } from '@app/domain';
import { MembersRepository } from '../members/members.repository';
import { NodesRepository } from '../nodes/nodes.repository';
import { FlowsRepository, NewFlow } from './flows.repository';
import { PickupPointsRepository } from './pickup-points.repository';
import { RecipesRepository } from './recipes.repository';

const HOUR = 3_600_000;
/** Allowance for moving a step's output to the next node when no past legs of its flow type teach one. */
export const DECLARED_TRANSPORT_MS = 24 * HOUR;

/** Who receives a flow's output, as asked (ids not yet checked). */
export type FlowRecipientRequest = { type: 'member'; id: string } | { type: 'node'; id: string } | { type: 'pickup'; pickupPointId: string; memberId: string };

/** A flow to create: a saved recipe or one written for it, for a demand, to a recipient. */
export interface FlowRequest {
  recipeId?: string;
  recipe?: Recipe;
  quantity: number;
  dueAt: Date;
  recipient: FlowRecipientRequest;
  demand: { type: 'project' | 'order'; id: string };
  createdBy: string;
  idempotencyKey: string | null;
}

export type FlowRefusalCode = 'unknown_recipe' | 'invalid_recipe' | 'unknown_demand' | 'project_not_active' | 'unknown_recipient' | 'unknown_pickup_point' | 'no_carrier';

/** A flow that cannot be created as asked; nothing was written. The API answers it as a problem document. */
export class FlowRefusal extends Error {
  constructor(
    readonly code: FlowRefusalCode,
    message: string,
    /** The request field at fault (`recipeId`, `recipient.id`…). */
    readonly field: string,
    readonly extra: { recipe?: Recipe; problems?: RecipeProblem[]; flowTypes?: string[] } = {},
  ) {
    super(message);
    this.name = 'FlowRefusal';
  }
}

/**
 * Flow creation shared by the API (`POST /admin/flows`) and the worker (a phase task that is a
 * recipe): checks the recipe, the demand, the recipient and that every flow type has a carrier,
 * plans the steps backwards from the due date with learned lead times, and writes the flow with
 * its steps in one transaction (idempotent on its key). Starting its workflow is the caller's.
 */
@Injectable()
export class FlowPlanner {
  constructor(
    private readonly flows: FlowsRepository,
    private readonly recipes: RecipesRepository,
    private readonly members: MembersRepository,
    private readonly nodes: NodesRepository,
    private readonly pickups: PickupPointsRepository,
  ) {}

  /** Everything checked and planned, nothing written: the rows `write` inserts. Throws `FlowRefusal`. */
  async prepare(req: FlowRequest): Promise<NewFlow> {
    let recipe: Recipe;
    if (req.recipeId) {
      const saved = await this.recipes.find(req.recipeId);
      if (!saved) throw new FlowRefusal('unknown_recipe', `recipe ${req.recipeId} does not exist`, 'recipeId');
      recipe = saved.definition;
    } else {
      recipe = req.recipe!;
    }
    const problems = validateRecipe(recipe);
    if (problems.length) throw new FlowRefusal('invalid_recipe', `the recipe ${recipe.name} cannot be made`, req.recipeId ? 'recipeId' : 'recipe', { recipe, problems });

    const demand = await this.flows.demand(req.demand.type, req.demand.id);
    if (!demand) throw new FlowRefusal('unknown_demand', `${req.demand.type === 'project' ? 'project' : 'output plan'} ${req.demand.id} does not exist: a flow needs a real demand`, 'demand.id');
    if (req.demand.type === 'project' && demand.status !== 'active') throw new FlowRefusal('project_not_active', `project ${req.demand.id} is ${demand.status}; it needs no more work`, 'demand.id');
    const { recipient, locationId } = await this.recipient(req.recipient);

    // Every flow type the recipe's outputs may travel as needs a carrier somewhere in the network.
    const flowTypes = [...new Set(recipe.steps.map((s) => s.flowType ?? DEFAULT_FLOW_TYPE))];
    const carried = await this.flows.carriedFlowTypes(flowTypes);
    const missing = flowTypes.filter((t) => !carried.has(t));
    if (missing.length) {
      throw new FlowRefusal('no_carrier', `no active transport node carries ${missing.join(', ')}: register one (its flowTypes) before starting this flow`, req.recipeId ? 'recipeId' : 'recipe.steps', { flowTypes: missing });
    }

    const samples = await this.flows.leadTimeSamples([...new Set(recipe.steps.map((s) => s.capability))], flowTypes);
    const plan = planFlow(recipe, req.quantity, req.dueAt, { ...samples, transportDeclaredMs: DECLARED_TRANSPORT_MS });
    return {
      recipeId: req.recipeId ?? null,
      recipe,
      demand: { type: req.demand.type, id: req.demand.id },
      quantity: req.quantity,
      unit: outputStep(recipe).produces.unit,
      dueAt: req.dueAt,
      recipient,
      recipientLocationId: locationId,
      plan,
      createdBy: req.createdBy,
      idempotencyKey: req.idempotencyKey,
    };
  }

  /** The flow and its steps in one transaction; the same key with the same request answers the first flow (`replayed`). */
  write(f: NewFlow): Promise<{ flow: FlowView; workflowId: string; replayed: boolean }> {
    return this.flows.create(f);
  }

  /** `prepare`, then `write`. */
  async create(req: FlowRequest): Promise<{ flow: FlowView; workflowId: string; replayed: boolean }> {
    return this.write(await this.prepare(req));
  }

  /**
   * Closes flows written for a phase that was cancelled before their workflow started: no step
   * has a job yet (a started flow is cancelled through its workflow instead).
   */
  async discardUnstarted(flowIds: string[]): Promise<void> {
    await this.flows.discardUnstarted(flowIds);
  }

  /** The recipient exists (an active member; a node; an active pickup point and the member who collects) and where it is. */
  private async recipient(r: FlowRecipientRequest): Promise<{ recipient: FlowRecipient; locationId: string | null }> {
    const activeMember = async (id: string, field: string) => {
      const m = await this.members.findById(id);
      if (!m || m.status !== 'active') throw new FlowRefusal('unknown_recipient', `member ${id} is not an active member`, field);
    };
    if (r.type === 'member') {
      await activeMember(r.id, 'recipient.id');
      return { recipient: { type: 'member', id: r.id }, locationId: null };
    }
    if (r.type === 'node') {
      const n = await this.nodes.findById(r.id);
      if (!n) throw new FlowRefusal('unknown_recipient', `node ${r.id} does not exist`, 'recipient.id');
      return { recipient: { type: 'node', id: n.id }, locationId: n.locationId };
    }
    const p = await this.pickups.find(r.pickupPointId);
    if (!p || p.status !== 'active') throw new FlowRefusal('unknown_pickup_point', `pickup point ${r.pickupPointId} does not exist or is closed`, 'recipient.pickupPointId');
    await activeMember(r.memberId, 'recipient.memberId');
    return { recipient: { type: 'pickup', pickupPointId: p.id, memberId: r.memberId }, locationId: p.locationId };
  }
}
