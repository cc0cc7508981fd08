import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * For looking at pages a browser test walks through: with DPN_SCREENSHOTS=<dir>, saves the page
 * at 1280 and 375 px wide as <dir>/<name>-<width>.png; without it, does nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DPN_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  const size = page.viewportSize();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300); // charts measure their box again after a resize
    await page.screenshot({ path: join(dir, `${name}-${width}.png`), fullPage: true });
  }
  if (size) await page.setViewportSize(size);
}
