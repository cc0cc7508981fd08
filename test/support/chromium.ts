import type { INestApplication } from '@nestjs/common';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';

/**
 * The Chromium executable for browser tests: CHROMIUM_PATH, else Debian's package
 * (`apt-get install chromium`; scripts/ensure-chromium.sh does it under CI). Playwright never
 * downloads a browser here: playwright-core is given this path.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/**
 * `describe` for a browser spec when Chromium is here; otherwise `describe.skip`, with a note on
 * stderr. Under CI a missing Chromium fails the file instead (scripts/ensure-chromium.sh installs it).
 */
export function describeInChromium(spec: string): jest.Describe {
  if (chromiumPath()) return describe;
  if (process.env.CI) throw new Error('Chromium is required under CI: scripts/ensure-chromium.sh installs it');
  process.stderr.write(`${spec}: Chromium not found, skipped (sudo apt-get install chromium, or set CHROMIUM_PATH)\n`);
  return describe.skip;
}

/** Headless Chromium for a browser spec (close it in the file's afterAll). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}

/** Serves the API of a test system on a free local port: its base URL, for the browser. */
export async function serveLocally(api: INestApplication): Promise<string> {
  await api.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
}
