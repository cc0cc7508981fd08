import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { PhasePlan, ProjectGate, ProjectPhase, ProjectStatus, RecordProjectTransitionInput, WorkingPhase } from '@app/contracts';
import { ProjectEntity } from '../entities/project.entity';
import { ProjectEventEntity } from '../entities/project-event.entity';

/**
 * Who funded project $1, one row per member and currency: members who paid into one of its ledger
 * accounts, and the backers of its funded rounds. The one definition of a funder (gate votes,
 * public funding totals).
 */
export const PROJECT_FUNDERS_SQL = `
  SELECT src.owner_id AS member_id, a.currency
    FROM ledger_accounts a
    JOIN ledger_entries e ON e.account_id = a.id AND e.amount > 0
    JOIN ledger_entries o ON o.transaction_id = e.transaction_id AND o.amount < 0
    JOIN ledger_accounts src ON src.id = o.account_id AND src.kind = 'member'
   WHERE a.kind = 'project' AND a.owner_id = $1
  UNION
  SELECT p.member_id, r.currency
    FROM funding_pledges p
    JOIN funding_rounds r ON r.id = p.round_id AND r.status = 'funded' AND r.project_id = $1
   WHERE p.amount > 0`;

export interface NewProject {
  id: string;
  name: string;
  description: string | null;
  workflowId: string;
  createdBy: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  gate: ProjectGate;
}

export interface ProjectListFilter {
  phase?: ProjectPhase;
  status?: ProjectStatus;
  limit: number;
  offset: number;
}

/** Postgres error code for unique_violation. */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION;
}

@Injectable()
export class ProjectsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts a new project in phase `rnd`. Throws a unique violation on a reused idempotency key. */
  async create(p: NewProject): Promise<ProjectEntity> {
    const repo = this.dataSource.getRepository(ProjectEntity);
    await repo.insert({ ...p, phase: 'rnd', status: 'active', lastSeq: 0 });
    return repo.findOneByOrFail({ id: p.id });
  }

  /**
   * The active members who vote on a phase gate, in id order: the project's funders (members who
   * paid into one of the project's ledger accounts, or backed one of its funded rounds) or the
   * owners (parts > 0) of an asset.
   */
  async gateVoters(projectId: string, voters: 'funders' | 'owners', assetId?: string): Promise<string[]> {
    const rows: Array<{ member_id: string }> =
      voters === 'owners'
        ? await this.dataSource.query(
            `SELECT s.member_id FROM asset_shares s JOIN members m ON m.id = s.member_id AND m.status = 'active'
              WHERE s.asset_id = $1 AND s.parts > 0 ORDER BY s.member_id`,
            [assetId],
          )
        : await this.dataSource.query(
            `SELECT DISTINCT f.member_id FROM (${PROJECT_FUNDERS_SQL}) f
               JOIN members m ON m.id = f.member_id AND m.status = 'active'
              ORDER BY 1`,
            [projectId],
          );
    return rows.map((r) => r.member_id);
  }

  async assetExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM assets WHERE id = $1', [id]);
    return rows.length > 0;
  }

  findById(id: string): Promise<ProjectEntity | null> {
    return this.dataSource.getRepository(ProjectEntity).findOneBy({ id });
  }

  findByIdempotencyKey(key: string): Promise<ProjectEntity | null> {
    return this.dataSource.getRepository(ProjectEntity).findOneBy({ idempotencyKey: key });
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.getRepository(ProjectEntity).delete({ id });
  }

  async list(f: ProjectListFilter): Promise<{ items: ProjectEntity[]; total: number }> {
    const where: Partial<Pick<ProjectEntity, 'phase' | 'status'>> = {};
    if (f.phase) where.phase = f.phase;
    if (f.status) where.status = f.status;
    const [items, total] = await this.dataSource.getRepository(ProjectEntity).findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: f.limit,
      skip: f.offset,
    });
    return { items, total };
  }

  /** The stored plan of one phase, or null. */
  async phasePlan(projectId: string, phase: WorkingPhase): Promise<PhasePlan | null> {
    const rows: Array<{ plan: PhasePlan }> = await this.dataSource.query(`SELECT plan FROM project_phase_plans WHERE project_id = $1 AND phase = $2`, [projectId, phase]);
    return rows[0]?.plan ?? null;
  }

  events(projectId: string): Promise<ProjectEventEntity[]> {
    return this.dataSource.getRepository(ProjectEventEntity).find({ where: { projectId }, order: { seq: 'ASC' } });
  }

  /**
   * Applies one workflow transition to the read model, idempotently: the event is inserted once
   * per (project, seq), and the project row only moves forward (last_seq < seq). The row is
   * created if missing, so the projection can always be rebuilt from the workflow alone.
   */
  async applyTransition(input: RecordProjectTransitionInput): Promise<{ applied: boolean }> {
    const t = input.transition;
    return this.dataSource.transaction(async (m: EntityManager) => {
      await m.query(
        `INSERT INTO production_projects (id, name, phase, status, workflow_id, last_seq, created_by)
         VALUES ($1, $2, 'rnd', 'active', $3, 0, $4)
         ON CONFLICT (id) DO NOTHING`,
        [input.projectId, input.name, input.workflowId, t.actor],
      );
      const inserted: unknown[] = await m.query(
        `INSERT INTO project_events (project_id, seq, kind, from_phase, to_phase, status, actor, note, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT uq_project_events_project_seq DO NOTHING
         RETURNING id`,
        [input.projectId, t.seq, t.kind, t.fromPhase, t.toPhase, t.status, t.actor, t.note, t.at],
      );
      await m.query(
        `UPDATE production_projects SET phase = $2, status = $3, last_seq = $4, updated_at = now()
         WHERE id = $1 AND last_seq < $4`,
        [input.projectId, t.toPhase, t.status, t.seq],
      );
      return { applied: inserted.length > 0 };
    });
  }
}
