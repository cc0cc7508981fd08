import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, Runtime, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MISSING_TEMPORAL_HINT, temporalTestServerExecutable, WORKFLOWS_ENTRY } from '@app/temporal';

/**
 * Keeps the SDK's INFO/WARN chatter (bundle stats, expected retries and nondeterminism reports)
 * out of the test output. The native runtime is process-wide and installed once.
 */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    /* already installed by an earlier test file in this process */
  }
}
quietTemporalRuntime();

/**
 * The time-skipping test server from tools/bin (installed from PyPI by `npm ci`), or from
 * TEMPORAL_TEST_SERVER_PATH; the SDK's download only when neither exists.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = temporalTestServerExecutable();
  try {
    return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  } catch (err) {
    if (executable.type === 'existing-path') throw err;
    throw new Error(`${MISSING_TEMPORAL_HINT} (download failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}

/**
 * The usual frame of a workflow test file: one time-skipping server and one workflow bundle for
 * the file (beforeAll), torn down after it. Read the fields inside tests, not at module load.
 */
export function useTimeSkipping(): { env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap } {
  const ctx = {} as { env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap };
  beforeAll(async () => {
    ctx.env = await createTimeSkippingEnv();
    ctx.bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  });
  afterAll(async () => {
    await ctx.env?.teardown();
  });
  return ctx;
}

/** The typed failure an update was refused with (fails the test if it was not refused). */
export async function updateRefusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Stubs of the decision activities for workflows that start a decision as a child. */
export const quietDecisionActivities = {
  openDecision: async () => undefined,
  recordDecisionAnswer: async () => undefined,
  closeDecision: async () => undefined,
  sendDecisionMail: async () => 'queued' as const,
};

/**
 * With DPN_RECORD_HISTORIES=1, saves the histories of the given workflows as replay files
 * (test/replay/histories/<type>/<scenario>.json); otherwise does nothing. Run the test that
 * produced them with the variable set to refresh the files after a deliberate change.
 */
export async function recordHistoriesIfAsked(client: Client, runs: Array<{ workflowId: string; runId?: string; scenario: string }>): Promise<void> {
  if (!process.env.DPN_RECORD_HISTORIES) return;
  for (const { workflowId, runId, scenario } of runs) {
    // Without a run id: the latest run (of a workflow that continued as new, the last one).
    const handle = client.workflow.getHandle(workflowId, runId);
    const { type } = await handle.describe();
    const history = await handle.fetchHistory();
    const dir = join(__dirname, '..', 'replay', 'histories', type);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${scenario}.json`), JSON.stringify(JSON.parse(historyToJSON(history)), null, 2) + '\n');
  }
}
