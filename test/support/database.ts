/**
 * A fresh database per test file (integration and e2e), on the PostgreSQL server that
 * test/support/global-setup.mjs started. Light on purpose: repository tests import only this,
 * not the API and worker that stack.ts boots.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MembersRepository, NodesRepository, runMigrations } from '@app/db';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through jest's e2e project (global setup)`);
  return v;
}

export const suffix = () => randomBytes(5).toString('hex');

export interface TestDatabase {
  url: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A new database on the shared test server, cloned from the template the global setup migrated
 * (immich's per-file template clone). Migrations are applied on top, which is a no-op unless the
 * sources gained one since `npm run build` made the template.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = new URL(env('DPN_TEST_PG_URL'));
  const template = serverUrl.pathname.slice(1);
  const name = `dpn_test_${suffix()}`;
  const admin = new PgClient({ connectionString: serverUrl.toString().replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE "${template}"`);
  await admin.end();
  const url = serverUrl.toString().replace(/\/[^/]*$/, `/${name}`);
  await runMigrations(url);
  const client = new PgClient({ connectionString: url });
  await client.connect();
  return {
    url,
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end();
      const a = new PgClient({ connectionString: serverUrl.toString().replace(/\/[^/]*$/, '/postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * The frame of a repository test file: a cloned database and a TypeORM DataSource on it for the
 * file (beforeAll), both gone after it. Read the fields inside tests, not at module load.
 */
export function useTestDataSource(): { db: TestDatabase; ds: DataSource } {
  const ctx = {} as { db: TestDatabase; ds: DataSource };
  beforeAll(async () => {
    ctx.db = await createTestDatabase();
    ctx.ds = await new DataSource(dataSourceOptions(ctx.db.url)).initialize();
  });
  afterAll(async () => {
    await ctx.ds?.destroy();
    await ctx.db?.drop();
  });
  return ctx;
}

/** A member who owns an automated CNC node, made through the repositories: the node's and the owner's ids. */
export async function seedNodeWithOwner(ds: DataSource): Promise<{ nodeId: string; ownerId: string }> {
  const owner = await new MembersRepository(ds).create({ name: 'Owner', email: `o-${randomUUID()}@example.org`, status: 'active' });
  const node = await new NodesRepository(ds).create({
    name: 'Shop',
    ownerMemberId: owner.id,
    locationId: null,
    automationLevel: 'automated',
    capabilities: [{ function: 'cnc-milling', capacity: 10, unit: 'parts/week' }],
    webhookUrl: 'https://shop.example/hook',
    webhookSecret: 'whsec_x',
  });
  return { nodeId: node.id, ownerId: owner.id };
}
