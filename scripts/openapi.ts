/**
 * The API's OpenAPI document, committed (openapi/dpn.openapi.json), and the web app's client
 * types generated from it (apps/web/src/lib/api/schema.d.ts, openapi-typescript): the app imports
 * only those, so a route or DTO change that breaks the app fails its typecheck.
 *
 *   npm run openapi:generate   rewrite both files from the current controllers and DTOs
 *   npm run check:openapi      fail when either committed file is stale (part of npm test)
 *
 * The document is read from the controllers in Nest's preview mode: no database, no Temporal.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { PROJECT_ROOT } from '@app/temporal';
import { AppModule } from '../apps/api/src/app.module';
import { openApiConfig } from '../apps/api/src/app.setup';

export const SPEC_FILE = join(PROJECT_ROOT, 'openapi', 'dpn.openapi.json');
export const CLIENT_FILE = join(PROJECT_ROOT, 'apps', 'web', 'src', 'lib', 'api', 'schema.d.ts');

async function document(): Promise<string> {
  // Placeholders: nothing connects in preview mode; the config only has to be valid.
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://openapi:openapi@127.0.0.1:1/openapi',
    ADMIN_TOKEN: 'openapi-document-only-token',
    LINK_SECRET: 'openapi-document-only-link-secret-0123456789',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false });
  const doc = SwaggerModule.createDocument(app, openApiConfig());
  await app.close();
  return JSON.stringify(doc, null, 2) + '\n';
}

function clientTypes(specFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpn-openapi-'));
  try {
    const out = join(dir, 'schema.d.ts');
    execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'openapi-typescript'), [specFile, '--output', out, '--root-types', '--alphabetize'], { stdio: ['ignore', 'ignore', 'inherit'] });
    return `// Generated from openapi/dpn.openapi.json by \`npm run openapi:generate\`: do not edit.\n${readFileSync(out, 'utf8')}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const read = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const spec = await document();
  if (!check) {
    writeFileSync(SPEC_FILE, spec);
    writeFileSync(CLIENT_FILE, clientTypes(SPEC_FILE));
    process.stdout.write(`openapi: wrote ${SPEC_FILE} and ${CLIENT_FILE}\n`);
    return;
  }
  const stale: string[] = [];
  if (read(SPEC_FILE) !== spec) stale.push('openapi/dpn.openapi.json');
  const dir = mkdtempSync(join(tmpdir(), 'dpn-openapi-spec-'));
  try {
    const fresh = join(dir, 'spec.json');
    writeFileSync(fresh, spec);
    if (read(CLIENT_FILE) !== clientTypes(fresh)) stale.push('apps/web/src/lib/api/schema.d.ts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (stale.length) {
    process.stderr.write(`openapi: ${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: the API changed. Run \`npm run openapi:generate\`, review the diff and commit it.\n`);
    process.exit(1);
  }
  process.stdout.write('openapi: the committed spec and the web client types match the API\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`openapi: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
