/**
 * Production build of the workflow code: `npm run bundle:workflows` writes dist/workflow-bundle.js,
 * which the worker loads when WORKFLOW_BUNDLE_PATH points at it (no bundling at start-up).
 * Exits non-zero on any bundling error.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, WORKFLOW_INTERCEPTORS, WORKFLOWS_ENTRY } from '@app/temporal';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS] });
  const out = join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
  await mkdir(join(PROJECT_ROOT, 'dist'), { recursive: true });
  await writeFile(out, code);
  process.stdout.write(`workflow bundle written: ${out} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle:workflows failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
