import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { useTestSystem } from './stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: {
    secrets: string[];
    onEvent?: (e: { id: string; type: string; data: Record<string, unknown> }) => number | void;
    answerOffers?: { apiUrl: string; token: string; decide: (e: { data: Record<string, unknown> }) => 'accept' | 'reject' | null };
    answerHandoffs?: {
      apiUrl: string;
      token: string;
      decide: (e: { data: Record<string, unknown> }) => { accepted: true; quantityReceived?: number; note?: string } | { accepted: false; reason: string } | null;
    };
    log?: (l: string) => void;
  }): Server;
};

/**
 * The test system's API on a real port (`api`), for node receivers that call it back, and
 * `listen(server)`, which starts a receiver and answers its webhook URL; every receiver is closed
 * after the file.
 */
export function useNodeReceivers(t: ReturnType<typeof useTestSystem>): { readonly api: string; listen(s: Server): Promise<string> } {
  const servers: Server[] = [];
  let api = '';
  beforeAll(async () => {
    // Longer than the client's idle timeout (4 s), however loaded the machine: a socket the server
    // closes while fetch reuses it would be an ECONNRESET of the test, not of the system.
    t.sys.api.getHttpServer().keepAliveTimeout = 60_000;
    await t.sys.api.listen(0, '127.0.0.1');
    api = `http://127.0.0.1:${(t.sys.api.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
  return {
    get api() {
      return api;
    },
    async listen(s: Server) {
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
    },
  };
}
