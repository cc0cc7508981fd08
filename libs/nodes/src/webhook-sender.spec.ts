import { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import { loadConfig } from '@app/config';
import { NodeEntity, NodesRepository } from '@app/db';
import { strictMock } from '../../../test/support/strict-mock';
import { parseRetryAfter, WebhookSender } from './webhook-sender.service';
import { verifyWebhook } from './webhook-signature';

// Log lines of the code under test are not what these tests check.
beforeAll(() => Logger.overrideLogger(false));

describe('Retry-After', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('reads seconds and HTTP dates, caps them at a day, and ignores nonsense', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('999999', now)).toBe(24 * 3_600_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBeNull(); // in the past
  });
});

describe('WebhookSender.deliver (a real local receiver; the node registry mocked strictly)', () => {
  const SECRET = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
  const OLD = `whsec_${Buffer.from('b'.repeat(32)).toString('base64')}`;
  let answer: { status: number; headers?: Record<string, string> } = { status: 204 };
  let last: { body: string; headers: Record<string, string | string[] | undefined> } | null = null;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      last = { body, headers: req.headers };
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const setup = (node: Partial<NodeEntity> = {}) => {
    const nodes = strictMock<NodesRepository>();
    nodes.withSecrets.mockResolvedValue(Object.assign(new NodeEntity(), { id: 'n1', webhookUrl: url, webhookSecret: SECRET, previousWebhookSecret: null, previousSecretExpiresAt: null, webhookDisabledAt: null, ...node }));
    nodes.recordAttempt.mockResolvedValue();
    const sender = new WebhookSender(nodes, loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' }));
    return { nodes, sender };
  };

  it('signs with the current secret and, until it expires, the previous one; records the attempt', async () => {
    const s = setup({ previousWebhookSecret: OLD, previousSecretExpiresAt: new Date(Date.now() + 60_000) });
    answer = { status: 204 };
    const r = await s.sender.deliver('n1', { id: 'evt_1', type: 'node.ping', data: { nodeId: 'n1' } }, 3);
    expect(r).toMatchObject({ outcome: 'delivered', statusCode: 204, error: null });
    expect(verifyWebhook([SECRET], last!.body, last!.headers)).toMatchObject({ type: 'node.ping', data: { nodeId: 'n1' } });
    expect(verifyWebhook([OLD], last!.body, last!.headers)).toMatchObject({ type: 'node.ping' });
    expect(s.nodes.recordAttempt).toHaveBeenCalledWith(expect.objectContaining({ nodeId: 'n1', eventId: 'evt_1', eventType: 'node.ping', attempt: 3, url, statusCode: 204, outcome: 'delivered', error: null }));
  });

  it('a delivery to an endpoint disabled by a 410 re-enables it; a 410 disables it', async () => {
    const s = setup({ webhookDisabledAt: new Date() });
    s.nodes.enableWebhook.mockResolvedValue();
    answer = { status: 200 };
    await s.sender.deliver('n1', { id: 'evt_2', type: 'node.ping', data: {} });
    expect(s.nodes.enableWebhook).toHaveBeenCalledWith('n1');
    const gone = setup();
    gone.nodes.disableWebhook.mockResolvedValue();
    answer = { status: 410 };
    await expect(gone.sender.deliver('n1', { id: 'evt_3', type: 'job.offered', data: {} })).resolves.toMatchObject({ outcome: 'gone' });
    expect(gone.nodes.disableWebhook).toHaveBeenCalledWith('n1', '410 Gone on job.offered evt_3');
  });

  it('classifies the answer for the retry policy: 503 with Retry-After retries; 404 and a redirect are refused', async () => {
    const s = setup();
    answer = { status: 503, headers: { 'retry-after': '7' } };
    await expect(s.sender.deliver('n1', { id: 'e', type: 't', data: {} })).resolves.toMatchObject({ outcome: 'retry', retryAfterMs: 7000 });
    answer = { status: 404 };
    await expect(s.sender.deliver('n1', { id: 'e', type: 't', data: {} })).resolves.toMatchObject({ outcome: 'rejected', error: 'HTTP 404' });
    answer = { status: 302, headers: { location: 'http://elsewhere.example/' } };
    await expect(s.sender.deliver('n1', { id: 'e', type: 't', data: {} })).resolves.toMatchObject({ outcome: 'rejected', error: 'HTTP 302 (redirects are not followed)' });
  });
});
