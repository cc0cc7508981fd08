import { Connection } from '@temporalio/client';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until a Temporal frontend answers at `address`, or throws after `timeoutMs`. */
export async function waitForTemporal(address: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        await conn.withDeadline(Date.now() + 2000, () => conn.workflowService.getSystemInfo({}));
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await sleep(300);
    }
  }
  throw new Error(`Temporal at ${address} did not become ready in ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
