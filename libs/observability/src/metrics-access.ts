import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Loopback, private (RFC 1918, unique local) and link-local addresses: inside the network. */
const INSIDE = new BlockList();
for (const [net, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) INSIDE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) INSIDE.addSubnet(net, bits, 'ipv6');

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may read `/metrics`. With `METRICS_TOKEN` set: whoever sends it as a bearer token. Without
 * it: a scraper inside the network only, as Prometheus usually is (GitLab and Grafana do the same
 * by default): a connection from a loopback, private or link-local address that did not come
 * through a proxy (no Forwarded / X-Forwarded-For / X-Real-IP header), so a public request relayed
 * by the load balancer in front of the API is refused.
 */
export function metricsAccess(req: IncomingMessage, token: string | undefined): 'allowed' | 'unauthorized' | 'forbidden' {
  if (token) {
    const auth = req.headers.authorization;
    return typeof auth === 'string' && auth.startsWith('Bearer ') && sameSecret(auth.slice(7), token) ? 'allowed' : 'unauthorized';
  }
  if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) return 'forbidden';
  const raw = req.socket.remoteAddress ?? '';
  const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
  const family = isIP(address);
  return family !== 0 && INSIDE.check(address, family === 6 ? 'ipv6' : 'ipv4') ? 'allowed' : 'forbidden';
}
