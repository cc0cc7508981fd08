import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { NodeEntity, WebhookAttemptEntity, WebhookOutcome } from '@app/db';
import { metrics } from '@app/observability';
import { signWebhook } from './webhook-signature';

/** One event for one node. `id` is the `webhook-id`: keep it for every retry of the event. */
export interface WebhookEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface DeliveryResult {
  outcome: WebhookOutcome;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** For `retry`: the delay the node asked for (`Retry-After`), if it did. */
  retryAfterMs: number | null;
}

/** 15 s per attempt: a node that needs longer should answer 202 and work on. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
const RETRYABLE_STATUS = new Set([408, 429]);

/** Loopback, private, link-local, CGNAT and unique-local ranges: never webhook targets in production. */
const PRIVATE = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10], ['0.0.0.0', 8]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::', 128]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

/** Seconds or an HTTP date, as `Retry-After` allows; capped at a day. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 24 * 3_600_000) : null;
}

/**
 * Delivers signed events to a node's webhook URL and records every attempt. It classifies the
 * answer for the caller's retry policy: 2xx delivered; 5xx, 408, 429 (with `Retry-After`) and
 * network errors retry; 410 gone (the endpoint is disabled and its operator should be told);
 * any other 4xx rejected (not retried). In production, URLs that resolve to private or loopback
 * addresses are refused (`WEBHOOK_ALLOW_PRIVATE_HOSTS=true` allows them, e.g. on a LAN).
 */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger(WebhookSender.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async deliver(nodeId: string, event: WebhookEvent, attempt = 1): Promise<DeliveryResult> {
    const node = await this.ds
      .getRepository(NodeEntity)
      .createQueryBuilder('n')
      .addSelect(['n.webhookSecret', 'n.previousWebhookSecret'])
      .where('n.id = :nodeId', { nodeId })
      .getOneOrFail();
    const secrets = [node.webhookSecret];
    if (node.previousWebhookSecret && node.previousSecretExpiresAt && node.previousSecretExpiresAt.getTime() > Date.now()) secrets.push(node.previousWebhookSecret);
    const now = new Date();
    const body = JSON.stringify({ type: event.type, timestamp: now.toISOString(), data: event.data });
    const started = Date.now();
    let result: DeliveryResult;
    const blocked = await this.blockedTarget(node.webhookUrl);
    if (blocked) {
      result = { outcome: 'blocked', statusCode: null, latencyMs: 0, error: blocked, retryAfterMs: null };
    } else {
      try {
        const res = await fetch(node.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'DPN-Webhooks/1', ...signWebhook(secrets, event.id, now, body) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined); // drain, so the connection can be reused
        const latencyMs = Date.now() - started;
        const s = res.status;
        const outcome: WebhookOutcome = s >= 200 && s < 300 ? 'delivered' : s === 410 ? 'gone' : s >= 500 || RETRYABLE_STATUS.has(s) ? 'retry' : 'rejected';
        result = {
          outcome,
          statusCode: s,
          latencyMs,
          error: outcome === 'delivered' ? null : `HTTP ${s}${s >= 300 && s < 400 ? ' (redirects are not followed)' : ''}`,
          retryAfterMs: outcome === 'retry' ? parseRetryAfter(res.headers.get('retry-after')) : null,
        };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
        result = { outcome: 'retry', statusCode: null, latencyMs: Date.now() - started, error: timedOut ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : `${e.cause?.code ?? e.name}: ${e.message}`, retryAfterMs: null };
      }
    }
    await this.ds.getRepository(WebhookAttemptEntity).insert({
      nodeId,
      eventId: event.id,
      eventType: event.type,
      attempt,
      url: node.webhookUrl.slice(0, 300),
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      outcome: result.outcome,
      error: result.error,
    });
    metrics.webhookAttempts.inc({ event_type: event.type, outcome: result.outcome });
    if (result.outcome !== 'blocked') metrics.webhookDuration.observe({ outcome: result.outcome }, result.latencyMs / 1000);
    if (result.outcome === 'gone') {
      await this.ds.getRepository(NodeEntity).update({ id: nodeId }, { webhookDisabledAt: new Date(), webhookDisabledReason: `410 Gone on ${event.type} ${event.id}` });
      this.logger.warn(`node ${nodeId}: webhook endpoint answered 410 Gone; disabled`);
    } else if (result.outcome === 'delivered' && node.webhookDisabledAt) {
      await this.ds.getRepository(NodeEntity).update({ id: nodeId }, { webhookDisabledAt: null, webhookDisabledReason: null });
    }
    return result;
  }

  /**
   * Records an attempt that was not made because the event is no longer current (an offer that
   * closed, a job that ended): the operator sees why nothing arrived.
   */
  async recordSkipped(nodeId: string, event: WebhookEvent, attempt: number, reason: string): Promise<void> {
    const node = await this.ds.getRepository(NodeEntity).findOneByOrFail({ id: nodeId });
    await this.ds.getRepository(WebhookAttemptEntity).insert({
      nodeId,
      eventId: event.id,
      eventType: event.type,
      attempt,
      url: node.webhookUrl.slice(0, 300),
      statusCode: null,
      latencyMs: 0,
      outcome: 'skipped',
      error: `not sent: ${reason}`,
    });
    metrics.webhookAttempts.inc({ event_type: event.type, outcome: 'skipped' });
  }

  /** Why a URL may not be called from here, or null. */
  private async blockedTarget(url: string): Promise<string | null> {
    if (this.config.nodeEnv !== 'production' || this.config.webhookAllowPrivateHosts) return null;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    try {
      const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
      const bad = addresses.find((a) => PRIVATE.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
      return bad ? `${host} resolves to a private or loopback address (${bad.address}); refused` : null;
    } catch (err) {
      void err; // unresolvable: let fetch report the network error (retried)
      return null;
    }
  }
}
