/**
 * Standard Webhooks (https://www.standardwebhooks.com) signatures, through the reference library
 * `standardwebhooks`: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * = `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret, space-separated, so a node
 * in the middle of a secret rotation accepts either. Verification allows ±5 minutes of clock skew
 * and compares in constant time (the library's `timingSafeEqual`).
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/** Headers for one delivery, signed with every secret given (current first, then the previous). */
export function signWebhook(secrets: string[], id: string, timestamp: Date, body: string): WebhookHeaders {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, timestamp, body)).join(' '),
  };
}

/**
 * Checks a delivery against any of the secrets; returns the parsed body. Throws
 * `WebhookVerificationError` for a missing header, a stale or future timestamp (beyond ±5 min) or
 * a signature that matches no secret.
 */
export function verifyWebhook(secrets: string[], body: string, headers: Record<string, string | string[] | undefined>): unknown {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(' ') : v;
  let last: unknown = new WebhookVerificationError('no secret');
  for (const secret of secrets) {
    try {
      return new Webhook(secret).verify(body, flat);
    } catch (err) {
      last = err;
      // A stale timestamp fails the same way for every secret: no point trying the others.
      if (err instanceof WebhookVerificationError && /timestamp/i.test(err.message)) throw err;
    }
  }
  throw last;
}

export { WebhookVerificationError };
