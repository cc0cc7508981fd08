import type { LoggerService } from '@nestjs/common';
import { Runtime } from '@temporalio/worker';
import { createServer } from 'node:net';
import { TemporalLogAdapter } from '@app/observability';

let sdkMetricsUrl: string | undefined;

/** Where the Temporal SDK serves its own metrics in this process (loopback only), if it does. */
export function temporalSdkMetricsUrl(): string | undefined {
  return sdkMetricsUrl;
}

async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Installs the process-wide Temporal runtime of the worker: every log line of the SDK (workflow
 * `log`, activity `log`, the worker's and the native core's own) goes through the app's logger,
 * and with `sdkMetrics` the SDK exports its worker and client metrics (`temporal_*`: task slots,
 * poll and schedule-to-start latencies, activity and workflow outcomes, gRPC requests) in
 * Prometheus format on a loopback port, which the worker's metrics endpoint serves along with its
 * own. Call once, before any Temporal connection or worker is created.
 */
export async function installTemporalRuntime(opts: { logger: LoggerService; sdkMetrics: boolean }): Promise<void> {
  const port = opts.sdkMetrics ? await freeLoopbackPort() : undefined;
  Runtime.install({
    logger: new TemporalLogAdapter(opts.logger),
    telemetryOptions: {
      // The native core's own lines too (WARN and up), instead of its separate console output.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(port !== undefined
        ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } }
        : {}),
    },
  });
  sdkMetricsUrl = port !== undefined ? `http://127.0.0.1:${port}/metrics` : undefined;
}
