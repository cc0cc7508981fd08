import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Recipe } from '@app/contracts';
import { IdempotencyConflictError, requestHash } from '../hash';

/** A saved recipe: one version of a named template. */
export interface RecipeRecord {
  id: string;
  name: string;
  version: number;
  definition: Recipe;
  createdBy: string;
  createdAt: Date;
}

interface RecipeRow {
  id: string;
  name: string;
  version: number;
  definition: Recipe;
  created_by: string;
  created_at: Date;
}

const toRecord = (r: RecipeRow): RecipeRecord => ({ id: r.id, name: r.name, version: r.version, definition: r.definition, createdBy: r.created_by, createdAt: r.created_at });

/**
 * Recipes (`recipes`): reusable templates of steps, versioned by name (saving a name again makes
 * its next version; flows keep a copy of the definition they ran, so a new version changes no
 * running flow). Validation is the caller's (`validateRecipe`).
 */
@Injectable()
export class RecipesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Saves the next version of the recipe's name. One version per name at a time (a transaction
   * lock on the name); the same Idempotency-Key with the same recipe answers the first save.
   */
  async create(recipe: Recipe, createdBy: string, idempotencyKey: string | null): Promise<{ recipe: RecipeRecord; replayed: boolean }> {
    const hash = requestHash(recipe);
    return this.ds.transaction(async (m) => {
      if (idempotencyKey) {
        // Two first requests under one key: the lock on the key makes the second read the first's row.
        await m.query(`SELECT pg_advisory_xact_lock(hashtext('recipe-key:' || $1))`, [idempotencyKey]);
        const [prior] = (await m.query(`SELECT * FROM recipes WHERE idempotency_key = $1`, [idempotencyKey])) as Array<RecipeRow & { request_hash: string }>;
        if (prior) {
          if (prior.request_hash !== hash) throw new IdempotencyConflictError(idempotencyKey);
          return { recipe: toRecord(prior), replayed: true };
        }
      }
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('recipe-name:' || $1))`, [recipe.name]);
      const [row] = (await m.query(
        `INSERT INTO recipes (name, version, definition, created_by, idempotency_key, request_hash)
         VALUES ($1::varchar, (SELECT COALESCE(MAX(version), 0) + 1 FROM recipes WHERE name = $1::varchar), $2, $3, $4, $5) RETURNING *`,
        [recipe.name, JSON.stringify(recipe), createdBy, idempotencyKey, hash],
      )) as RecipeRow[];
      return { recipe: toRecord(row), replayed: false };
    });
  }

  async find(id: string, m: EntityManager = this.ds.manager): Promise<RecipeRecord | null> {
    const [row] = (await m.query(`SELECT * FROM recipes WHERE id = $1`, [id])) as RecipeRow[];
    return row ? toRecord(row) : null;
  }

  /** Newest first; by name, every version of it. */
  async list(f: { name?: string; limit: number; offset: number }): Promise<{ items: RecipeRecord[]; total: number }> {
    const where = f.name ? `WHERE name = $3` : '';
    const args: unknown[] = [f.limit, f.offset, ...(f.name ? [f.name] : [])];
    const rows = (await this.ds.query(`SELECT *, count(*) OVER () AS total FROM recipes ${where} ORDER BY created_at DESC, name, version DESC LIMIT $1 OFFSET $2`, args)) as Array<RecipeRow & { total: string }>;
    const total = rows.length ? Number(rows[0].total) : f.offset > 0 ? Number(((await this.ds.query(`SELECT count(*) AS n FROM recipes ${f.name ? 'WHERE name = $1' : ''}`, f.name ? [f.name] : [])) as Array<{ n: string }>)[0].n) : 0;
    return { items: rows.map(toRecord), total };
  }
}
