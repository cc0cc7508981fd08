/**
 * `npm run bench:pledges`: how fast funding rounds take pledges, measured on the whole path: the
 * real API over HTTP and the worker, each in its own process as `npm start` runs them (built,
 * from dist/), a throwaway embedded PostgreSQL and an in-memory Temporal dev server; the load and
 * the direct measures run in this process. Prints figures; asserts nothing. Three parts, in one
 * run so they compare:
 *
 *  1. the ledger alone: `LedgerService.post` moving money from many members into one hot account
 *     (what every pledge does, without the pledge);
 *  2. pledges: BENCH_MEMBERS members change their pledge BENCH_CHANGES times, BENCH_CONCURRENCY at
 *     a time: the pledge transaction alone (`FundingRepository.setPledge`), then the whole request
 *     through `POST /members/me/rounds/:id/pledge`;
 *  3. a crowd: BENCH_CROWD backers make BENCH_CROWD_CHANGES changes each (default 1; 5 for the
 *     100,000 changes from 20,000 backers in docs/operations.md) into one round that closes on its goal; the round
 *     then captures, is paid out, and the escrow, the books and the round's history are checked.
 *     BENCH_CROWD=0 skips it.
 */
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, FundingRepository, LedgerService, runMigrations } from '@app/db';
import { startEmbeddedPostgres, startTemporalDevServer } from '@app/dev-stack';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 2_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 2);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CROWD = Number(process.env.BENCH_CROWD ?? 20_000);
const CROWD_CHANGES = Number(process.env.BENCH_CROWD_CHANGES ?? 1);
const ADMIN_TOKEN = randomBytes(24).toString('hex');

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const line = (label: string, n: number, seconds: number, lat: number[]) =>
  `${label.padEnd(26)} ${String(Math.round(n / seconds)).padStart(6)} /s   p50 ${pct(lat, 50).toFixed(1)}  p95 ${pct(lat, 95).toFixed(1)}  p99 ${pct(lat, 99).toFixed(1)} ms   (${n} in ${seconds.toFixed(1)} s)`;

/** Runs `work(i)` for i in [0, n) with `c` at a time; returns the latencies (ms), sorted, and the seconds taken. */
async function load(n: number, c: number, work: (i: number) => Promise<void>): Promise<{ lat: number[]; seconds: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        const i = next++;
        const s = process.hrtime.bigint();
        await work(i);
        lat.push(ms(s));
      }
    }),
  );
  return { lat: lat.sort((a, b) => a - b), seconds: ms(t0) / 1000 };
}

/**
 * The load's HTTP client: node:http over kept-alive connections, one per concurrent caller. The
 * load shares the two cores with the API and PostgreSQL; `fetch` spent about 4 ms of CPU per request
 * here (as much as a third of the API's own), so the API's rate measured the client as much.
 */
const agent = new Agent({ keepAlive: true, maxSockets: C });
function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(data.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Starts `dist/apps/<app>/src/main.js` as `npm start` does, its log lines in `log`. */
function startApp(app: 'api' | 'worker', env: Record<string, string>, log: string): ChildProcess {
  const fd = openSync(log, 'a');
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": to see where the API's time goes.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'apps', app, 'src', 'main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
}

/**
 * CPU seconds (user + system) a child process has used so far, from /proc (Linux; NaN elsewhere):
 * on a shared machine the API's CPU time per request moves far less with others' load than its rate.
 */
function cpuSeconds(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds PostgreSQL has used so far: the postmaster (with the backends it has reaped) and its
 * live children, the backends of the pools among them (from /proc, as `cpuSeconds`).
 */
function pgCpuSeconds(dataDir: string): number {
  try {
    const pid = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
    const fieldsOf = (p: string) => {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    };
    const own = fieldsOf(pid);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]); // + cutime, cstime of reaped children
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p) || p === pid) continue;
      try {
        const f = fieldsOf(p);
        if (f[1] === pid) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // gone meanwhile
      }
    }
    return ticks / 100;
  } catch {
    return NaN;
  }
}

async function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  process.removeAllListeners('SIGINT');
  const dir = await mkdtemp(join(tmpdir(), 'dpn-bench-pledges-'));
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54394, database: 'bench', persistent: false });
  const temporal = await startTemporalDevServer({ dataDir: join(dir, 'temporal'), port: 7244, uiPort: 8244, namespace: 'default', inMemory: true });
  const apiPort = Number(process.env.BENCH_API_PORT ?? 3394);
  const env = {
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    PORT: String(apiPort),
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    SMTP_URL: 'smtp://127.0.0.1:9', // nothing listens: the round's mail waits in the outbox
    ADMIN_TOKEN,
    LINK_SECRET: randomBytes(32).toString('hex'),
  };
  await runMigrations(pg.url);
  const ds = await new DataSource({ ...dataSourceOptions(pg.url), extra: { max: C + 4 } }).initialize();
  let worker: ChildProcess | undefined;
  let api: ChildProcess | undefined;
  const connection = await Connection.connect({ address: temporal.address });
  try {
    worker = startApp('worker', env, join(dir, 'worker.log'));
    api = startApp('api', env, join(dir, 'api.log'));
    const base = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}); see its log`);
      if ((await fetch(`${base}/health`).catch(() => null))?.ok) break;
      if (i > 600) throw new Error('the API did not become healthy in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const client = new Client({ connection });
    const ledger = new LedgerService(ds);
    const funding = new FundingRepository(ds, ledger);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown, headers: Record<string, string>) => {
      const r = await postJson(base + path, body, headers);
      if (r.status < 200 || r.status > 299) throw new Error(`${path}: ${r.status} ${r.text}`);
      return JSON.parse(r.text) as Record<string, string>;
    };

    /** Members with money and a member token, made in bulk. */
    const seed = async (n: number, tag: string) => {
      const rows = (await ds.query(`INSERT INTO members (name, email) SELECT 'm' || g, $2 || g || '@bench' FROM generate_series(1, $1) g RETURNING id`, [n, tag])) as Array<{ id: string }>;
      const ext = await ledger.account('external', null, 'EUR');
      const wallets = await ledger.accounts('member', rows.map((r) => r.id), 'EUR');
      for (let i = 0; i < rows.length; i += 5_000) {
        const part = rows.slice(i, i + 5_000);
        await ledger.post({
          idempotencyKey: `seed-${tag}-${i}`,
          kind: 'deposit',
          currency: 'EUR',
          entries: [{ accountId: ext.id, amount: -1_000_000n * BigInt(part.length) }, ...part.map((r) => ({ accountId: wallets.get(r.id)!, amount: 1_000_000n }))],
        });
      }
      const bearers = rows.map(() => `dpn_mbr_${randomBytes(32).toString('base64url')}`);
      for (let i = 0; i < rows.length; i += 1_000) {
        const ids = rows.slice(i, i + 1_000).map((r) => r.id);
        const hashes = bearers.slice(i, i + 1_000).map((t) => createHash('sha256').update(t).digest('hex'));
        await ds.query(`INSERT INTO member_tokens (member_id, name, token_hash) SELECT unnest($1::uuid[]), 'bench', unnest($2::text[])`, [ids, hashes]);
      }
      return rows.map((r, i) => ({ id: r.id, wallet: wallets.get(r.id)!, auth: { authorization: `Bearer ${bearers[i]}`, 'content-type': 'application/json' } }));
    };
    const out: string[] = [`machine: ${(await import('node:os')).cpus().length} cores; concurrency ${C}`];
    const project = await post('/admin/projects', { name: 'bench' }, admin);
    /**
     * Opens a round and waits until its "round opened" mail to every member is in the outbox: the
     * worker renders it in this process, and the figures are for pledges, not for that mail.
     */
    const openRound = async (goal: bigint, closeWhenGoalMet: boolean) => {
      const id = (await post(`/admin/projects/${project.id}/rounds`, { goal: String(goal), currency: 'EUR', minPledge: '1', deadline: new Date(Date.now() + 6 * 3_600_000).toISOString(), closeWhenGoalMet }, admin)).roundId;
      const count = async (sql: string, params: unknown[]) => ((await ds.query(sql, params)) as Array<{ n: number }>)[0].n;
      const audience = await count(`SELECT COUNT(*)::int AS n FROM members WHERE status = 'active'`, []);
      const t0 = process.hrtime.bigint();
      while ((await count(`SELECT COUNT(*)::int AS n FROM mail_outbox WHERE key LIKE $1`, [`round:${id}:opened:%`])) < audience) {
        if (ms(t0) > 600_000) throw new Error(`round ${id}: its opening mail is not queued after 10 minutes`);
        await new Promise((r) => setTimeout(r, 100));
      }
      out.push(`  round opened; its mail to ${audience} members queued in ${(ms(t0) / 1000).toFixed(1)} s`);
      return id;
    };

    const members = await seed(MEMBERS, 'a');
    /**
     * CPU per operation of a phase, in each process that shares the machine's cores: this one (the
     * load, and the direct measures), the API and PostgreSQL. Less moved by others' load than rates.
     */
    const cpuMeter = () => {
      const own0 = process.cpuUsage();
      const api0 = cpuSeconds(api!);
      const pg0 = pgCpuSeconds(join(dir, 'pg'));
      return (n: number) => {
        const own = process.cpuUsage(own0);
        const f = (s: number) => ((1000 * s) / n).toFixed(2);
        return `  CPU per operation           this process ${f((own.user + own.system) / 1e6)} ms, API ${f(cpuSeconds(api!) - api0)} ms, PostgreSQL ${f(pgCpuSeconds(join(dir, 'pg')) - pg0)} ms`;
      };
    };

    // 1. The ledger alone: many members into one hot account.
    const hot = await ledger.account('project', project.id, 'EUR');
    const lCpu = cpuMeter();
    const l = await load(MEMBERS * CHANGES, C, async (i) => {
      await ledger.post({ idempotencyKey: `hot-${i}`, kind: 'transfer', currency: 'EUR', entries: [{ accountId: members[i % MEMBERS].wallet, amount: -1n }, { accountId: hot.id, amount: 1n }] });
    });
    const ledgerRate = (MEMBERS * CHANGES) / l.seconds;
    out.push(line('ledger into a hot account', MEMBERS * CHANGES, l.seconds, l.lat), lCpu(MEMBERS * CHANGES));

    // 2a. The pledge transaction alone (FundingRepository, no HTTP): where the time goes.
    const directRound = await openRound(10n ** 15n, false);
    const dCpu = cpuMeter();
    const d = await load(MEMBERS * CHANGES, C, async (i) => {
      await funding.setPledge(directRound, members[i % MEMBERS].id, BigInt(1_000 + ((i * 37) % 500) + Math.floor(i / MEMBERS)));
    });
    out.push(line('pledge transactions (no HTTP)', MEMBERS * CHANGES, d.seconds, d.lat), dCpu(MEMBERS * CHANGES));

    // 2. Pledge changes through the API.
    const roundId = await openRound(10n ** 15n, false);
    const apiCpu0 = cpuSeconds(api);
    const ownCpu0 = process.cpuUsage();
    const pCpu = cpuMeter();
    const p = await load(MEMBERS * CHANGES, C, async (i) => {
      const m = members[i % MEMBERS];
      await post(`/members/me/rounds/${roundId}/pledge`, { amount: String(1_000 + ((i * 37) % 500) + Math.floor(i / MEMBERS)) }, m.auth);
    });
    const pledgeRate = (MEMBERS * CHANGES) / p.seconds;
    out.push(line('pledge changes (HTTP)', MEMBERS * CHANGES, p.seconds, p.lat), pCpu(MEMBERS * CHANGES));
    const ownCpu = process.cpuUsage(ownCpu0);
    out.push(
      `  CPU per pledge over HTTP    API ${((1000 * (cpuSeconds(api) - apiCpu0)) / (MEMBERS * CHANGES)).toFixed(2)} ms, load (this process) ${((ownCpu.user + ownCpu.system) / 1000 / (MEMBERS * CHANGES)).toFixed(2)} ms`,
    );
    // The HTTP stack alone: the same request refused by validation (400), after the token guard,
    // body parsing and the pipes, before any pledge transaction: what the edge costs per request.
    const edgeCpu0 = cpuSeconds(api);
    const eCpu = cpuMeter();
    const e = await load(MEMBERS * CHANGES, C, async (i) => {
      const r = await postJson(`${base}/members/me/rounds/${roundId}/pledge`, { amount: 'x' }, members[i % MEMBERS].auth);
      if (r.status !== 400) throw new Error(`a refused pledge answered ${r.status}`);
    });
    out.push(line('refused pledges (HTTP, 400)', MEMBERS * CHANGES, e.seconds, e.lat), eCpu(MEMBERS * CHANGES));
    out.push(`  CPU per refused pledge      API ${((1000 * (cpuSeconds(api) - edgeCpu0)) / (MEMBERS * CHANGES)).toFixed(2)} ms (the edge alone: no pledge transaction)`);
    const tally = await funding.liveTally(roundId);
    out.push(
      `  pledges/s vs ledger        ${(pledgeRate / ledgerRate).toFixed(2)} (aim >= 0.5); p99/p50 ${(pct(p.lat, 99) / pct(p.lat, 50)).toFixed(1)} (aim <= 3)`,
      `  round total ${tally.total} from ${tally.backers} backers; held in the ledger ${await funding.escrow(roundId)} (${tally.total === (await funding.escrow(roundId)) ? 'equal' : 'DIFFERENT'})`,
    );

    // 3. A crowd: CROWD backers make CROWD_CHANGES changes each into one round that closes on its
    // goal. Every change but the last goes through the pledge transaction directly, pass after
    // pass (raise, withdraw, pledge again, ...; part 2 measured the HTTP path). The last change of
    // each goes through the API: first every tenth backer withdraws for good, then the others set
    // their final pledge, so the very last one meets the goal and closes the round.
    if (CROWD === 0) {
      // BENCH_CROWD=0: parts 1 and 2 only (while iterating on the pledge path).
      process.stdout.write(out.join('\n') + '\n');
      return;
    }
    const crowd = await seed(CROWD, 'b');
    const final = (i: number) => (i % 10 === 9 ? 0n : 1_000n + BigInt(i % 100));
    const during = (i: number, pass: number) => (pass === 1 ? 0n : 900n + BigInt(i % 100) + BigInt(pass));
    const goal = crowd.reduce((s, _, i) => s + final(i), 0n);
    const crowdRound = await openRound(goal, true);
    const passes = Math.max(0, CROWD_CHANGES - 1);
    const order = (pass: number) => (i: number) => (i * 7919 + pass * 104_729) % CROWD; // each pass in its own order (CROWD not a multiple of 7919)
    if (passes > 0) {
      const direct = await load(CROWD * passes, C, async (n) => {
        const pass = Math.floor(n / CROWD);
        const i = order(pass)(n % CROWD);
        // A withdrawer's last direct change leaves a pledge to withdraw (pass 1 withdraws everyone).
        await funding.setPledge(crowdRound, crowd[i].id, pass === passes - 1 && final(i) === 0n && pass === 1 ? 1n : during(i, pass));
      });
      out.push(line(`crowd: ${passes} passes, direct`, CROWD * passes, direct.seconds, direct.lat));
    }
    const stayers = crowd.map((_, i) => i).filter((i) => final(i) > 0n);
    const leavers = crowd.map((_, i) => i).filter((i) => final(i) === 0n);
    if (passes > 0) {
      const w = await load(leavers.length, C, async (n) => {
        await post(`/members/me/rounds/${crowdRound}/pledge`, { amount: '0' }, crowd[leavers[n]].auth);
      });
      out.push(line(`crowd: withdrawals for good (HTTP)`, leavers.length, w.seconds, w.lat));
    }
    const k = await load(stayers.length, C, async (n) => {
      const i = stayers[n];
      await post(`/members/me/rounds/${crowdRound}/pledge`, { amount: String(final(i)) }, crowd[i].auth);
    });
    out.push(line(`crowd: last changes (HTTP)`, stayers.length, k.seconds, k.lat));
    out.push(`  crowd of ${CROWD} backers: ${CROWD * passes + stayers.length + (passes > 0 ? leavers.length : 0)} pledge changes in all; ${leavers.length} ${passes > 0 ? 'withdrew for good' : 'never pledged'}`);
    const t0 = process.hrtime.bigint();
    for (;;) {
      const [{ status }] = (await ds.query(`SELECT status FROM funding_rounds WHERE id = $1`, [crowdRound])) as Array<{ status: string }>;
      if (status === 'awaiting-payout') break;
      if (ms(t0) > 600_000) throw new Error(`the crowd round is still ${status} after 10 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const closeMs = ms(t0);
    await post(`/admin/rounds/${crowdRound}/payout/approve`, {}, admin);
    const history = await client.workflow.getHandle(`round-${crowdRound}`).fetchHistory();
    const bytes = Buffer.byteLength(JSON.stringify(history));
    const trial = await ledger.trialBalance();
    const captured = ((await ds.query(`SELECT COUNT(*)::int AS n FROM funding_pledges WHERE round_id = $1 AND captured_amount = amount AND amount > 0`, [crowdRound])) as Array<{ n: number }>)[0].n;
    out.push(
      `  closed, captured in pages  ${(closeMs / 1000).toFixed(1)} s after the last pledge; ${captured} of ${stayers.length} holds captured once`,
      `  escrow after payout        ${await funding.escrow(crowdRound)} (must be 0); trial balance ${JSON.stringify(Object.fromEntries(Object.entries(trial).map(([c, v]) => [c, String(v)])))}`,
      `  round workflow history     ${history.events?.length ?? 0} events, ${(bytes / 1024).toFixed(0)} KiB (whatever the crowd)`,
      `  rss of this process         ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (the load and the direct measures; the API and the worker run apart)`,
    );
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    agent.destroy();
    await stopApp(api);
    await stopApp(worker);
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
