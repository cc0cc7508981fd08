import { existsSync } from 'node:fs';

/**
 * The Chromium executable for browser tests: CHROMIUM_PATH, else Debian's package
 * (`apt-get install chromium`; scripts/ensure-chromium.sh does it under CI). Playwright never
 * downloads a browser here: playwright-core is given this path.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}
