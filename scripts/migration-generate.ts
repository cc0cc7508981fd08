/**
 * `npm run migration:generate -- <Name>`: writes libs/db/src/migrations/<timestamp>-<Name>.ts with
 * the SQL that brings the schema from the current migrations to the current entities. Runs
 * against a throwaway embedded PostgreSQL migrated to head, so no database of yours is touched.
 * Then list the new class in libs/db/src/migrations/index.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '@app/db';
import { startEmbeddedPostgres } from '@app/dev-stack';
import { PROJECT_ROOT } from '@app/temporal';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  const dir = await mkdtemp(join(tmpdir(), 'dpn-migration-'));
  const { chmod } = await import('node:fs/promises');
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54391, database: 'dpn', persistent: false });
  try {
    await runMigrations(pg.url);
    execFileSync(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'typeorm'),
      ['migration:generate', '-d', join(PROJECT_ROOT, 'dist', 'libs', 'db', 'src', 'data-source.js'), '--pretty', join(PROJECT_ROOT, 'libs', 'db', 'src', 'migrations', name)],
      { stdio: 'inherit', env: { ...process.env, DATABASE_URL: pg.url } },
    );
  } finally {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migration:generate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
