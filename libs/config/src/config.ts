/**
 * Typed, validated configuration read from the environment once, at start-up.
 * A bad value stops the process with one clear line (see `ConfigError`).
 */
import { z } from 'zod';

const postgresUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' && u.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a URL like postgres://user:password@host:5432/database');

const smtpUrl = z
  .string()
  .refine((v) => {
    try {
      return ['smtp:', 'smtps:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'must be a URL like smtp://host:1025 or smtps://user:pass@host:465');

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, for example localhost:7233');

const port = z.coerce.number().int().min(1).max(65535);
const millis = (max: number) => z.coerce.number().int().min(1, 'must be a positive number of milliseconds').max(max);
const positive = z.coerce.number().int().min(1, 'must be a positive whole number').max(1_000_000);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: postgresUrl,
  DATABASE_CONNECT_TIMEOUT_MS: millis(60_000).default(3_000),
  DATABASE_STATEMENT_TIMEOUT_MS: millis(600_000).default(15_000),
  TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dpn'),
  SMTP_URL: smtpUrl.default('smtp://localhost:1025'),
  MAIL_FROM: z.string().min(3).default('DPN <no-reply@dpn.localhost>'),
  COORDINATOR_EMAIL: z.string().email().default('coordinator@dpn.localhost'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
  RATE_LIMIT_AUTH_FAILURES: positive.default(20),
  RATE_LIMIT_DECIDE: positive.default(60),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[\w.:/,\s-]+)$/, 'must be true, false, a number of proxies, or addresses/subnets (comma-separated)')
    .optional(),
  LOG_FORMAT: z.enum(['text', 'json']).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WEBHOOK_ALLOW_PRIVATE_HOSTS: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  ROUND_SETTLE_PAGE_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  SIGN_IN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0, 'must be 0 (keep every row) or a number of days').max(36_500).default(0),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The configuration every process gets. Also the Nest injection token. */
export class AppConfig {
  readonly nodeEnv!: Env['NODE_ENV'];
  readonly port!: number;
  readonly publicUrl!: string;
  readonly databaseUrl!: string;
  /**
   * How long a request waits for a database connection, and how long one statement may run:
   * past either it fails (503 `retry` at the API), instead of hanging while PostgreSQL is down.
   */
  readonly database!: { connectTimeoutMs: number; statementTimeoutMs: number };
  readonly temporal!: { address: string; namespace: string; taskQueue: string };
  readonly smtpUrl!: string;
  readonly mailFrom!: string;
  /** Where escalations go (no node left for a job, a job overdue, a delivery unconfirmed). */
  readonly coordinatorEmail!: string;
  /** Undefined only in processes that do not serve the admin API (the worker). */
  readonly adminToken?: string;
  /** Signs the members' decision links (HMAC). Required by the API and the worker. */
  readonly linkSecret?: string;
  /**
   * Per client address: failed authentications (401) allowed per 15 minutes before every
   * authenticated route answers 429 for the rest of the window; requests per minute to `/decide`.
   */
  readonly rateLimits!: { authFailures: number; decidePerMinute: number };
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client address. Unset: none. */
  readonly trustProxy?: boolean | number | string;
  readonly logFormat!: 'text' | 'json';
  readonly logLevel!: Env['LOG_LEVEL'];
  /**
   * Who may read `/metrics` (a bearer token; unset: scrapers inside the network only), and the
   * worker's metrics port (unset: none; 0: any free port).
   */
  readonly metrics!: { token?: string; workerPort?: number };
  /** In production, webhooks to private, loopback or link-local addresses are refused unless this is set. */
  readonly webhookAllowPrivateHosts!: boolean;
  readonly workflowBundlePath?: string;
  /** Pledges a funding round captures, releases or refunds per activity (one transaction each). */
  readonly roundSettlePageSize!: number;
  /** Sign-in links one client address may ask for per minute (the web app's sign-in page). */
  readonly signInRequestsPerMinute!: number;
  /** Audit rows older than this many days are deleted (hourly, by the API); 0 keeps every row. */
  readonly auditRetentionDays!: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { requireAdminToken?: boolean; requireLinkSecret?: boolean } = {}): AppConfig {
  // Treat empty strings as unset, as shells and compose files produce them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const first = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'environment'}: ${i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${first}`);
  }
  const e = parsed.data;
  if (opts.requireAdminToken && !e.ADMIN_TOKEN) {
    throw new ConfigError('invalid configuration: ADMIN_TOKEN: is required (the coordinator token, 16+ characters)');
  }
  if (opts.requireLinkSecret && !e.LINK_SECRET) {
    throw new ConfigError('invalid configuration: LINK_SECRET: is required (signs the links in decision emails, 32+ characters)');
  }
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    database: { connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS, statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    coordinatorEmail: e.COORDINATOR_EMAIL,
    adminToken: e.ADMIN_TOKEN,
    linkSecret: e.LINK_SECRET,
    rateLimits: { authFailures: e.RATE_LIMIT_AUTH_FAILURES, decidePerMinute: e.RATE_LIMIT_DECIDE },
    trustProxy: e.TRUST_PROXY === undefined ? undefined : e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'text'),
    logLevel: e.LOG_LEVEL,
    metrics: { token: e.METRICS_TOKEN, workerPort: e.WORKER_METRICS_PORT },
    webhookAllowPrivateHosts: e.WEBHOOK_ALLOW_PRIVATE_HOSTS === 'true',
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    roundSettlePageSize: e.ROUND_SETTLE_PAGE_SIZE,
    signInRequestsPerMinute: e.SIGN_IN_REQUESTS_PER_MINUTE,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
  }) as AppConfig;
}
