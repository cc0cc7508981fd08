/**
 * `npm run bench:pledges`: how fast a funding round takes pledges when many members pledge at the
 * last minute. The whole path runs for real: the worker in-process, a throwaway embedded
 * PostgreSQL and an in-memory Temporal dev server; each pledge is the round workflow's `pledge`
 * update, whose handler places the hold in the ledger (one posting + the pledge row) before it
 * answers. Prints figures; asserts nothing. Knobs: BENCH_MEMBERS (default 200), BENCH_CONCURRENCY
 * (default 16), BENCH_CHANGES (pledge changes per member, default 2).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { FundingRoundInput, fundingRoundWorkflowId, getRoundQuery, pledgeUpdate } from '@app/contracts';
import { dataSourceOptions, LedgerService, runMigrations } from '@app/db';
import { startEmbeddedPostgres, startTemporalDevServer } from '@app/dev-stack';
import { movement } from '@app/domain';
import { WorkerModule } from '../apps/worker/src/worker.module';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 2);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  process.removeAllListeners('SIGINT');
  const dir = await mkdtemp(join(tmpdir(), 'dpn-bench-pledges-'));
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54394, database: 'bench', persistent: false });
  const temporal = await startTemporalDevServer({ dataDir: join(dir, 'temporal'), port: 7244, uiPort: 8244, namespace: 'default', inMemory: true });
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    SMTP_URL: 'smtp://127.0.0.1:9', // nothing listens: the round's emails just retry in the background
    LINK_SECRET: randomUUID() + randomUUID(),
  });
  await runMigrations(pg.url);
  const ds = await new DataSource(dataSourceOptions(pg.url)).initialize();
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: false });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    const ledger = new LedgerService(ds);
    const ext = await ledger.account('external', null, 'EUR');
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const { id } = (await ds.query(`INSERT INTO members (name, email) VALUES ($1, $2) RETURNING id`, [`m${i}`, `m${i}@bench`]))[0];
      const acct = await ledger.account('member', id, 'EUR');
      await ledger.post({ idempotencyKey: `seed-${i}`, kind: 'deposit', currency: 'EUR', entries: movement(ext.id, acct.id, 1_000_000n) });
      members.push(id);
    }
    const { id: projectId } = (await ds.query(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES (gen_random_uuid(), 'bench', 'rnd', 'active', 'bench-' || gen_random_uuid(), 'bench') RETURNING id`))[0];
    const roundId = randomUUID();
    const deadline = new Date(Date.now() + 3_600_000);
    await ds.query(
      `INSERT INTO funding_rounds (id, project_id, workflow_id, goal, currency, min_pledge, deadline, close_when_goal_met, payout_approval, documents, status, created_by)
       VALUES ($1, $2, $3, $4, 'EUR', 1, $5, false, 'coordinator', '[]', 'open', 'bench')`,
      [roundId, projectId, fundingRoundWorkflowId(roundId), String(10n ** 12n), deadline],
    );
    const input: FundingRoundInput = {
      roundId,
      projectId,
      projectName: 'bench',
      assetId: null,
      goal: String(10n ** 12n),
      currency: 'EUR',
      minPledge: '1',
      deadline: deadline.toISOString(),
      closeWhenGoalMet: false,
      payoutApproval: 'coordinator',
      operator: null,
      documents: [],
      remindBeforeMs: [],
      createdBy: 'bench',
    };
    const handle = await client.workflow.start('fundingRoundWorkflow', { taskQueue: 'bench', workflowId: fundingRoundWorkflowId(roundId), args: [input] });

    const jobs = members.flatMap((m, i) => Array.from({ length: CHANGES }, (_, k) => ({ memberId: m, amount: String(1_000 + ((i + k * 37) % 500)) })));
    const latencies: number[] = [];
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++];
          const t0 = process.hrtime.bigint();
          await handle.executeUpdate(pledgeUpdate, { args: [job] });
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const view = await handle.query(getRoundQuery);
    const [{ escrow }] = await ds.query(
      `SELECT COALESCE(SUM(e.amount), 0)::text AS escrow FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'escrow' AND a.owner_id = $1`,
      [roundId],
    );
    const history = await handle.fetchHistory();
    process.stdout.write(
      [
        `pledge changes:     ${jobs.length} (${MEMBERS} members x ${CHANGES}), concurrency ${C}`,
        `throughput:         ${(jobs.length / seconds).toFixed(0)} pledges/s (${seconds.toFixed(1)} s)`,
        `latency p50/p95/p99 ${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 95).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} ms`,
        `round total         ${view.total} from ${view.backers} backers; escrow in the ledger ${escrow} (${view.total === escrow ? 'equal' : 'DIFFERENT'})`,
        `workflow history    ${history.events?.length ?? 0} events`,
      ].join('\n') + '\n',
    );
    await handle.terminate('benchmark done');
  } finally {
    await worker.close();
    await connection.close();
    await ds.destroy();
    await temporal.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:pledges: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
