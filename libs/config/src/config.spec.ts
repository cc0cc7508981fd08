import { ConfigError, loadConfig } from './config';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/dpn' };

describe('loadConfig', () => {
  it('fills conventional defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'dpn' },
      smtpUrl: 'smtp://localhost:1025',
      logFormat: 'text',
      logLevel: 'info',
      metrics: { token: undefined, workerPort: undefined },
      webhookAllowPrivateHosts: false,
      database: { connectTimeoutMs: 3000, statementTimeoutMs: 15000 },
      rateLimits: { authFailures: 20, decidePerMinute: 60 },
      trustProxy: undefined,
      auditRetentionDays: 0,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every knob', () => {
    const c = loadConfig({
      ...base,
      NODE_ENV: 'production',
      PORT: '8080',
      PUBLIC_URL: 'https://dpn.example.org/',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'dpn',
      TEMPORAL_TASK_QUEUE: 'dpn-main',
      SMTP_URL: 'smtps://u:p@mail.example.org:465',
      ADMIN_TOKEN: 'a'.repeat(32),
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      RATE_LIMIT_AUTH_FAILURES: '50',
      RATE_LIMIT_DECIDE: '120',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'debug',
      METRICS_TOKEN: 'm'.repeat(20),
      WORKER_METRICS_PORT: '9464',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      AUDIT_RETENTION_DAYS: '400',
    });
    expect(c).toMatchObject({ port: 8080, publicUrl: 'https://dpn.example.org', logFormat: 'json', adminToken: 'a'.repeat(32) });
    expect(c).toMatchObject({
      database: { connectTimeoutMs: 1500, statementTimeoutMs: 60000 },
      rateLimits: { authFailures: 50, decidePerMinute: 120 },
      trustProxy: 1,
      logLevel: 'debug',
      metrics: { token: 'm'.repeat(20), workerPort: 9464 },
      webhookAllowPrivateHosts: true,
      auditRetentionDays: 400,
    });
    expect(loadConfig({ ...base, WORKER_METRICS_PORT: '0' }).metrics.workerPort).toBe(0);
    expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(c.temporal).toEqual({ address: 'temporal:7233', namespace: 'dpn', taskQueue: 'dpn-main' });
  });

  it.each([
    [{ DATABASE_URL: 'localhost:5432' }, 'invalid configuration: DATABASE_URL: must be a URL like postgres://user:password@host:5432/database'],
    [{ DATABASE_URL: 'postgres://localhost' }, 'invalid configuration: DATABASE_URL: must be a URL like postgres://user:password@host:5432/database'],
    [{}, 'invalid configuration: DATABASE_URL: is required'],
    [{ ...base, PORT: '70000' }, 'invalid configuration: PORT: Too big: expected number to be <=65535'],
    [{ ...base, TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'invalid configuration: TEMPORAL_ADDRESS: must be host:port, for example localhost:7233'],
    [{ ...base, SMTP_URL: 'mailpit:1025' }, 'invalid configuration: SMTP_URL: must be a URL like smtp://host:1025 or smtps://user:pass@host:465'],
    [{ ...base, DATABASE_CONNECT_TIMEOUT_MS: '0' }, 'invalid configuration: DATABASE_CONNECT_TIMEOUT_MS: must be a positive number of milliseconds'],
    [{ ...base, RATE_LIMIT_AUTH_FAILURES: '-1' }, 'invalid configuration: RATE_LIMIT_AUTH_FAILURES: must be a positive whole number'],
    [{ ...base, WEBHOOK_ALLOW_PRIVATE_HOSTS: 'yes' }, 'invalid configuration: WEBHOOK_ALLOW_PRIVATE_HOSTS: must be true or false'],
    [{ ...base, METRICS_TOKEN: 'short' }, 'invalid configuration: METRICS_TOKEN: must be at least 16 characters'],
    [{ ...base, AUDIT_RETENTION_DAYS: '-1' }, 'invalid configuration: AUDIT_RETENTION_DAYS: must be 0 (keep every row) or a number of days'],
  ])('stops with one clear line for %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });

  it('treats empty values as unset, and can require the coordinator token', () => {
    expect(loadConfig({ ...base, PORT: '' }).port).toBe(3000);
    expect(() => loadConfig(base, { requireAdminToken: true })).toThrow('ADMIN_TOKEN: is required');
    expect(() => loadConfig({ ...base, ADMIN_TOKEN: 'short' })).toThrow('ADMIN_TOKEN: must be at least 16 characters');
    expect(() => loadConfig(base, { requireLinkSecret: true })).toThrow('LINK_SECRET: is required');
    expect(() => loadConfig({ ...base, LINK_SECRET: 'x'.repeat(31) })).toThrow('LINK_SECRET: must be at least 32 characters');
  });
});
