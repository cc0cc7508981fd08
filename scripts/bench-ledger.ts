/**
 * `npm run bench:ledger`: throughput and latency of ledger postings against a real (throwaway,
 * embedded) PostgreSQL. Prints figures; asserts nothing. Knobs: BENCH_POSTINGS (default 4000),
 * BENCH_CONCURRENCY (default 16), BENCH_ACCOUNTS (default 50).
 *
 * Each posting is a transfer between two random member accounts through LedgerService.post: key
 * claim, row locks in id order, balances derived by SUM over the entries, rule check, insert.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, LedgerService, runMigrations } from '@app/db';
import { startEmbeddedPostgres } from '@app/dev-stack';
import { movement } from '@app/domain';

const N = Number(process.env.BENCH_POSTINGS ?? 4000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 50);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  process.removeAllListeners('SIGINT');
  const dir = await mkdtemp(join(tmpdir(), 'dpn-bench-'));
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54393, database: 'bench', persistent: false });
  const ds = await new DataSource({ ...dataSourceOptions(pg.url), extra: { max: C + 2 } }).initialize();
  try {
    await runMigrations(pg.url);
    const ledger = new LedgerService(ds);
    const ids: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const { id: owner } = (await ds.query(`INSERT INTO members (name, email) VALUES ($1, $2) RETURNING id`, [`m${i}`, `m${i}@bench`]))[0];
      const acct = await ledger.account('member', owner, 'EUR');
      const ext = await ledger.account('external', null, 'EUR');
      await ledger.post({ idempotencyKey: `seed-${i}`, kind: 'deposit', currency: 'EUR', entries: movement(ext.id, acct.id, 1_000_000_000n) });
      ids.push(acct.id);
    }
    const latencies: number[] = [];
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          const i = next++;
          const a = ids[i % ACCOUNTS];
          const b = ids[(i * 7 + 1) % ACCOUNTS] === a ? ids[(i + 1) % ACCOUNTS] : ids[(i * 7 + 1) % ACCOUNTS];
          const t0 = process.hrtime.bigint();
          await ledger.post({ idempotencyKey: `bench-${i}`, kind: 'transfer', currency: 'EUR', entries: movement(a, b, BigInt(1 + (i % 500))) });
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((x, y) => x - y);
    const t0 = process.hrtime.bigint();
    await ledger.balance(ids[0]);
    const balanceMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const trial = await ledger.trialBalance();
    const entries = (await ds.query('SELECT COUNT(*)::int AS n FROM ledger_entries'))[0].n;
    process.stdout.write(
      [
        `ledger postings: ${N} transfers, concurrency ${C}, ${ACCOUNTS} accounts`,
        `  throughput      ${(N / seconds).toFixed(0)} postings/s (${seconds.toFixed(2)} s)`,
        `  latency ms      p50 ${pct(latencies, 50).toFixed(1)}  p95 ${pct(latencies, 95).toFixed(1)}  p99 ${pct(latencies, 99).toFixed(1)}  max ${latencies.at(-1)?.toFixed(1)}`,
        `  balance query   ${balanceMs.toFixed(1)} ms for an account with ~${Math.round(entries / ACCOUNTS)} entries (${entries} entries in all)`,
        `  trial balance   ${JSON.stringify(Object.fromEntries(Object.entries(trial).map(([k, v]) => [k, v.toString()])))}`,
        `  rss             ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (this process)`,
      ].join('\n') + '\n',
    );
  } finally {
    await ds.destroy();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ledger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
