import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const stack = globalThis.__DPN_TEST_STACK__;
  if (!stack) return;
  await stack.temporal.stop().catch(() => undefined);
  await stack.pg.stop().catch(() => undefined);
  await rm(stack.dir, { recursive: true, force: true });
}
