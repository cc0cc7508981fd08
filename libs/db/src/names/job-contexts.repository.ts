import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What a job is in people's words, for the pages that list it. */
export interface JobContext {
  /** The task's title (a project's) or the product's name (an order's); null: say the capability. */
  title: string | null;
  /** The project, or "<asset>, <quarter>" for an order. */
  forWhat: string | null;
  /** What the job delivers (a phase task's output): a design or a test report needs documents. */
  deliverable: string | null;
}

/** What jobs are in words, for the pages that list them (the node pages, the console's job board). */
@Injectable()
export class JobContextsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Names and deliverables of jobs, in one query (for a page of them). */
  async jobContexts(jobIds: string[]): Promise<Map<string, JobContext>> {
    if (jobIds.length === 0) return new Map();
    const rows: Array<{ id: string; title: string | null; for_what: string | null; deliverable: string | null }> = await this.ds.query(
      `SELECT j.id,
              COALESCE(
                (SELECT p->>'name' FROM jsonb_array_elements(a.output_catalogue) p WHERE p->>'id' = j.product_id LIMIT 1),
                t.task->>'title') AS title,
              COALESCE(pr.name, a.name || ', ' || op.quarter) AS for_what,
              t.task->>'output' AS deliverable
         FROM jobs j
         LEFT JOIN production_projects pr ON j.demand_type = 'project' AND pr.id = j.demand_id
         LEFT JOIN output_plans op ON j.demand_type = 'order' AND op.id = j.demand_id
         LEFT JOIN assets a ON a.id = op.asset_id
         LEFT JOIN LATERAL (
           SELECT tk AS task FROM project_phase_plans pp, jsonb_array_elements(pp.plan->'tasks') tk
            WHERE pp.project_id = j.demand_id AND pp.phase = j.phase AND tk->>'key' = j.task_key LIMIT 1) t ON true
        WHERE j.id = ANY($1::uuid[])`,
      [jobIds],
    );
    return new Map(rows.map((r) => [r.id, { title: r.title, forWhat: r.for_what, deliverable: r.deliverable }]));
  }
}
