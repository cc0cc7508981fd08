import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import {
  ApplyUpgradeInput,
  automationRank,
  CreatePhaseJobInput,
  CreatePhaseJobResult,
  CreatePhaseRoundInput,
  RecordOutputsInput,
  RecordPhaseInput,
  VerifyNodeInput,
} from '@app/contracts';
import { insertJobRow, insertRoundRow, NodeCapability } from '@app/db';
import { WebhookSender } from '@app/nodes';

/**
 * Activities of a project phase at work: the rows its round and jobs need before their workflows
 * start, its read model and timeline, its outputs, the node checks and the registry upgrades.
 * Every one is idempotent on the ids the workflow gives it.
 */
@Injectable()
export class PhaseActivities {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly webhooks: WebhookSender,
  ) {}

  /** Projects the phase's state and appends its new timeline events, in one transaction. */
  async recordPhase(input: RecordPhaseInput): Promise<void> {
    const v = input.view;
    await this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO project_phases (project_id, phase, attempt, workflow_id, status, round_id, view, record_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (project_id, phase, attempt) DO UPDATE
           SET status = EXCLUDED.status, round_id = EXCLUDED.round_id, view = EXCLUDED.view, record_seq = EXCLUDED.record_seq, updated_at = now()
         WHERE project_phases.record_seq < EXCLUDED.record_seq`,
        [v.projectId, v.phase, v.attempt, input.workflowId, v.status, v.roundId, JSON.stringify(v), input.seq],
      );
      for (const e of input.events) {
        await m.query(
          `INSERT INTO project_phase_events (project_id, phase, attempt, seq, kind, note, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT ON CONSTRAINT uq_project_phase_events_seq DO NOTHING`,
          [v.projectId, v.phase, v.attempt, e.seq, e.kind, e.note, e.at],
        );
      }
    });
  }

  /** The row of the phase's funding round (its workflow starts next, as the phase's child). */
  async createPhaseRound(input: CreatePhaseRoundInput): Promise<void> {
    const b = input.budget;
    await insertRoundRow(this.ds, {
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
    const [recipient]: Array<{ confirmer_id: string; location_id: string | null }> =
      t.recipient.type === 'member'
        ? await this.ds.query(`SELECT id AS confirmer_id, NULL AS location_id FROM members WHERE id = $1`, [t.recipient.id])
        : await this.ds.query(`SELECT owner_member_id AS confirmer_id, location_id FROM nodes WHERE id = $1`, [t.recipient.id]);
    if (!recipient) throw ApplicationFailure.nonRetryable(`the recipient ${t.recipient.type} ${t.recipient.id} no longer exists`, 'RecipientNotFound');
    await insertJobRow(this.ds, {
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
    });
    return { confirmerId: recipient.confirmer_id, locationId: recipient.location_id };
  }

  /**
   * Closes the rows of a round or job whose workflow was never started because the phase was
   * cancelled between the row and the start: nothing is left open without a process behind it.
   */
  async discardPhaseRows(input: { roundIds: string[]; jobIds: string[] }): Promise<void> {
    if (input.roundIds.length) {
      await this.ds.query(`UPDATE funding_rounds SET status = 'cancelled', reason = 'cancelled with its phase before it opened', updated_at = now() WHERE id = ANY($1) AND status IN ('opening', 'open') AND total = 0`, [input.roundIds]);
    }
    if (input.jobIds.length) {
      await this.ds.query(`UPDATE jobs SET status = 'cancelled', updated_at = now() WHERE id = ANY($1) AND status = 'searching' AND record_seq = 0`, [input.jobIds]);
    }
  }

  /** Attaches delivered documents to the project, once per (job, url). */
  async recordPhaseOutputs(input: RecordOutputsInput): Promise<void> {
    for (const o of input.outputs) {
      await this.ds.query(
        `INSERT INTO project_outputs (project_id, phase, task_key, job_id, kind, title, url, content_hash, licence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ON CONSTRAINT uq_project_outputs_job_url DO NOTHING`,
        [input.projectId, input.phase, o.taskKey, o.jobId, o.kind, o.title.slice(0, 200), o.url, o.contentHash, o.licence],
      );
    }
  }

  /**
   * Data transport is live when the node answers a signed `node.ping` with a 2xx. Anything else
   * throws, and the workflow's retry policy tries again with backoff (each attempt is recorded in
   * webhook_attempts, where the node's operator sees it).
   */
  async verifyNodeWebhook(input: VerifyNodeInput): Promise<string> {
    const [node]: Array<{ id: string }> = await this.ds.query(`SELECT id FROM nodes WHERE id = $1`, [input.nodeId]);
    if (!node) throw ApplicationFailure.nonRetryable(`node ${input.nodeId} is not registered`, 'NodeNotFound');
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
    await this.ds.transaction(async (m) => {
      const [node]: Array<{ automation_level: string; capabilities: NodeCapability[] }> = await m.query(
        `SELECT automation_level, capabilities FROM nodes WHERE id = $1 FOR UPDATE`,
        [u.nodeId],
      );
      if (!node) throw ApplicationFailure.nonRetryable(`node ${u.nodeId} is not registered`, 'NodeNotFound');
      const level = automationRank(u.toLevel) > automationRank(node.automation_level) ? u.toLevel : node.automation_level;
      const capabilities = node.capabilities.map((c) => {
        const raised = u.capacities.find((x) => x.function === c.function);
        return raised && raised.capacity > c.capacity ? { ...c, capacity: raised.capacity } : c;
      });
      for (const x of u.capacities) {
        if (!capabilities.some((c) => c.function === x.function)) capabilities.push({ function: x.function, capacity: x.capacity, unit: 'units/week' });
      }
      await m.query(`UPDATE nodes SET automation_level = $2, capabilities = $3, updated_at = now() WHERE id = $1`, [u.nodeId, level, JSON.stringify(capabilities)]);
      log.info('node upgraded', { nodeId: u.nodeId, from: node.automation_level, to: level, jobId: input.jobId });
    });
  }
}
