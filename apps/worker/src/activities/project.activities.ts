import { Inject, Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import { AppConfig } from '@app/config';
import type { DecisionAudience, ProjectProblemInput, RecordProjectTransitionInput, ResolveGateVotersInput } from '@app/contracts';
import { DecisionsRepository, ProjectsRepository } from '@app/db';
import { escapeHtml, MailOutbox } from '@app/mail';

/**
 * Activities of the production project process. A Nest provider: its public methods are bound
 * into the Worker's activity object (see TemporalWorkerService), so dependencies stay private.
 */
@Injectable()
export class ProjectActivities {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly decisions: DecisionsRepository,
    private readonly outbox: MailOutbox,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Projects one workflow transition into PostgreSQL. Idempotent on (projectId, seq). */
  async recordProjectTransition(input: RecordProjectTransitionInput): Promise<void> {
    const { applied } = await this.projects.applyTransition(input);
    log.info('project transition recorded', {
      projectId: input.projectId,
      seq: input.transition.seq,
      kind: input.transition.kind,
      toPhase: input.transition.toPhase,
      duplicate: !applied,
    });
  }

  /** How many active members a gate's vote would ask now (the vote itself resolves them again when it opens). */
  async countGateVoters(audience: DecisionAudience): Promise<number> {
    return this.decisions.countAudience(audience);
  }

  /** Tells the coordinator that a step of a project could not be stored as it was (once per step). */
  async reportProjectProblem(input: ProjectProblemInput): Promise<void> {
    const project = await this.projects.findById(input.projectId);
    const text =
      `Step ${input.seq} of the project ${project ? `"${project.name}" ` : ''}(${input.projectId}) could not be stored as it was; ` +
      `it was recorded without its note.\n\nWhat PostgreSQL said: ${input.message.split('\u0000').join('\\0')}\n`;
    await this.outbox.enqueue({
      key: `project:${input.projectId}:problem:${input.seq}`,
      to: this.config.coordinatorEmail,
      subject: `Project problem: ${project?.name ?? input.projectId}`,
      text,
      html: `<pre style="font-family: system-ui, sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre>`,
    });
    log.warn('project problem reported to the coordinator', { ...input });
  }

  /** (Runs before the gate audience.) The active members who vote on a gate, as they stand now (funders or asset owners). */
  async resolveGateVoters(input: ResolveGateVotersInput): Promise<string[]> {
    return this.projects.gateVoters(input.projectId, input.voters, input.assetId);
  }
}
