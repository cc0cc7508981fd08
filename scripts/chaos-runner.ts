/**
 * The chaos runner's core (`npm run chaos`, and test/e2e/chaos.spec.ts in CI): one seed at a time,
 * the real system under a seeded storm, then the books checked.
 *
 * Per seed: a new migrated database, a new Temporal time-skipping test server, the real API
 * (listening on a local port, driven over HTTP) and a real worker whose activities are the real
 * activity classes from the worker's Nest container, wrapped by a fault injector (a retryable
 * failure before an activity runs, or after it ran and committed, so the retry must be
 * idempotent). The plan (scripts/chaos-plan.ts) interleaves rounds opening, bursts of concurrent
 * pledges, cancels (API and Temporal), payout approvals and votes, time jumps, worker restarts and
 * money moving in and out; the finale moves time past every deadline, settles whatever awaits its
 * payout, waits (bounded) for every round's workflow, and checks the invariants
 * (scripts/chaos-invariants.ts).
 */
import 'reflect-metadata';
import { INestApplication, Logger, LoggerService } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Context } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, Runtime, Worker, WorkflowBundle } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Client as PgClient } from 'pg';
import { AppConfig, loadConfig } from '@app/config';
import { fundingRoundWorkflowId, RoundView } from '@app/contracts';
import { runMigrations } from '@app/db';
import { MailRelay } from '@app/mail';
import { MISSING_TEMPORAL_HINT, temporalTestServerExecutable, WORKFLOWS_ENTRY } from '@app/temporal';
import { createApiApp } from '../apps/api/src/app.setup';
import { ACTIVITY_CLASSES } from '../apps/worker/src/activities';
import { ACTIVITY_INTERCEPTORS } from '../apps/worker/src/data-rejected.interceptor';
import { TemporalWorkerService, bindActivities } from '../apps/worker/src/temporal-worker.service';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { ChaosPlan, faultRoll, FinalStep, generatePlan, Op, RoundSpec, Step } from './chaos-plan';
import { checkInvariants, RoundOutcome, Violation } from './chaos-invariants';

export type { Violation } from './chaos-invariants';

const ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef';
const FINAL = ['funded', 'failed', 'cancelled'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Operations in flight at once (the driver waits for one to finish beyond this). */
const MAX_IN_FLIGHT = 4;

export interface ChaosShared {
  /** A PostgreSQL server URL; each seed creates its own database there. */
  pgServerUrl: string;
  /** A database migrated once; each seed's database is a copy of it (CREATE DATABASE … TEMPLATE). */
  template: string;
  /** The workflow code, bundled once for every worker of the run. */
  bundle: WorkflowBundle;
  /** Drops the template database. */
  dispose(): Promise<void>;
}

export interface SeedOptions {
  seed: number;
  ops: number;
  /** Real time the finale waits for the rounds to finish before it calls them stuck (default 90 s). */
  stuckAfterMs?: number;
  /** Every operation and its answer (verbose). */
  trace?: (line: string) => void;
}

export interface SeedReport {
  seed: number;
  ops: number;
  digest: string;
  violations: Violation[];
  ms: number;
  stats: SeedStats;
}

export interface SeedStats {
  /** Rounds by final status. */
  rounds: Record<string, number>;
  /** Pledge answers by status and code. */
  pledges: Record<string, number>;
  faults: { before: number; after: number };
  restarts: number;
  /** Cancellations sent through Temporal (others were skipped: see cancelThroughTemporal). */
  temporalCancels: number;
  advancedHours: number;
  /** Answers that are allowed but worth a look (timeouts while the worker was down...). */
  notes: string[];
}

/** Runs one statement on the server's `postgres` database (CREATE/DROP DATABASE). */
async function onServer(serverUrl: string, sql: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const admin = new PgClient({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Silences the SDK's own logging (expected retries are the point here), migrates a template
 * database and bundles the workflows, once for the whole run.
 */
export async function prepareChaos(pgServerUrl: string): Promise<ChaosShared> {
  try {
    const level = (process.env.CHAOS_SDK_LOG as 'WARN' | 'INFO' | 'DEBUG' | undefined) ?? 'ERROR';
    Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level }) } } });
  } catch {
    /* installed already (another runner in this process) */
  }
  const template = `chaos_template_${randomBytes(4).toString('hex')}`;
  await onServer(pgServerUrl, `CREATE DATABASE ${template}`);
  await runMigrations(databaseUrl(pgServerUrl, template));
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('ERROR') });
  return { pgServerUrl, template, bundle, dispose: () => onServer(pgServerUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`) };
}

/** Runs one seed from a fresh database and Temporal server; never throws for a violation (it reports it). */
export async function runSeed(shared: ChaosShared, opts: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const plan = generatePlan(opts.seed, opts.ops);
  const run = new SeedRun(shared, plan, opts);
  try {
    await run.setUp();
    await run.drive();
    await run.finale();
  } catch (err) {
    run.violation('runner', `the run itself failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await run.tearDown().catch((err: unknown) => run.violation('runner', `tear-down failed: ${String(err)}`));
  }
  return { seed: opts.seed, ops: opts.ops, digest: plan.digest, violations: run.violations, ms: Date.now() - started, stats: run.stats };
}

interface HttpAnswer {
  status: number;
  body: Record<string, unknown> & { code?: string; detail?: string };
}

interface LiveRound {
  spec: RoundSpec;
  /** Resolves to the round's id once it is opened (null: the open was refused). */
  opened: Promise<string | null>;
  id?: string;
  assetId?: string;
  /** Cancels sent through Temporal (handle.cancel()). */
  temporalCancels: number;
}

/** Runs `fn` after the previous call of this lock finished (a one-at-a-time queue). */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const p = tail.then(fn, fn);
    tail = p.catch(() => undefined);
    return p;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An event's kind from its attributes' field (activityTaskScheduled, workflowExecutionCancelRequested...). */
function eventName(e: object): string {
  const key = Object.entries(e).find(([k, v]) => k.endsWith('EventAttributes') && v)?.[0];
  return key ? key.slice(0, -'EventAttributes'.length) : '?';
}

/**
 * What a running workflow is in the middle of, read from its history (the test server's describe
 * does not list pending activities): the activities scheduled and not yet closed, and a workflow
 * task started and not yet closed (a worker stopped mid-poll leaves one until it times out). Null
 * once the workflow has ended.
 */
const WORKFLOW_TASK = 'a workflow task';
async function inFlight(handle: WorkflowHandle): Promise<string[] | null> {
  const d = await handle.describe().catch(() => null);
  if (d?.status.name !== 'RUNNING') return null;
  const open = new Map<string, string>();
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) open.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) open.delete(String(closed.scheduledEventId));
    // (By the scheduled event: the test server leaves startedEventId out of a completed task.)
    const taskStarted = e.workflowTaskStartedEventAttributes;
    if (taskStarted) open.set(`task ${String(taskStarted.scheduledEventId)}`, WORKFLOW_TASK);
    const taskClosed = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowTaskTimedOutEventAttributes;
    if (taskClosed) open.delete(`task ${String(taskClosed.scheduledEventId)}`);
  }
  return [...open.values()];
}

class SeedRun {
  readonly violations: Violation[] = [];
  readonly stats: SeedStats = { rounds: {}, pledges: {}, faults: { before: 0, after: 0 }, restarts: 0, temporalCancels: 0, advancedHours: 0, notes: [] };
  private readonly dbName: string;
  private dbUrl = '';
  private pg?: PgClient;
  private env?: TestWorkflowEnvironment;
  private config?: AppConfig;
  private api?: INestApplication;
  private apiUrl = '';
  private container?: TestingModule;
  private activities: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  private worker?: { w: Worker; running: Promise<void> };
  private readonly workerLock = serial();
  private readonly timeLock = serial();
  private members: Array<{ id: string; bearer: string }> = [];
  private projects: string[] = [];
  private readonly rounds: LiveRound[] = [];
  private stepNo = 0;
  private readonly log = new ErrorLog();
  /** Set when a time jump never ended: the rest of the plan is skipped, the books still checked. */
  private timeStuck = false;

  constructor(
    private readonly shared: ChaosShared,
    private readonly plan: ChaosPlan,
    private readonly opts: SeedOptions,
  ) {
    this.dbName = `chaos_${plan.seed}_${randomBytes(3).toString('hex')}`;
  }

  violation(invariant: string, detail: string, evidence?: unknown): void {
    this.violations.push({ invariant, detail, evidence });
    this.trace(`VIOLATION ${invariant}: ${detail}`);
  }

  private readonly t0 = Date.now();
  private trace(line: string): void {
    this.opts.trace?.(`[seed ${this.plan.seed} +${((Date.now() - this.t0) / 1000).toFixed(1)}s] ${line}`);
  }

  // ---- the system ----

  async setUp(): Promise<void> {
    await onServer(this.shared.pgServerUrl, `CREATE DATABASE ${this.dbName} TEMPLATE ${this.shared.template}`);
    this.dbUrl = databaseUrl(this.shared.pgServerUrl, this.dbName);
    this.pg = new PgClient({ connectionString: this.dbUrl });
    await this.pg.connect();
    this.trace('database ready');

    const executable = temporalTestServerExecutable();
    try {
      this.env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    } catch (err) {
      throw new Error(executable.type === 'existing-path' ? String(err) : `${MISSING_TEMPORAL_HINT} (${String(err)})`);
    }
    this.trace('time-skipping server ready');
    this.config = loadConfig(
      {
        NODE_ENV: 'test',
        DATABASE_URL: this.dbUrl,
        TEMPORAL_ADDRESS: this.env.address,
        TEMPORAL_TASK_QUEUE: `chaos-${this.plan.seed}`,
        ADMIN_TOKEN,
        LINK_SECRET: randomBytes(32).toString('hex'),
        SMTP_URL: 'smtp://127.0.0.1:9', // mail stays in the outbox: no relay runs here
        ROUND_SETTLE_PAGE_SIZE: String(this.plan.pageSize),
      },
      { requireAdminToken: true, requireLinkSecret: true },
    );
    Logger.overrideLogger(this.log); // also what modules log while they are defined (the web app's absence)
    this.api = await createApiApp(this.config, this.log);
    await this.api.listen(0, '127.0.0.1');
    this.apiUrl = `http://127.0.0.1:${(this.api.getHttpServer().address() as AddressInfo).port}`;

    this.trace('api ready');
    // The worker's own Nest container (every activity provider and what it needs), without the
    // service that would start an unwrapped worker and without the SMTP relay.
    this.container = await Test.createTestingModule({ imports: [WorkerModule.forRoot(this.config)] })
      .overrideProvider(TemporalWorkerService)
      .useValue({})
      .overrideProvider(MailRelay)
      .useValue({})
      .setLogger(this.log)
      .compile();
    await this.container.init();
    const real = bindActivities(ACTIVITY_CLASSES.map((cls) => this.container!.get(cls, { strict: false }) as object));
    this.activities = Object.fromEntries(Object.entries(real).map(([name, fn]) => [name, this.faulty(name, fn)]));
    await this.startWorker(1_000);
    this.trace('worker ready');

    // The network: members with money and tokens, projects.
    this.members = await Promise.all(
      this.plan.members.map(async (money, i) => {
        const m = await this.call('POST', '/admin/members', { body: { name: `Chaos member ${i}`, email: `m${i}-${this.plan.seed}@chaos.example` } }, [[201]]);
        const id = String(m.body.id);
        await this.call('POST', '/admin/ledger/deposits', { key: `seed-${i}`, body: { memberId: id, amount: String(money), currency: 'EUR' } }, [[201]]);
        const t = await this.call('POST', `/admin/members/${id}/tokens`, { body: { name: 'chaos' } }, [[201]]);
        return { id, bearer: `Bearer ${String(t.body.token)}` };
      }),
    );
    for (let i = 0; i < this.plan.projects; i++) {
      this.projects.push(String((await this.call('POST', '/admin/projects', { body: { name: `Chaos project ${i}` } }, [[201]])).body.id));
    }
  }

  async tearDown(): Promise<void> {
    await this.stopWorker().catch(() => undefined);
    await this.api?.close();
    await this.container?.close();
    await this.env?.teardown();
    await this.pg?.end();
    if (this.dbUrl) await onServer(this.shared.pgServerUrl, `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
  }

  /** Wraps an activity: a retryable failure before it runs, or after it ran and committed. */
  private faulty(name: string, fn: (...args: unknown[]) => Promise<unknown>): (...args: unknown[]) => Promise<unknown> {
    const { seed, faults } = this.plan;
    return async (...args: unknown[]) => {
      const info = Context.current().info;
      const workflowId = info.workflowExecution?.workflowId ?? '';
      const at = (when: string) => faultRoll(seed, [when, info.activityType, workflowId, info.activityId, info.attempt]);
      const armed = info.attempt <= faults.maxAttempt;
      if (armed && at('before') < faults.before) {
        this.stats.faults.before++;
        throw ApplicationFailure.retryable(`chaos: injected failure before ${name} ran`, 'ChaosFault');
      }
      const out = await fn(...args);
      if (armed && at('after') < faults.after) {
        this.stats.faults.after++;
        throw ApplicationFailure.retryable(`chaos: injected failure after ${name} ran and committed`, 'ChaosFault');
      }
      return out;
    };
  }

  private async startWorker(graceMs: number): Promise<void> {
    const w = await Worker.create({
      connection: this.env!.nativeConnection,
      namespace: 'default',
      taskQueue: this.config!.temporal.taskQueue,
      workflowBundle: this.shared.bundle,
      activities: this.activities,
      // As in production (TemporalWorkerService): a refused row fails the activity for good.
      interceptors: { activity: ACTIVITY_INTERCEPTORS },
      shutdownGraceTime: graceMs,
      // No workflow cache: every workflow task replays the history from its start (determinism is
      // checked on every task). Also needed here: the time-skipping test server never moves a
      // workflow off the sticky queue of a stopped worker (a real server falls back to the normal
      // queue), so after a restart a cached workflow would wait forever.
      maxCachedWorkflows: 0,
    });
    const running = w.run().catch((err: unknown) => this.violation('worker-crashed', `the worker stopped with an error: ${String(err)}`));
    this.worker = { w, running };
  }

  private async stopWorker(): Promise<void> {
    const current = this.worker;
    this.worker = undefined;
    if (!current) return;
    if (current.w.getState() === 'RUNNING') current.w.shutdown();
    await current.running;
  }

  /** The Idempotency-Key of a request of this seed. */
  private key(name: string): string {
    return `chaos-${this.plan.seed}-${name}`;
  }

  /** One HTTP call to the API; an answer outside `allowed` ([status] or [status, code]) is a violation. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    o: { bearer?: string; body?: unknown; key?: string } = {},
    allowed: Array<[number, string?]>,
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization: o.bearer ?? `Bearer ${ADMIN_TOKEN}` };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.key) headers['idempotency-key'] = this.key(o.key);
    const res = await fetch(`${this.apiUrl}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal: AbortSignal.timeout(90_000) });
    const text = await res.text();
    let body: HttpAnswer['body'] = {};
    try {
      body = text ? (JSON.parse(text) as HttpAnswer['body']) : {};
    } catch {
      body = { detail: text.slice(0, 200) };
    }
    const ok = allowed.some(([s, c]) => s === res.status && (c === undefined || c === body.code));
    this.trace(`${method} ${path} ${o.body ? JSON.stringify(o.body) : ''} → ${res.status}${body.code ? ` ${body.code}` : ''}`);
    if (!ok) {
      const serverLog = typeof body.requestId === 'string' ? this.log.about(body.requestId) : [];
      this.violation('unexpected-answer', `${method} ${path} answered ${res.status} ${body.code ?? ''}: ${body.detail ?? text.slice(0, 300)}`, { request: o.body, answer: body, serverLog });
    }
    return { status: res.status, body };
  }

  // ---- the storm ----

  async drive(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (const step of this.plan.steps) {
      if (this.timeStuck) break;
      const n = ++this.stepNo;
      const p: Promise<void> = this.perform(step, n).catch((err: unknown) => this.violation('runner', `step ${n} (${step.kind}) threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (step.wait) await Promise.all(inFlight);
      else if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  private async roundId(index: number): Promise<string | null> {
    return this.rounds[index]?.opened ?? null;
  }

  private perform(op: Step, n: number): Promise<void> {
    this.trace(`step ${n}: ${JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    switch (op.kind) {
      case 'open-round': {
        const live: LiveRound = { spec: op.round, opened: Promise.resolve(null), temporalCancels: 0 };
        live.opened = this.openRound(live);
        this.rounds[op.round.index] = live;
        return live.opened.then(() => undefined);
      }
      case 'pledges':
        return this.pledges(op);
      case 'cancel':
        return this.cancel(op.round, op.via);
      case 'approve':
        return this.approve(op.round);
      case 'vote':
        return this.vote(op);
      case 'advance-time':
        return this.advance(op.ms);
      case 'restart-worker':
        return this.workerLock(async () => {
          this.stats.restarts++;
          await this.stopWorker();
          await sleep(op.downMs);
          await this.startWorker(op.graceMs);
        });
      case 'deposit':
        return this.call('POST', '/admin/ledger/deposits', { key: `dep-${n}`, body: { memberId: this.members[op.member].id, amount: String(op.amount), currency: 'EUR' } }, [[201]]).then(() => undefined);
      case 'withdraw':
        return this.call('POST', '/admin/ledger/withdrawals', { key: `wd-${n}`, body: { memberId: this.members[op.member].id, amount: String(op.amount), currency: 'EUR' } }, [[201], [409, 'insufficient_funds']]).then(
          () => undefined,
        );
      case 'pause':
        return sleep(op.ms);
    }
  }

  private async openRound(live: LiveRound): Promise<string | null> {
    const s = live.spec;
    if (s.buysAsset) {
      const asset = await this.call(
        'POST',
        '/admin/assets',
        { body: { name: `Chaos asset ${s.index}`, kind: 'greenhouse', identifier: `CHAOS-${this.plan.seed}-${s.index}`, totalParts: '1000000', awaitingFunding: true } },
        [[201]],
      );
      live.assetId = String(asset.body.id);
    }
    const now = await this.env!.currentTimeMs();
    const body = {
      goal: String(s.goal),
      currency: 'EUR',
      minPledge: String(s.minPledge),
      deadline: new Date(now + s.deadlineInMinutes * 60_000).toISOString(),
      closeWhenGoalMet: s.closeWhenGoalMet,
      payoutApproval: s.payoutApproval,
      ...(s.operator ? { operator: { memberId: this.members[s.operator.member].id, upfront: String(s.operator.upfront), outputBonusPercent: s.operator.bonus } } : {}),
      ...(live.assetId ? { assetId: live.assetId } : {}),
    };
    const res = await this.call('POST', `/admin/projects/${this.projects[s.project]}/rounds`, { key: `round-${s.index}`, body }, [[201]]);
    if (res.status !== 201) return null;
    live.id = String(res.body.roundId);
    return live.id;
  }

  private async pledges(op: Extract<Op, { kind: 'pledges' }>): Promise<void> {
    await Promise.all(
      op.items.map(async (it) => {
        const id = await this.roundId(it.round);
        if (!id) return;
        const res = await this.call('POST', `/members/me/rounds/${id}/pledge`, { bearer: this.members[it.member].bearer, body: { amount: String(it.amount) } }, [
          [200],
          [400, 'validation_failed'],
          [409, 'round_closed'],
          [409, 'round_opening'],
          [409, 'insufficient_funds'],
        ]);
        const k = `${res.status}${res.body.code ? ` ${res.body.code}` : ''}`;
        this.stats.pledges[k] = (this.stats.pledges[k] ?? 0) + 1;
      }),
    );
  }

  private async cancel(index: number, via: 'api' | 'temporal'): Promise<void> {
    const id = await this.roundId(index);
    if (!id) return;
    if (via === 'temporal') return this.cancelThroughTemporal(index, id);
    const res = await this.call('POST', `/admin/rounds/${id}/cancel`, { body: { reason: 'chaos says so' } }, [[200], [409, 'round_closed'], [409, 'round_not_awaiting_payout'], [504, 'workflow_timeout']]);
    if (res.status === 504) this.stats.notes.push(`cancel of round ${index} timed out (504)`);
  }

  /**
   * A cancellation through Temporal (what the UI, the CLI or a cancelled project phase sends), only
   * while the round's workflow has no activity open. The time-skipping test server cannot cancel an
   * activity that is scheduled, running or waiting for its retry: the workflow task that completes
   * the cancellation is refused (ACTIVITY_UNKNOWN) and the workflow never moves again
   * (temporalio/sdk-java#2391; a real Temporal server does it). So the worker is stopped first (no
   * workflow task can schedule anything meanwhile), the history is read, and the cancel is sent only
   * if no activity is open; otherwise it is skipped and noted. A workflow task the stopped worker
   * took from its poll and never ran is waited for (it times out after 10 s and is scheduled again).
   */
  private cancelThroughTemporal(index: number, id: string): Promise<void> {
    const handle = this.env!.client.workflow.getHandle(fundingRoundWorkflowId(id));
    return this.workerLock(async () => {
      // A first look with the worker running: an ended or busy round needs no stop (each stop can
      // leave a workflow task to time out).
      const first = await inFlight(handle);
      if (first === null) return;
      if (first.some((b) => b !== WORKFLOW_TASK)) {
        this.stats.notes.push(`round ${index}: not cancelled through Temporal (in flight: ${first.join(', ')})`);
        this.trace(`round ${index}: not cancelled through Temporal (in flight: ${first.join(', ')})`);
        return;
      }
      await this.stopWorker();
      try {
        let busy = await inFlight(handle);
        for (const until = Date.now() + 15_000; busy?.length && busy.every((b) => b === WORKFLOW_TASK) && Date.now() < until; busy = await inFlight(handle)) {
          await sleep(250);
        }
        if (busy === null) return; // the workflow has ended
        if (busy.length > 0) {
          this.stats.notes.push(`round ${index}: not cancelled through Temporal (in flight: ${busy.join(', ')})`);
          this.trace(`round ${index}: not cancelled through Temporal (in flight: ${busy.join(', ')})`);
          return;
        }
        this.rounds[index].temporalCancels++;
        this.stats.temporalCancels++;
        await handle.cancel().catch((err: unknown) => this.trace(`cancel through Temporal of round ${index}: ${String(err)}`));
      } finally {
        await this.startWorker(1_000);
      }
    });
  }

  private async approve(index: number): Promise<void> {
    const id = await this.roundId(index);
    if (!id) return;
    const res = await this.call('POST', `/admin/rounds/${id}/payout/approve`, { body: {} }, [[200], [409, 'round_not_awaiting_payout'], [409, 'round_closed'], [504, 'workflow_timeout']]);
    if (res.status === 504) this.stats.notes.push(`approval of round ${index} timed out (504)`);
  }

  private async vote(op: Extract<Op, { kind: 'vote' }>): Promise<void> {
    const id = await this.roundId(op.round);
    if (!id) return;
    const round = await this.call('GET', `/admin/rounds/${id}`, {}, [[200]]);
    const decisionId = round.body.payoutDecisionId as string | null | undefined;
    if (!decisionId) return;
    await Promise.all(
      op.votes.map((v) =>
        this.call('POST', `/members/me/decisions/${decisionId}/answer`, { bearer: this.members[v.member].bearer, body: { option: v.option } }, [
          [200],
          [404, 'not_found'],
          [409, 'already_answered'],
          [409, 'decision_closed'],
        ]),
      ),
    );
  }

  /** Moves the Temporal server's clock (timers, deadlines, retry backoffs fire); one jump at a time. */
  private advance(ms: number): Promise<void> {
    return this.timeLock(async () => {
      if (this.timeStuck) return;
      // The server skips time only when no workflow task or activity is in flight: a jump that never
      // ends means some workflow never settles (evidence: what each round's workflow is waiting for).
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([this.env!.sleep(ms).then(() => true), new Promise<false>((res) => (timer = setTimeout(() => res(false), 60_000)))]);
      clearTimeout(timer);
      if (!ended) {
        this.timeStuck = true;
        this.violation('stuck', `a time jump of ${ms / 60_000} min did not end within 60 s: some workflow never settles (the rest of the plan is skipped)`, await this.evidence());
        return;
      }
      this.stats.advancedHours += ms / HOUR;
      this.trace(`the server's clock is ${(this.stats.advancedHours).toFixed(1)} h ahead`);
    });
  }

  // ---- the finale and the checks ----

  async finale(): Promise<void> {
    await this.workerLock(async () => {
      if (!this.worker) await this.startWorker(1_000);
    });
    const rounds = (await Promise.all(this.rounds.map(async (r) => ((await r.opened) ? r : null)))).filter((r): r is LiveRound & { id: string } => r !== null);
    const bound = Date.now() + (this.opts.stuckAfterMs ?? 90_000);

    // Past every deadline (each round closes, captures or gives back).
    const [{ last }] = (await this.pg!.query(`SELECT (EXTRACT(EPOCH FROM MAX(deadline)) * 1000)::bigint::text AS last FROM funding_rounds`)).rows as Array<{ last: string | null }>;
    const now = await this.env!.currentTimeMs();
    if (last && Number(last) > now) await this.advance(Number(last) - now + HOUR);

    // Settle whatever awaits its payout; let days pass for votes and retries until all are final.
    const settled = new Set<string>();
    for (;;) {
      const rows = (await this.pg!.query(`SELECT id, status, payout_approval FROM funding_rounds`)).rows as Array<{ id: string; status: string; payout_approval: string }>;
      const pending = rows.filter((r) => !FINAL.includes(r.status));
      this.trace(`finale: ${rows.map((r) => `${r.id.slice(0, 8)} ${r.status}`).join(', ')}`);
      if (pending.length === 0 || Date.now() > bound || this.timeStuck) break;
      for (const row of pending) {
        if (row.status !== 'awaiting-payout' || settled.has(row.id)) continue;
        settled.add(row.id);
        const r = rounds.find((x) => x.id === row.id)!;
        if (row.payout_approval === 'coordinator') await this.finish(r, r.spec.finally);
        else if (r.spec.finalVote !== 'none') {
          const option = r.spec.finalVote;
          await this.vote({ kind: 'vote', round: r.spec.index, votes: this.members.map((_, member) => ({ member, option })) });
        }
      }
      await this.advance(DAY);
      await sleep(50);
    }

    // Every round's workflow must end (bounded), its outcome must match its row, and the books must hold.
    const outcomes = new Map<string, RoundOutcome>();
    for (const r of rounds) {
      outcomes.set(r.id, await this.outcome(r, this.timeStuck ? 2_000 : Math.max(2_000, bound - Date.now())));
    }
    for (const o of outcomes.values()) {
      this.stats.rounds[o.dbStatus] = (this.stats.rounds[o.dbStatus] ?? 0) + 1;
      this.trace(`round ${o.index}: ${o.dbStatus} (${o.reason ?? ''}); workflow ${JSON.stringify(o.workflow)}`);
    }
    const found = await checkInvariants(this.pg!, {
      rounds: rounds.map((r) => ({ id: r.id, index: r.spec.index, projectId: this.projects[r.spec.project], assetId: r.assetId ?? null, temporalCancels: r.temporalCancels })),
      outcomes,
      temporal: this.env!.client.workflow,
    });
    for (const v of found) this.violation(v.invariant, v.detail, v.evidence);
  }

  /** What every round's workflow is doing: its state, pending activities and workflow task, last events. */
  private async evidence(): Promise<unknown> {
    const out: unknown[] = [];
    for (const r of this.rounds) {
      if (!r?.id) continue;
      out.push({ round: r.spec.index, ...(await this.workflowEvidence(fundingRoundWorkflowId(r.id))) });
    }
    return out;
  }

  private async workflowEvidence(workflowId: string): Promise<Record<string, unknown>> {
    const handle = this.env!.client.workflow.getHandle(workflowId);
    const d = await handle.describe().catch(() => null);
    const history = await handle.fetchHistory().catch(() => null);
    const events = history?.events ?? [];
    return {
      status: d?.status.name,
      inFlight: d?.status.name === 'RUNNING' ? await inFlight(handle).catch(() => null) : [],
      events: events.length,
      // Every event by name (the histories here are short), then the last few with their details.
      timeline: events.map((e) => `${String(e.eventId)} ${eventName(e)}`).join(', '),
      lastEvents: events.slice(-6).map((e) => {
        const attrs = Object.entries(e).find(([k, v]) => k.endsWith('EventAttributes') && v);
        return `${String(e.eventId)} ${eventName(e)} ${attrs ? JSON.stringify(attrs[1]).slice(0, 200) : ''}`;
      }),
    };
  }

  private async finish(r: LiveRound & { id: string }, step: FinalStep): Promise<void> {
    if (step === 'approve') return this.approve(r.spec.index);
    return this.cancel(r.spec.index, step === 'cancel-api' ? 'api' : 'temporal');
  }

  /** How the round's workflow ended, waiting at most `ms` (time skips meanwhile). */
  private async outcome(r: LiveRound & { id: string }, ms: number): Promise<RoundOutcome> {
    const handle = this.env!.client.workflow.getHandle(fundingRoundWorkflowId(r.id));
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      handle.result().then(
        (view: RoundView) => ({ kind: 'completed' as const, status: view.status }),
        (err: unknown) =>
          err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure
            ? { kind: 'cancelled' as const }
            : { kind: 'failed' as const, error: err instanceof WorkflowFailedError ? `${err.message}: ${err.cause?.message ?? ''}` : String(err) },
      ),
      new Promise<{ kind: 'stuck' }>((res) => (timer = setTimeout(() => res({ kind: 'stuck' }), ms))),
    ]);
    clearTimeout(timer);
    const [row] = (await this.pg!.query(`SELECT status, reason FROM funding_rounds WHERE id = $1`, [r.id])).rows as Array<{ status: string; reason: string | null }>;
    const pending = result.kind === 'stuck' ? await this.workflowEvidence(fundingRoundWorkflowId(r.id)) : undefined;
    return { roundId: r.id, index: r.spec.index, dbStatus: row?.status ?? 'missing', reason: row?.reason ?? null, workflow: result, pending };
  }
}

/** The API's and the worker's Nest log: quiet, but errors are kept (an unexpected 500 quotes its own). */
class ErrorLog implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown, ...rest: unknown[]): void {
    this.errors.push([message, ...rest].map((x) => (x instanceof Error ? (x.stack ?? x.message) : String(x))).join(' '));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.error(message, ...rest);
  }
  /** The error lines that mention `needle` (a request id). */
  about(needle: string): string[] {
    return this.errors.filter((e) => e.includes(needle));
  }
}

/** The line printed for a seed. */
export function seedLine(r: SeedReport): string {
  const rounds = Object.entries(r.stats.rounds)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const pledges = Object.values(r.stats.pledges).reduce((a, b) => a + b, 0);
  return (
    `seed ${String(r.seed).padEnd(6)} ops ${String(r.ops).padEnd(4)} ${r.violations.length ? 'VIOLATION' : 'ok       '} ${(r.ms / 1000).toFixed(1).padStart(6)} s` +
    `   rounds: ${rounds || 'none'}; pledges ${pledges}; faults ${r.stats.faults.before}+${r.stats.faults.after}; restarts ${r.stats.restarts}; Temporal cancels ${r.stats.temporalCancels}; plan ${r.digest}`
  );
}

/** The violations of a failed seed, with the command that replays it. */
export function failureReport(r: SeedReport, replay: string): string {
  const lines = [`seed ${r.seed} violated ${new Set(r.violations.map((v) => v.invariant)).size} invariant(s):`];
  for (const v of r.violations) {
    lines.push(`  - ${v.invariant}: ${v.detail}`);
    if (v.evidence !== undefined) lines.push(`    evidence: ${JSON.stringify(v.evidence, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`);
  }
  lines.push(`  replay: ${replay}   (same plan ${r.digest}; the timing of concurrent steps may differ)`);
  return lines.join('\n');
}
