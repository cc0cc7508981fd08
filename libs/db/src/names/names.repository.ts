import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What a delivery is, in people's words: who made what, for which project or quarter. */
export interface DeliveryNames {
  nodeName: string | null;
  /** The product (an order's) or the task's title (a project's), else the capability. */
  what: string;
  /** "Seed-starting rack" or "Lindenau greenhouse, 2027-Q1". */
  forWhat: string | null;
}

/**
 * Looks up the names that emails and pages show instead of ids (node, product, project, asset).
 * Read-only; used by the worker's mail activities.
 */
@Injectable()
export class NamesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async delivery(jobId: string): Promise<DeliveryNames | null> {
    const rows: Array<{ capability: string; node_name: string | null; product_name: string | null; task_title: string | null; project_name: string | null; asset_name: string | null; quarter: string | null }> =
      await this.ds.query(
        `SELECT j.capability, n.name AS node_name,
                (SELECT p->>'name' FROM jsonb_array_elements(a.output_catalogue) p WHERE p->>'id' = j.product_id LIMIT 1) AS product_name,
                (SELECT t->>'title' FROM project_phase_plans pp, jsonb_array_elements(pp.plan->'tasks') t
                  WHERE pp.project_id = j.demand_id AND pp.phase = j.phase AND t->>'key' = j.task_key LIMIT 1) AS task_title,
                pr.name AS project_name, a.name AS asset_name, op.quarter
           FROM jobs j
           LEFT JOIN nodes n ON n.id = j.node_id
           LEFT JOIN production_projects pr ON j.demand_type = 'project' AND pr.id = j.demand_id
           LEFT JOIN output_plans op ON j.demand_type = 'order' AND op.id = j.demand_id
           LEFT JOIN assets a ON a.id = op.asset_id
          WHERE j.id = $1`,
        [jobId],
      );
    const r = rows[0];
    if (!r) return null;
    return {
      nodeName: r.node_name,
      what: r.product_name ?? r.task_title ?? r.capability,
      forWhat: r.project_name ?? (r.asset_name ? `${r.asset_name}, ${r.quarter}` : null),
    };
  }
}
