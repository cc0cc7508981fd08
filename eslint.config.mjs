// Lint rules that guard the architecture, after money-transfer-project-template-ts's .eslintrc.js:
// workflow code must stay deterministic and sandbox-safe, and no promise may float.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https',
  'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

// The data layer: only repositories in libs/db reach PostgreSQL (docs/architecture.md, "Layers").
const DATA_LAYER_MESSAGE = 'Reach PostgreSQL through a repository in libs/db (inject it), never a DataSource, EntityManager or SQL here.';
const dataLayerImports = (allowTypeImports) => [
  'error',
  {
    paths: [
      { name: 'typeorm', importNames: ['DataSource', 'EntityManager', 'Repository', 'QueryRunner', 'SelectQueryBuilder'], message: DATA_LAYER_MESSAGE, allowTypeImports },
      { name: '@nestjs/typeorm', importNames: ['InjectDataSource', 'InjectRepository', 'InjectEntityManager', 'TypeOrmModule'], message: DATA_LAYER_MESSAGE },
    ],
  },
];
const DATA_LAYER_SYNTAX = [
  'error',
  // SQL text handed to `.query(…)` (a Temporal handle's `.query(definition)` is not SQL and stays allowed).
  { selector: "CallExpression[callee.property.name='query'][arguments.0.type=/^(Literal|TemplateLiteral)$/]", message: DATA_LAYER_MESSAGE },
  { selector: "MemberExpression[property.name=/^(createQueryBuilder|getRepository|manager)$/]", message: DATA_LAYER_MESSAGE },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tools/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    // The web app: the rules of hooks (React's own lint plugin).
    files: ['apps/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // Services, guards, controllers and activities depend on repositories (libs/db), never on the database itself.
    // Everything in apps/ and libs/ but libs/db (the repositories), libs/mail (below) and libs/dev-stack
    // (it starts the embedded PostgreSQL server for dev and tests, creating its database).
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/db/**', 'libs/mail/**', 'libs/dev-stack/**'],
    rules: { '@typescript-eslint/no-restricted-imports': dataLayerImports(false), 'no-restricted-syntax': DATA_LAYER_SYNTAX },
  },
  {
    // The mail outbox queues in the caller's transaction when given one: it may name the EntityManager type (never use it).
    files: ['libs/mail/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': dataLayerImports(true), 'no-restricted-syntax': DATA_LAYER_SYNTAX },
  },
  {
    // The workflow sandbox (and the pure contracts and domain rules it imports): no Node, no Nest, no I/O libraries.
    files: ['workflows/**/*.ts', 'libs/contracts/**/*.ts', 'libs/domain/**/*.ts', 'test/replay/fixtures/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((name) => [
            { name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.', allowTypeImports: true },
            { name: `node:${name}`, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.', allowTypeImports: true },
          ]),
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'nodemailer', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@app/*'],
              message: 'Workflow code may import only @temporalio/workflow, files inside workflows/ and pure contracts (relative paths); other modules by `import type` only.',
              allowTypeImports: true,
            },
            {
              group: ['**/apps/**'],
              message: 'Import activity classes by `import type` only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
