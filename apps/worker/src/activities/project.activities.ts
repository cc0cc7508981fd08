import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import type { RecordProjectTransitionInput, ResolveGateVotersInput } from '@app/contracts';
import { ProjectsRepository } from '@app/db';

/**
 * Activities of the production project process. A Nest provider: its public methods are bound
 * into the Worker's activity object (see TemporalWorkerService), so dependencies stay private.
 */
@Injectable()
export class ProjectActivities {
  constructor(private readonly projects: ProjectsRepository) {}

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

  /** The active members who vote on a gate, as they stand now (funders or asset owners). */
  async resolveGateVoters(input: ResolveGateVotersInput): Promise<string[]> {
    return this.projects.gateVoters(input.projectId, input.voters, input.assetId);
  }
}
