import type { IncomingMessage } from 'node:http';
import { metricsAccess } from './metrics-access';

const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('metricsAccess', () => {
  it('without a token: scrapers inside the network, not through a proxy', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '172.18.0.5', '192.168.1.9', 'fd00::1', 'fe80::1']) expect(metricsAccess(req(a), undefined)).toBe('allowed');
    for (const a of ['203.0.113.9', '8.8.8.8', '2001:db8::1', '::ffff:8.8.8.8', '172.32.0.1', '']) expect(metricsAccess(req(a), undefined)).toBe('forbidden');
    for (const h of ['x-forwarded-for', 'forwarded', 'x-real-ip']) expect(metricsAccess(req('10.0.0.2', { [h]: '203.0.113.9' }), undefined)).toBe('forbidden');
  });

  it('with a token: whoever sends it, from anywhere', () => {
    const token = 'metrics-token-0123456789';
    expect(metricsAccess(req('203.0.113.9', { authorization: `Bearer ${token}` }), token)).toBe('allowed');
    expect(metricsAccess(req('127.0.0.1'), token)).toBe('unauthorized');
    expect(metricsAccess(req('127.0.0.1', { authorization: `Bearer ${token}x` }), token)).toBe('unauthorized');
    expect(metricsAccess(req('127.0.0.1', { authorization: token }), token)).toBe('unauthorized');
  });
});
