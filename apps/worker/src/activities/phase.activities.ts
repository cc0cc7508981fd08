import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  ApplyUpgradeInput,
  automationRank,
  cancelFlowUpdate,
  CreatePhaseFlowInput,
  CreatePhaseJobInput,
  CreatePhaseJobResult,
  flowWorkflowId,
  CreatePhaseRoundInput,
  NodeUpgrade,
  RecordOutputsInput,
  RecordPhaseInput,
  VerifyNodeInput,
} from '@app/contracts';
import { FlowPlanner, FlowRefusal, FundingRepository, JobsRepository, LedgerService, MembersRepository, NodeRegistryEntry, NodesRepository, ProjectPhasesRepository } from '@app/db';
import { Currency } from '@app/domain';
import { WebhookSender } from '@app/nodes';

/**
 * Activities of a project phase at work: the rows its round and jobs need before their workflows
 * start, its read model and timeline, its outputs, the node checks and the registry upgrades.
 * Every one is idempotent on the ids the workflow gives it.
 */
@Injectable()
export class PhaseActivities {
  constructor(
    private readonly phases: ProjectPhasesRepository,
    private readonly jobs: JobsRepository,
    private readonly funding: FundingRepository,
    private readonly members: MembersRepository,
    private readonly nodes: NodesRepository,
    private readonly webhooks: WebhookSender,
    private readonly ledger: LedgerService,
    private readonly planner: FlowPlanner,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  /** Projects the phase's state and appends its new timeline events, in one transaction. */
  async recordPhase(input: RecordPhaseInput): Promise<void> {
    await this.phases.record(input);
  }

  /** The row of the phase's funding round (its workflow starts next, as the phase's child). */
  async createPhaseRound(input: CreatePhaseRoundInput): Promise<void> {
    const b = input.budget;
    await this.funding.createRound({
      id: input.roundId,
      projectId: input.projectId,
      assetId: b.assetId,
      phase: input.phase,
      goal: b.goal,
      currency: b.currency,
      minPledge: b.minPledge,
      deadline: input.deadline,
      closeWhenGoalMet: b.closeWhenGoalMet,
      payoutApproval: b.payoutApproval,
      operator: null,
      documents: b.documents,
      createdBy: input.createdBy,
    });
  }

  /**
   * The row of one task's job, and who confirms its delivery: the member, or the owner of the
   * recipient node (whose location is then preferred). A recipient gone since the plan was
   * written fails the task's dispatch for good (the plan is checked when written and started).
   */
  async createPhaseJob(input: CreatePhaseJobInput): Promise<CreatePhaseJobResult> {
    const t = input.task;
    const recipient = await this.recipient(t.recipient);
    if (!recipient) throw ApplicationFailure.nonRetryable(`the recipient ${t.recipient.type} ${t.recipient.id} no longer exists`, 'RecipientNotFound');
    await this.jobs.create({
      id: input.jobId,
      capability: t.capability,
      quantity: t.quantity,
      unit: t.unit,
      specUrl: t.specUrl,
      dueAt: input.dueAt,
      recipient: t.recipient,
      demand: { type: 'project', id: input.projectId },
      phase: input.phase,
      taskKey: t.key,
      createdBy: input.createdBy,
      // Paid work: paid from the project's account (created on first use), in the task's currency.
      price: t.price
        ? {
            amount: BigInt(t.price.amount),
            currency: t.price.currency,
            ceiling: t.priceCeiling !== undefined ? BigInt(t.priceCeiling) : null,
            payerAccountId: (await this.ledger.account('project', input.projectId, t.price.currency as Currency)).id,
            payProgressOnCancel: t.payProgressOnCancel ?? false,
          }
        : null,
    });
    return recipient;
  }

  /**
   * A recipe task's flow: checked, planned backwards from the task's due date and written with its
   * steps (the same planner as `POST /admin/flows`), once per phase attempt and task (its key:
   * `phase:<project>:<phase>:<attempt>:<task>`; a retry answers the flow written first). The phase
   * starts the flow's workflow as its child. A flow refused (recipe gone or broken, recipient gone,
   * no carrier) fails the task's dispatch for good.
   */
  async createPhaseFlow(input: CreatePhaseFlowInput): Promise<{ flowId: string }> {
    const t = input.task;
    try {
      const r = await this.planner.create({
        recipeId: t.recipeId!,
        quantity: t.quantity,
        dueAt: new Date(input.dueAt),
        recipient: t.recipient,
        demand: { type: 'project', id: input.projectId },
        createdBy: input.createdBy,
        idempotencyKey: `phase:${input.projectId}:${input.phase}:${input.attempt}:${t.key}`,
      });
      return { flowId: r.flow.id };
    } catch (err) {
      if (err instanceof FlowRefusal) throw ApplicationFailure.nonRetryable(`${err.code}: ${err.message}`, 'FlowRefused');
      throw err;
    }
  }

  /**
   * Cancels a recipe task's flow with the phase, through the flow's own cancel (its open jobs are
   * cancelled and their nodes told); answers once the flow has cancelled. A flow that has already
   * ended stays as it ended.
   */
  async cancelPhaseFlow(input: { flowId: string; actor: string; reason: string }): Promise<'cancelled' | 'ended'> {
    try {
      await this.temporal.workflow.getHandle(flowWorkflowId(input.flowId)).executeUpdate(cancelFlowUpdate, { args: [{ actor: input.actor, reason: input.reason }], updateId: 'cancel' });
      return 'cancelled';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'ended';
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'FlowClosed') return 'ended';
      if (err instanceof Error && /completed|already/i.test(err.message)) {
        log.info('phase flow already ended; nothing to cancel', { flowId: input.flowId });
        return 'ended';
      }
      throw err;
    }
  }

  /** Who confirms a delivery to the recipient (a member, or the owner of a node), and where it is. */
  private async recipient(r: { type: 'member' | 'node'; id: string }): Promise<CreatePhaseJobResult | null> {
    if (r.type === 'member') {
      const member = await this.members.findById(r.id);
      return member && { confirmerId: member.id, locationId: null };
    }
    const node = await this.nodes.findById(r.id);
    return node && { confirmerId: node.ownerMemberId, locationId: node.locationId };
  }

  /**
   * Closes the rows of a round or job whose workflow was never started because the phase was
   * cancelled between the row and the start: nothing is left open without a process behind it.
   */
  async discardPhaseRows(input: { roundIds: string[]; jobIds: string[]; flowIds?: string[] }): Promise<void> {
    await this.funding.discardUnopened(input.roundIds);
    await this.jobs.discardUnstarted(input.jobIds);
    await this.planner.discardUnstarted(input.flowIds ?? []);
  }

  /** Attaches delivered documents to the project, once per (job, url). */
  async recordPhaseOutputs(input: RecordOutputsInput): Promise<void> {
    await this.phases.recordOutputs(input);
  }

  /**
   * Data transport is live when the node answers a signed `node.ping` with a 2xx. Anything else
   * throws, and the workflow's retry policy tries again with backoff (each attempt is recorded in
   * webhook_attempts, where the node's operator sees it).
   */
  async verifyNodeWebhook(input: VerifyNodeInput): Promise<string> {
    if (!(await this.nodes.exists(input.nodeId))) throw ApplicationFailure.nonRetryable(`node ${input.nodeId} is not registered`, 'NodeNotFound');
    const attempt = Context.current().info.attempt;
    const r = await this.webhooks.deliver(input.nodeId, { id: input.eventId, type: 'node.ping', data: { nodeId: input.nodeId, projectId: input.projectId, purpose: 'verify-data-transport' } }, attempt);
    if (r.outcome !== 'delivered') {
      throw ApplicationFailure.retryable(`signed ping ${r.outcome}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''}${r.error ? `: ${r.error}` : ''}`, 'NodeNotVerified');
    }
    return `answered a signed ping with HTTP ${r.statusCode} in ${r.latencyMs} ms (attempt ${attempt})`;
  }

  /**
   * A confirmed upgrade raises the node in the registry: its automation level (never lowered) and
   * the capacity of the functions named (never lowered). Idempotent: a retry finds it applied.
   */
  async applyNodeUpgrade(input: ApplyUpgradeInput): Promise<void> {
    const u = input.upgrade;
    const changed = await this.nodes.upgrade(u.nodeId, (node) => raiseNode(node, u));
    if (!changed) throw ApplicationFailure.nonRetryable(`node ${u.nodeId} is not registered`, 'NodeNotFound');
    log.info('node upgraded', { nodeId: u.nodeId, from: changed.from.automationLevel, to: changed.to.automationLevel, jobId: input.jobId });
  }
}

/** A node raised by an upgrade: its automation level and the capacity of the functions named, never lowered. */
export function raiseNode(node: NodeRegistryEntry, u: NodeUpgrade): NodeRegistryEntry {
  const automationLevel = automationRank(u.toLevel) > automationRank(node.automationLevel) ? u.toLevel : node.automationLevel;
  const capabilities = node.capabilities.map((c) => {
    const raised = u.capacities.find((x) => x.function === c.function);
    return raised && raised.capacity > c.capacity ? { ...c, capacity: raised.capacity } : c;
  });
  for (const x of u.capacities) {
    if (!capabilities.some((c) => c.function === x.function)) capabilities.push({ function: x.function, capacity: x.capacity, unit: 'units/week' });
  }
  return { automationLevel, capabilities };
}
