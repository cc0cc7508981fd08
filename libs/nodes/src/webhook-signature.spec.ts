import { randomBytes } from 'node:crypto';
import { signWebhook, verifyWebhook, WebhookVerificationError } from './webhook-signature';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ type: 'node.ping', timestamp: '2026-11-21T12:00:00.000Z', data: { nodeId: 'n-1' } });

describe('Standard Webhooks signatures', () => {
  it('signs id.timestamp.body so that the receiver verifies it', () => {
    const s = secret();
    const headers = signWebhook([s], 'evt_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyWebhook([s], body, headers)).toEqual(JSON.parse(body));
  });

  it('refuses a tampered body, another secret, a stale or a future timestamp', () => {
    const s = secret();
    const headers = signWebhook([s], 'evt_2', new Date(), body);
    expect(() => verifyWebhook([s], body.replace('n-1', 'n-2'), headers)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook([secret()], body, headers)).toThrow(WebhookVerificationError);
    const stale = signWebhook([s], 'evt_3', new Date(Date.now() - 6 * 60_000), body);
    expect(() => verifyWebhook([s], body, stale)).toThrow(/timestamp/i);
    const future = signWebhook([s], 'evt_4', new Date(Date.now() + 6 * 60_000), body);
    expect(() => verifyWebhook([s], body, future)).toThrow(/timestamp/i);
    // Within the ±5 minute tolerance both ways is fine.
    expect(verifyWebhook([s], body, signWebhook([s], 'evt_5', new Date(Date.now() - 4 * 60_000), body))).toBeDefined();
    expect(verifyWebhook([s], body, signWebhook([s], 'evt_6', new Date(Date.now() + 4 * 60_000), body))).toBeDefined();
  });

  it('during a rotation carries one signature per secret, and either secret verifies', () => {
    const [current, previous] = [secret(), secret()];
    const headers = signWebhook([current, previous], 'evt_7', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook([previous], body, headers)).toBeDefined(); // a node not yet rotated
    expect(verifyWebhook([current], body, headers)).toBeDefined(); // a node already rotated
  });

  it('refuses a delivery without its headers', () => {
    expect(() => verifyWebhook([secret()], body, {})).toThrow(WebhookVerificationError);
  });
});
