import { resolve } from 'node:path';
import { PROJECT_ROOT } from './binaries';

/**
 * The workflow code the worker loads: `workflows/index.ts` from source (bundled at start-up),
 * unless a prebuilt bundle is given (production: `npm run bundle:workflows`, WORKFLOW_BUNDLE_PATH).
 * Replay tests use the same entry so they check exactly the code the worker runs.
 */
export const WORKFLOWS_ENTRY = resolve(PROJECT_ROOT, 'workflows', 'index.ts');

/**
 * The workflow interceptors bundled with the workflows (request ids into workflow log lines and on
 * to activities and children). The worker, `npm run bundle:workflows` and the replay test use it.
 */
export const WORKFLOW_INTERCEPTORS = resolve(PROJECT_ROOT, 'workflows', 'interceptors.ts');
