import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { MISSING_TEMPORAL_HINT, temporalTestServerExecutable } from '@app/temporal';

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
