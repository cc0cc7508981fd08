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

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: postgresUrl,
  TEMPORAL_ADDRESS: hostPort.default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dpn'),
  SMTP_URL: smtpUrl.default('smtp://localhost:1025'),
  MAIL_FROM: z.string().min(3).default('DPN <no-reply@dpn.localhost>'),
  COORDINATOR_EMAIL: z.string().email().default('coordinator@dpn.localhost'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
  LOG_FORMAT: z.enum(['text', 'json']).optional(),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  SIGN_IN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
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
  readonly temporal!: { address: string; namespace: string; taskQueue: string };
  readonly smtpUrl!: string;
  readonly mailFrom!: string;
  /** Where escalations go (no node left for a job, a job overdue, a delivery unconfirmed). */
  readonly coordinatorEmail!: string;
  /** Undefined only in processes that do not serve the admin API (the worker). */
  readonly adminToken?: string;
  /** Signs the members' decision links (HMAC). Required by the API and the worker. */
  readonly linkSecret?: string;
  readonly logFormat!: 'text' | 'json';
  readonly workflowBundlePath?: string;
  /** Sign-in links one client address may ask for per minute (the web app's sign-in page). */
  readonly signInRequestsPerMinute!: number;
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
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    coordinatorEmail: e.COORDINATOR_EMAIL,
    adminToken: e.ADMIN_TOKEN,
    linkSecret: e.LINK_SECRET,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'text'),
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    signInRequestsPerMinute: e.SIGN_IN_REQUESTS_PER_MINUTE,
  }) as AppConfig;
}
