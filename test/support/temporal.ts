import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { temporalTestServerExecutable } from '@app/temporal';

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
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: temporalTestServerExecutable() } });
}
