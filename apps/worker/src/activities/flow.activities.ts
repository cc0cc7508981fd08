import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, log } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { cancelJobUpdate, FlowLegStatus, FlowStatus, FlowStepStatus, JOB_WORKFLOW_TYPE, JobInput, JobRejection, jobWorkflowId } from '@app/contracts';
import { FlowRun, FlowRunRepository, RunHandoff, JobsRepository, LotDestination, LotRoute, MembersRepository, Party } from '@app/db';
import { escapeHtml, MailOutbox, MemberLinks } from '@app/mail';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A flow's jobs: a node has a day to answer an offer, may counter up to two days late, and is never split (a lot is one run). */
export const FLOW_JOB_OFFER_TIMEOUT_MS = DAY;
export const FLOW_JOB_MAX_DELAY_MS = 2 * DAY;
/**
 * How long a flow job waits for the hand-off of its output to be answered (the job's
 * `confirmWithinMs`): the consumer step may still have to be offered and accepted before its
 * hand-off exists. Unanswered by then: the job ends `unanswered`, as a job without a flow does.
 */
export const FLOW_JOB_CONFIRM_WITHIN_MS = 30 * DAY;
/** A transport leg's due date when it has no planned time (or that time has passed). */
const LEG_ALLOWANCE_MS = DAY;

export interface StartFlowJobInput {
  flowId: string;
  part: 'step' | 'leg';
  /** The step key, or the leg id. */
  key: string;
  /** Chosen by the workflow (uuid4) before the first attempt: every retry starts the same job. */
  jobId: string;
  quantity: number;
  /** A rework run: offered first to this node. */
  preferNodeId?: string;
}

/**
 * Activities of production flows (flowWorkflow): the flow as its workflow loads it, the jobs of its
 * steps and legs, lots, legs and hand-offs, late steps, the flow's end. Each is idempotent (unique
 * keys in PostgreSQL; a job started twice is the same workflow id).
 */
@Injectable()
export class FlowActivities {
  constructor(
    private readonly flows: FlowRunRepository,
    private readonly jobs: JobsRepository,
    private readonly members: MembersRepository,
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The flow, its recipe snapshot and its steps' plans. A flow that does not exist is final (FlowNotFound). */
  async loadFlow(flowId: string): Promise<FlowRun> {
    const flow = await this.flows.load(flowId);
    if (!flow) throw ApplicationFailure.nonRetryable(`flow ${flowId} not found`, 'FlowNotFound');
    return flow;
  }

  /**
   * Starts the job of a step (or a rework/make-up run of it) or of a transport leg: the job id is
   * stored on the step or leg first, then the job row, then `jobWorkflow` (workflow id
   * `job-<jobId>`); a job already started counts as started.
   */
  async startFlowJob(input: StartFlowJobInput): Promise<'started' | 'already-started'> {
    const flow = await this.loadFlow(input.flowId);
    const recipient = flow.recipient.type === 'pickup' ? { type: 'member' as const, id: flow.recipient.memberId } : flow.recipient;
    const base = {
      demand: flow.demand,
      offerTimeoutMs: FLOW_JOB_OFFER_TIMEOUT_MS,
      maxDelayMs: FLOW_JOB_MAX_DELAY_MS,
      allowPartial: false,
      confirmWithinMs: FLOW_JOB_CONFIRM_WITHIN_MS,
      createdBy: `flow:${flow.flowId}`,
    };
    let job: JobInput;
    if (input.part === 'step') {
      const step = flow.steps.find((s) => s.key === input.key);
      if (!step) throw ApplicationFailure.nonRetryable(`flow ${flow.flowId} has no step ${input.key}`, 'FlowStepNotFound');
      await this.flows.stepJobStarting(flow.flowId, step.key, input.jobId);
      job = {
        ...base,
        jobId: input.jobId,
        capability: step.capability,
        quantity: input.quantity,
        unit: step.unit,
        specUrl: step.specUrl ?? `${this.config.publicUrl}/flows/${flow.flowId}#${step.key}`,
        dueAt: step.plannedDoneAt,
        recipient: { type: recipient.type, id: recipient.id, confirmerId: recipient.id },
        locationId: null,
        flow: { flowId: flow.flowId, part: 'step', key: step.key, ...(input.preferNodeId ? { preferNodeId: input.preferNodeId } : {}) },
      };
    } else {
      const leg = await this.flows.leg(input.key);
      await this.flows.legJobStarting(leg.id, input.jobId);
      const planned = leg.plannedDoneAt ? Date.parse(leg.plannedDoneAt) : 0;
      const dueAt = new Date(Math.max(planned, Date.now() + LEG_ALLOWANCE_MS)).toISOString();
      const step = flow.steps.find((s) => s.key === leg.fromStepKey)!;
      job = {
        ...base,
        jobId: input.jobId,
        capability: 'transport',
        quantity: input.quantity,
        unit: step.unit,
        specUrl: `${this.config.publicUrl}/flows/${flow.flowId}#leg-${leg.id}`,
        dueAt,
        recipient: leg.to.type === 'node' ? { type: 'node', id: leg.to.id, confirmerId: leg.to.id } : { type: recipient.type, id: recipient.id, confirmerId: recipient.id },
        // Carriers near the pickup are preferred.
        locationId: leg.fromLocationId,
        flow: { flowId: flow.flowId, part: 'leg', key: leg.id },
        transport: { flowType: leg.flowType, fromLocationId: leg.fromLocationId, toLocationId: leg.toLocationId },
      };
    }
    await this.jobs.create({
      id: job.jobId,
      capability: job.capability,
      quantity: job.quantity,
      unit: job.unit,
      specUrl: job.specUrl,
      dueAt: job.dueAt,
      recipient: { type: job.recipient.type, id: job.recipient.id },
      demand: job.demand,
      taskKey: input.part === 'step' ? input.key : null,
      createdBy: job.createdBy,
    });
    try {
      await this.temporal.workflow.start(JOB_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: jobWorkflowId(job.jobId), args: [job] });
      return 'started';
    } catch (err) {
      // A retry after the start went through: the same job.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
      throw err;
    }
  }

  /** A step's or leg's job was accepted: its node (or carrier) and time; for a step, the node's location. */
  async recordFlowJobAccepted(input: { flowId: string; part: 'step' | 'leg'; key: string; jobId: string; nodeId: string }): Promise<{ locationId: string | null }> {
    if (input.part === 'leg') {
      await this.flows.legAccepted(input.key, input.nodeId);
      return { locationId: null };
    }
    return this.flows.stepAccepted(input.flowId, input.key, input.jobId, input.nodeId);
  }

  /** The lot a step's run made (and the input lots it consumed). */
  async recordFlowLot(input: { flowId: string; stepKey: string; jobId: string; run: number; nodeId: string; quantity: number; reworkOf: string | null }): Promise<{ lotId: string; created: boolean }> {
    return this.flows.recordLot(input);
  }

  /** A hand-off from the maker, or a transport leg first (see `FlowRunRepository.routeLot`). */
  async routeFlowLot(input: { lotId: string; destination: LotDestination; quantity: number; flowType: string; plannedDoneAt: string | null }): Promise<LotRoute> {
    return this.flows.routeLot(input);
  }

  /** A pending hand-off of a lot (a carrier's pickup or drop-off, or a pickup point's hand-over to its member). */
  async requestHandoff(input: { flowId: string; lotId: string; legId: string | null; from: Party; to: Party; quantity: number }): Promise<{ handoffId: string }> {
    const { handoffId } = await this.flows.createHandoff(input);
    return { handoffId };
  }

  /**
   * Tells the receiver of a hand-off: a member or a pickup point's keeper by email (once, with a
   * signed link to `/me/handoffs`; a pickup point's member learns its set days); a node is told by
   * a signed `handoff.requested` webhook, which the workflow sends with what this answers.
   */
  async announceHandoff(input: { flowId: string; handoffId: string }): Promise<{ nodeId: string | null; data: Record<string, unknown> }> {
    const a = await this.flows.handoffAudience(input.handoffId);
    const data = { flowId: input.flowId, handoffId: input.handoffId, item: a.item, unit: a.unit, quantity: a.quantity };
    if (a.nodeId) return { nodeId: a.nodeId, data };
    const link = this.links.page(a.memberId, '/me/handoffs', new Date(Date.now() + 14 * DAY));
    const at = a.pickup ? ` at ${a.pickup.name}${Array.isArray(a.pickup.days) ? ` (open ${a.pickup.days.join(', ')}${a.pickup.hours ? `, ${a.pickup.hours}` : ''}: collect on the next of these days)` : ''}` : '';
    const text = `${a.quantity} ${a.unit} of ${a.item} are ready for you${at}. Confirm what you received, or reject it with a reason: ${link}`;
    await this.outbox.enqueue({
      key: `handoff:${input.handoffId}`,
      to: await this.memberEmail(a.memberId),
      subject: `Hand-off: ${a.quantity} ${a.unit} of ${a.item}`,
      text,
      html: `<p>${escapeHtml(text)}</p>`,
    });
    return { nodeId: null, data };
  }

  async readHandoff(handoffId: string): Promise<RunHandoff | null> {
    return this.flows.handoff(handoffId);
  }

  async setFlowLegStatus(input: { legId: string; status: FlowLegStatus; only?: FlowLegStatus[] }): Promise<void> {
    await this.flows.setLegStatus(input.legId, input.status, input.only);
  }

  async setFlowStepStatus(input: { flowId: string; stepKey: string; status?: FlowStepStatus; inputsReceived?: boolean }): Promise<void> {
    if (input.status) await this.flows.setStepStatus(input.flowId, input.stepKey, input.status);
    if (input.inputsReceived) await this.flows.stepInputsReceived(input.flowId, input.stepKey);
  }

  /** A step past its planned done time and not made: `late_noticed_at` set, the coordinator told (once: the outbox key). */
  async noticeLateStep(input: { flowId: string; stepKey: string; plannedDoneAt: string; at: string }): Promise<boolean> {
    const late = await this.flows.noticeLate(input.flowId, input.stepKey, new Date(input.at));
    if (late) {
      await this.escalateFlow({
        flowId: input.flowId,
        what: `late:${input.stepKey}`,
        text: `Step "${input.stepKey}" of flow ${input.flowId} was planned done by ${input.plannedDoneAt} and is not made yet. See the flow: ${this.config.publicUrl}/console/flows/${input.flowId}`,
      });
    }
    return late;
  }

  /** An email to the coordinator, once per flow and `what`. */
  async escalateFlow(input: { flowId: string; what: string; text: string }): Promise<void> {
    await this.outbox.enqueue({
      key: `flow:${input.flowId}:${input.what}`,
      to: this.config.coordinatorEmail,
      subject: `Flow ${input.flowId.slice(0, 8)}: ${input.what}`,
      text: input.text,
      html: `<p>${escapeHtml(input.text)}</p>`,
    });
  }

  async finishFlow(input: { flowId: string; status: Exclude<FlowStatus, 'running'> }): Promise<void> {
    await this.flows.finish(input.flowId, input.status);
  }

  /** Cancels a job of a cancelled flow through its own cancel (the node is told; a job already ended stays as it is). */
  async cancelFlowJob(input: { jobId: string; actor: string; reason: string }): Promise<'cancelled' | 'ended'> {
    try {
      await this.temporal.workflow.getHandle(jobWorkflowId(input.jobId)).executeUpdate(cancelJobUpdate, {
        args: [{ actor: input.actor, reason: input.reason }],
        updateId: `cancel`,
      });
      return 'cancelled';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'ended';
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === JobRejection.Closed) return 'ended';
      // A job that has already completed refuses updates with a plain error.
      if (err instanceof Error && /completed|already/i.test(err.message)) {
        log.info('flow job already ended; nothing to cancel', { jobId: input.jobId });
        return 'ended';
      }
      throw err;
    }
  }

  private async memberEmail(memberId: string): Promise<string> {
    const m = await this.members.findById(memberId);
    if (!m) throw ApplicationFailure.nonRetryable(`member ${memberId} not found`, 'MemberNotFound');
    return m.email;
  }
}
