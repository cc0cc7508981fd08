/**
 * Per-file helpers for integration and e2e tests, on top of the servers that
 * test/support/global-setup.mjs started: a fresh migrated database per file, and the real API and
 * worker booted in-process on their own task queue.
 */
import { INestApplication, INestApplicationContext, Logger, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { Client as TemporalClient } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '@app/config';
import { createLogger, LogWrite } from '@app/observability';
import { createTestDatabase, suffix, TestDatabase } from './database';
import { MailCatcherHandle, startMailCatcher } from '../../libs/dev-stack/src/mail-catcher';
import { createApiApp } from '../../apps/api/src/app.setup';
import { installTemporalRuntime } from '../../apps/worker/src/temporal-runtime';
import { WorkerModule } from '../../apps/worker/src/worker.module';

// The poller lives in its own file, so that workflow tests use it without loading Nest.
export { eventually } from './eventually';

let runtime: Promise<void> | undefined;
/**
 * The worker's own Temporal runtime, installed once per test file (process-wide), before the first
 * worker: SDK, workflow and activity lines go to the given logger, else to Nest's logger of the
 * apps, which tests create silent. A file that imported test/support/temporal.ts first keeps its
 * quiet runtime instead.
 */
function ensureTemporalRuntime(logger: LoggerService, sdkMetrics: boolean): Promise<void> {
  runtime ??= installTemporalRuntime({ logger, sdkMetrics }).catch(() => undefined);
  return runtime;
}

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const LINK_SECRET = 'e2e-link-secret-0123456789abcdef0123456789';

export { createTestDatabase, suffix } from './database';
export type { TestDatabase } from './database';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through jest's e2e project (global setup)`);
  return v;
}

export interface TestSystem {
  config: AppConfig;
  api: INestApplication;
  worker?: INestApplicationContext;
  temporal: TemporalClient;
  close(): Promise<void>;
}

/**
 * Boots the real API (and, unless `worker: false`, the real worker) in this process against the
 * given database and the shared Temporal dev server, on a task queue of their own.
 */
export async function startSystem(opts: {
  databaseUrl: string;
  temporalAddress?: string;
  worker?: boolean;
  smtpUrl?: string;
  /** More environment for loadConfig (e.g. a short DATABASE_STATEMENT_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** The per-address sign-in limit (every test request comes from 127.0.0.1). */
  signInRequestsPerMinute?: string;
  /** Where the API's and the worker's log lines go (JSON, LOG_LEVEL debug); silent without it. */
  logs?: LogWrite;
}): Promise<TestSystem> {
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress ?? env('DPN_TEST_TEMPORAL_ADDRESS'),
      TEMPORAL_TASK_QUEUE: `e2e-${suffix()}`,
      ADMIN_TOKEN,
      LINK_SECRET,
      // Nothing listens here unless a test starts a mail catcher: mail activities then just retry.
      SMTP_URL: opts.smtpUrl ?? 'smtp://127.0.0.1:9',
      // Every request here comes from 127.0.0.1: the per-address limit would count them all as one client.
      SIGN_IN_REQUESTS_PER_MINUTE: opts.signInRequestsPerMinute ?? '1000',
      ...opts.env,
    },
    { requireAdminToken: true, requireLinkSecret: true },
  );
  const loggers = opts.logs
    ? { api: createLogger({ logFormat: 'json', logLevel: 'debug' }, 'api', opts.logs), worker: createLogger({ logFormat: 'json', logLevel: 'debug' }, 'worker', opts.logs) }
    : undefined;
  if (opts.worker !== false) await ensureTemporalRuntime(loggers?.worker ?? new Logger(), config.metrics.workerPort !== undefined);
  const worker = opts.worker === false ? undefined : await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: loggers?.worker ?? false });
  const api = await createApiApp(config, loggers?.api ?? false);
  await api.init();
  const system: TestSystem = {
    config,
    api,
    worker,
    temporal: api.get(TemporalClient),
    close: async () => {
      await api.close();
      await system.worker?.close(); // the current worker: a test may have restarted it
    },
  };
  return system;
}

/**
 * The usual frame of an e2e file: a fresh database and the system booted once for the file
 * (beforeAll), both torn down after it. Read the fields inside tests, not at module load.
 */
export function useTestSystem(opts: { worker?: boolean; mail?: boolean; env?: Record<string, string>; logs?: LogWrite } = {}): {
  db: TestDatabase;
  sys: TestSystem;
  http: ReturnType<typeof request>;
  /** The real SMTP server the system sends to (with `mail: true`). */
  mail: MailCatcherHandle;
} {
  const ctx = {} as { db: TestDatabase; sys: TestSystem; http: ReturnType<typeof request>; mail: MailCatcherHandle };
  let mailDir: string | undefined;
  beforeAll(async () => {
    if (opts.mail) {
      mailDir = await mkdtemp(join(tmpdir(), 'dpn-mail-'));
      ctx.mail = await startMailCatcher({ storeDir: mailDir, smtpPort: 0, uiPort: 0 });
    }
    ctx.db = await createTestDatabase();
    ctx.sys = await startSystem({ databaseUrl: ctx.db.url, worker: opts.worker, smtpUrl: ctx.mail?.smtpUrl, env: opts.env, logs: opts.logs });
    ctx.http = request(ctx.sys.api.getHttpServer());
  });
  afterAll(async () => {
    await ctx.sys?.close();
    await ctx.db?.drop();
    await ctx.mail?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });
  return ctx;
}
