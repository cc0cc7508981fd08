import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import type { RecordProjectTransitionInput } from '@app/contracts';
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
}
