import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PhasePlan, RecordOutputsInput, RecordPhaseInput, WorkingPhase } from '@app/contracts';
import { ProjectOutputEntity, ProjectPhaseEntity, ProjectPhasePlanEntity } from '../entities/project-phase.entity';

/** An open decision about one of a project's deliveries or rounds, and who has not answered yet. */
export interface OpenDecisionRow {
  id: string;
  subjectType: string;
  subjectId: string;
  deadline: Date;
  pending: string[];
}

export interface PhaseEventRow {
  phase: WorkingPhase;
  attempt: number;
  seq: number;
  kind: string;
  note: string;
  occurred_at: Date;
}

/**
 * The read model of a project's phase work: the coordinator's plan per phase
 * (`project_phase_plans`), each attempt's state as its workflow projects it (`project_phases`),
 * its stream of the timeline (`project_phase_events`) and what the work produced
 * (`project_outputs`). Workflow writes are idempotent (sequence and unique keys).
 */
@Injectable()
export class ProjectPhasesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Stores a phase's plan; every change raises its version. */
  async putPlan(projectId: string, phase: WorkingPhase, plan: PhasePlan): Promise<void> {
    await this.ds.query(
      `INSERT INTO project_phase_plans (project_id, phase, plan, version) VALUES ($1, $2, $3, 1)
       ON CONFLICT (project_id, phase) DO UPDATE SET plan = EXCLUDED.plan, version = project_phase_plans.version + 1, updated_at = now()`,
      [projectId, phase, JSON.stringify(plan)],
    );
  }

  plan(projectId: string, phase: WorkingPhase): Promise<ProjectPhasePlanEntity | null> {
    return this.ds.getRepository(ProjectPhasePlanEntity).findOneBy({ projectId, phase });
  }

  plans(projectId: string): Promise<ProjectPhasePlanEntity[]> {
    return this.ds.getRepository(ProjectPhasePlanEntity).findBy({ projectId });
  }

  latestAttempt(projectId: string, phase: WorkingPhase): Promise<ProjectPhaseEntity | null> {
    return this.ds.getRepository(ProjectPhaseEntity).findOne({ where: { projectId, phase }, order: { attempt: 'DESC' } });
  }

  /** Every attempt of every phase, latest attempt first. */
  attempts(projectId: string): Promise<ProjectPhaseEntity[]> {
    return this.ds.getRepository(ProjectPhaseEntity).find({ where: { projectId }, order: { attempt: 'DESC' } });
  }

  /** Projects an attempt's state (only forward, by `seq`) and appends its new timeline events, in one transaction. */
  async record(input: RecordPhaseInput): Promise<void> {
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

  /** The phase events of a project, in the order they happened. */
  events(projectId: string): Promise<PhaseEventRow[]> {
    return this.ds.query(`SELECT phase, attempt, seq, kind, note, occurred_at FROM project_phase_events WHERE project_id = $1 ORDER BY occurred_at, id`, [projectId]);
  }

  /** Attaches delivered documents to the project, once per (job, url); titles cut to the column. */
  async recordOutputs(input: RecordOutputsInput): Promise<void> {
    for (const o of input.outputs) {
      await this.ds.query(
        `INSERT INTO project_outputs (project_id, phase, task_key, job_id, kind, title, url, content_hash, licence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ON CONSTRAINT uq_project_outputs_job_url DO NOTHING`,
        [input.projectId, input.phase, o.taskKey, o.jobId, o.kind, o.title.slice(0, 200), o.url, o.contentHash, o.licence],
      );
    }
  }

  /** What the project produced, oldest first. */
  outputs(projectId: string): Promise<ProjectOutputEntity[]> {
    return this.ds.getRepository(ProjectOutputEntity).find({ where: { projectId }, order: { id: 'ASC' } });
  }

  /** Open decisions about the project's deliveries and rounds, with the members who have not answered. */
  async openDecisions(projectId: string): Promise<OpenDecisionRow[]> {
    const rows: Array<{ id: string; subject_type: string; subject_id: string; deadline: Date; pending: string[] | null }> = await this.ds.query(
      `SELECT d.id, d.subject_type, d.subject_id, d.deadline, array_remove(array_agg(v.member_id) FILTER (WHERE v.answered_at IS NULL), NULL) AS pending
         FROM decisions d JOIN decision_voters v ON v.decision_id = d.id
        WHERE d.status = 'open' AND (
              (d.subject_type = 'delivery' AND d.subject_id IN (SELECT id FROM jobs WHERE demand_type = 'project' AND demand_id = $1))
           OR (d.subject_type = 'funding-round' AND d.subject_id IN (SELECT id FROM funding_rounds WHERE project_id = $1)))
        GROUP BY d.id`,
      [projectId],
    );
    return rows.map((d) => ({ id: d.id, subjectType: d.subject_type, subjectId: d.subject_id, deadline: new Date(d.deadline), pending: d.pending ?? [] }));
  }
}
