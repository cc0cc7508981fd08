import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '@app/config';
import { collectProcessMetrics, metricsAccess, registry } from '@app/observability';
import { temporalSdkMetricsUrl } from './temporal-runtime';

/**
 * The worker's Prometheus endpoint, `GET /metrics` on `WORKER_METRICS_PORT` (off when unset): the
 * worker's own metrics (webhooks, mail, ledger, Temporal client calls, the Node process) followed
 * by the Temporal SDK's worker and client metrics, read from the SDK's loopback exporter. The
 * same access rule as the API's `/metrics` (METRICS_TOKEN, or inside the network only).
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /** The port it listens on (useful with WORKER_METRICS_PORT=0), if it does. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.workerPort;
    if (port === undefined) return;
    collectProcessMetrics();
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, () => resolve()));
    this.server = server;
    this.logger.log(`metrics at http://localhost:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the worker serves GET /metrics only\n');
      return;
    }
    const access = metricsAccess(req, this.config.metrics.token);
    if (access !== 'allowed') {
      res.writeHead(access === 'unauthorized' ? 401 : 403, { 'content-type': 'text/plain' }).end(access === 'unauthorized' ? 'a bearer token (METRICS_TOKEN) is required\n' : 'metrics are served inside the network only (or set METRICS_TOKEN)\n');
      return;
    }
    try {
      const own = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(own + (await this.sdkMetrics()));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  private async sdkMetrics(): Promise<string> {
    const url = temporalSdkMetricsUrl();
    if (!url) return '';
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? `\n${await res.text()}` : `\n# the Temporal SDK's metrics answered ${res.status}\n`;
    } catch (err) {
      return `\n# the Temporal SDK's metrics are unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }
}
