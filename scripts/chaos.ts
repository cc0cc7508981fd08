/**
 * `npm run chaos -- --seeds N | --seed S [--ops K] [--from F] [--trace]`: seeded chaos against the
 * real system (scripts/chaos-runner.ts). Starts one embedded PostgreSQL for the run (or uses the
 * server of CHAOS_DATABASE_URL, where it creates and drops only databases named chaos_*), then per
 * seed a new database and a new Temporal time-skipping server. Prints one line per seed and a
 * summary; a failing seed prints the violated invariants with their evidence and the command that
 * replays it. Exit code 1 on any violation, 2 when the runner itself could not run.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@app/dev-stack';
import { failureReport, prepareChaos, runSeed, SeedReport, seedLine } from './chaos-runner';

const DEFAULT_SEEDS = 20;
const DEFAULT_OPS = 40;

const USAGE = `usage: npm run chaos -- [--seeds N | --seed S] [--from F] [--ops K] [--trace]
  --seeds N   run N seeds: F, F+1, ... (default ${DEFAULT_SEEDS})
  --from F    the first seed of --seeds (default 1)
  --seed S    run seed S only (replays a failure: the same plan; concurrent timing may differ)
  --ops K     operations per seed (default ${DEFAULT_OPS})
  --trace     print every operation and answer`;

function parseArgs(argv: string[]): { seeds: number[]; ops: number; trace: boolean } {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (name === 'trace' || name === 'help') flags.set(name, true);
    else flags.set(name, inline ?? argv[++i] ?? '');
  }
  if (flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, dflt: number, min: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    return n;
  };
  for (const k of flags.keys()) if (!['seeds', 'seed', 'from', 'ops', 'trace'].includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  const ops = int('ops', DEFAULT_OPS, 1);
  if (flags.has('seed')) return { seeds: [int('seed', 0, 0)], ops, trace: flags.has('trace') };
  const from = int('from', 1, 0);
  return { seeds: Array.from({ length: int('seeds', DEFAULT_SEEDS, 1) }, (_, i) => from + i), ops, trace: flags.has('trace') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A time jump that never ended (a stuck seed, reported as such) keeps retrying on its connection
 * after the seed's server is gone: the client's retry timer then throws this, outside any promise.
 */
function ignoreClosedChannel(err: Error): void {
  if (err?.message === 'Channel has been shut down') return;
  process.stderr.write(`chaos: ${err?.stack ?? String(err)}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  process.on('uncaughtException', ignoreClosedChannel);
  process.removeAllListeners('SIGINT');
  const say = (l: string) => process.stdout.write(`${l}\n`);
  let dir: string | undefined;
  let stopPg: (() => Promise<void>) | undefined;
  let serverUrl = process.env.CHAOS_DATABASE_URL;
  if (!serverUrl) {
    dir = await mkdtemp(join(tmpdir(), 'dpn-chaos-'));
    await chmod(dir, 0o755); // run as root, PostgreSQL runs as `postgres` and must reach its folder
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), database: 'chaos', persistent: false });
    serverUrl = pg.url;
    stopPg = () => pg.stop();
  }
  const reports: SeedReport[] = [];
  const t0 = Date.now();
  try {
    say(`chaos: ${args.seeds.length} seed(s) × ${args.ops} operations; a new database and time-skipping Temporal server per seed`);
    const shared = await prepareChaos(serverUrl);
    try {
      for (const seed of args.seeds) {
        const r = await runSeed(shared, { seed, ops: args.ops, trace: args.trace ? say : undefined });
        reports.push(r);
        say(seedLine(r));
        if (r.violations.length) say(failureReport(r, `npm run chaos -- --seed ${seed}${args.ops === DEFAULT_OPS ? '' : ` --ops ${args.ops}`}`));
      }
    } finally {
      await shared.dispose().catch(() => undefined);
    }
  } finally {
    await stopPg?.().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  const failed = reports.filter((r) => r.violations.length);
  const ops = reports.reduce((s, r) => s + r.ops, 0);
  const faults = reports.reduce((s, r) => s + r.stats.faults.before + r.stats.faults.after, 0);
  const restarts = reports.reduce((s, r) => s + r.stats.restarts, 0);
  const cancels = reports.reduce((s, r) => s + r.stats.temporalCancels, 0);
  const rounds = reports.reduce((s, r) => s + Object.values(r.stats.rounds).reduce((a, b) => a + b, 0), 0);
  const pledges = reports.reduce((s, r) => s + Object.values(r.stats.pledges).reduce((a, b) => a + b, 0), 0);
  say(
    `\nchaos: ${reports.length} seed(s), ${ops} operations, ${rounds} rounds, ${pledges} pledge requests, ${faults} injected activity faults, ${restarts} worker restarts, ` +
      `${cancels} cancellations through Temporal, ${((Date.now() - t0) / 1000).toFixed(0)} s: ` +
      (failed.length ? `${failed.length} seed(s) violated invariants: ${failed.map((r) => r.seed).join(', ')}` : 'no violations'),
  );
  say('A seed fixes the operations and their order; the timing of concurrent operations (and so some outcomes) can differ between runs of one seed.');
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
