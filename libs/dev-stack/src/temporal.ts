import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { MISSING_TEMPORAL_HINT, temporalCliExecutable } from '@app/temporal';
import { waitForTemporal } from './wait';

export interface TemporalDevServerHandle {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal CLI dev server (`temporal server start-dev`) with its web UI, keeping its
 * state in a SQLite file under `dataDir`, so workflows survive a restart. Logs go to
 * `dataDir/temporal.log`.
 */
export async function startTemporalDevServer(opts: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Keep state in memory only (tests). Default: a SQLite file in dataDir that survives restarts. */
  inMemory?: boolean;
}): Promise<TemporalDevServerHandle> {
  const exe = temporalCliExecutable();
  await mkdir(opts.dataDir, { recursive: true });
  if (exe.type !== 'existing-path') return startWithSdkDownload(opts);
  const log = createWriteStream(join(opts.dataDir, 'temporal.log'), { flags: 'a' });
  const child: ChildProcess = spawn(
    exe.path,
    [
      'server', 'start-dev',
      ...(opts.inMemory ? [] : ['--db-filename', join(opts.dataDir, 'temporal.db')]),
      '--ip', '127.0.0.1',
      '--port', String(opts.port),
      '--ui-port', String(opts.uiPort),
      '--namespace', opts.namespace,
      '--log-level', 'warn',
      '--log-format', 'json',
    ],
    // Own process group: Ctrl-C reaches the dev script, which stops the server last, in order.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;
  await Promise.race([
    waitForTemporal(address),
    exited.then(async (code) => {
      const logFile = join(opts.dataDir, 'temporal.log');
      const lastError = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((l) => /error/i.test(l)).pop();
      throw new Error(`temporal dev server exited with code ${code}${lastError ? `: ${lastError.trim()}` : ''} (log: ${logFile})`);
    }),
  ]);
  return {
    address,
    uiUrl: `http://localhost:${opts.uiPort}`,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/**
 * Fallback when no local binary exists (no pip at install time): let the SDK download the CLI
 * (needs internet). Fails with one line that says what to install.
 */
async function startWithSdkDownload(opts: { dataDir: string; port: number; uiPort: number; namespace: string; inMemory?: boolean }): Promise<TemporalDevServerHandle> {
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: '127.0.0.1',
        port: opts.port,
        ui: true,
        uiPort: opts.uiPort,
        namespace: opts.namespace,
        ...(opts.inMemory ? {} : { dbFilename: join(opts.dataDir, 'temporal.db') }),
      },
    });
  } catch (err) {
    throw new Error(`${MISSING_TEMPORAL_HINT} (download failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  return { address: `127.0.0.1:${opts.port}`, uiUrl: `http://localhost:${opts.uiPort}`, stop: () => env.teardown() };
}
