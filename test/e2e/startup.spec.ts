/** Start-up of the real process entry points (compiled, as `npm run dev` and Docker run them). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const run = (script: string, env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', script)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('configuration errors stop a process with one clear line', () => {
  it.each([
    ['apps/api/src/main.js', { DATABASE_URL: 'not a url', ADMIN_TOKEN: 'x'.repeat(20) }, /^api: invalid configuration: DATABASE_URL: must be a URL like postgres:/],
    ['apps/api/src/main.js', { DATABASE_URL: 'postgres://u:p@localhost:5432/dpn' }, /^api: invalid configuration: ADMIN_TOKEN: is required/],
    ['apps/api/src/main.js', { DATABASE_URL: 'postgres://u:p@localhost:5432/dpn', ADMIN_TOKEN: 'short' }, /^api: invalid configuration: ADMIN_TOKEN: must be at least 16 characters/],
    ['apps/worker/src/main.js', { DATABASE_URL: 'postgres://u:p@localhost:5432/dpn', TEMPORAL_ADDRESS: 'http://x' }, /^worker: invalid configuration: TEMPORAL_ADDRESS: must be host:port/],
    ['apps/worker/src/main.js', {}, /^worker: invalid configuration: DATABASE_URL: is required/],
    ['scripts/migrate.js', { DATABASE_URL: 'mysql://localhost/dpn' }, /^migrate: invalid configuration: DATABASE_URL/],
  ])('%s with %j', (script, env, expected) => {
    const res = run(script, env);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr.trim()).toMatch(expected);
  });
});
