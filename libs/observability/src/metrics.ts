import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of this process (prom-client), served at `GET /metrics` by the API and
 * on `WORKER_METRICS_PORT` by the worker (with the Temporal SDK's own `temporal_*` metrics). Every
 * label is a bounded set written in our code (a route template, an outcome, an event type): never
 * an id, a raw path or anything a client sends, so the series stay few and no secret leaks.
 */
export const registry = new Registry();

let processMetrics = false;
/** Node's process metrics (CPU, memory, event-loop lag, GC) as `process_*` and `nodejs_*`. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  /** Every HTTP answer of the API, by method, route template (`/admin/projects/:id`) and status. */
  http: new Histogram({
    name: 'dpn_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code, and how long they took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  /** Every call of this process's Temporal client (start, update, signal, query...). */
  temporalClient: new Histogram({
    name: 'dpn_temporal_client_request_duration_seconds',
    help: 'Workflow calls of the Temporal client by operation and outcome (ok, error, unavailable), and how long they took',
    labelNames: ['operation', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  /** Every webhook attempt recorded in webhook_attempts. */
  webhookAttempts: new Counter({
    name: 'dpn_webhook_attempts_total',
    help: 'Webhook attempts to nodes by event type and outcome (delivered, retry, rejected, gone, blocked, skipped)',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  }),
  webhookDuration: new Histogram({
    name: 'dpn_webhook_attempt_duration_seconds',
    help: 'How long a node took to answer a webhook, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
  mailSent: new Counter({ name: 'dpn_mail_sent_total', help: 'Emails the mail relay handed to SMTP', registers: [registry] }),
  mailFailed: new Counter({
    name: 'dpn_mail_failed_total',
    help: 'Email attempts that failed: retry (a temporary failure, tried again later), server-down (the SMTP server unreachable; the relay pauses), rejected (refused for good), expired (given up after 12 hours)',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  ledgerPostings: new Counter({
    name: 'dpn_ledger_postings_total',
    help: 'Ledger postings by kind and outcome (posted, replayed: the same idempotency key again, refused: by a ledger rule)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  }),
};
