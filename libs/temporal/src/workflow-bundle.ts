import { resolve } from 'node:path';
import { PROJECT_ROOT } from './binaries';

/**
 * The workflow code the worker loads: `workflows/index.ts` from source (bundled at start-up),
 * unless a prebuilt bundle is given (production: `npm run bundle:workflows`, WORKFLOW_BUNDLE_PATH).
 * Replay tests use the same entry so they check exactly the code the worker runs.
 */
export const WORKFLOWS_ENTRY = resolve(PROJECT_ROOT, 'workflows', 'index.ts');
