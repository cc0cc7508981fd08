/**
 * `npm run screenshots`: the README's pictures of the web app, made from the running demo so they
 * stay true. Start `npm run dev`, run `npm run demo`, then this: it signs in as the demo's member
 * the way a person does (asks for a link, reads it from the mail catcher), opens /me, the round
 * page and the order page in headless Chromium (playwright-core, Debian's browser) and saves
 * docs/screenshots/<page>.png. The node pages sign in as the demo's node operator; the console
 * pages open with the coordinator token (ADMIN_TOKEN, else .data/admin-token).
 *
 *   DPN_API_URL      default http://localhost:$PORT (3000)
 *   DPN_MAIL_UI_URL  default http://localhost:$DPN_MAIL_UI_PORT (8025): the catcher's /api/messages
 *   CHROMIUM_PATH    default /usr/bin/chromium
 *   --out <dir>      where to write (default docs/screenshots)
 *   --pages a,b      any of me, round, orders, holdings, account, projects, project, asset, signin,
 *                    node, node-endpoint, console, console-projects, console-project (the phase
 *                    timeline of the project the demo walked), console-jobs, console-rounds,
 *                    console-ledger, console-assets, console-asset, console-account, console-members,
 *                    console-locations, console-decisions, console-decision, console-mail,
 *                    console-webhooks (default me,round,orders)
 *   --widths 1280,375  one picture per width (<page>.png at the first width, <page>-<width>.png after)
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { PROJECT_ROOT } from '@app/temporal';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};

async function signInLink(apiUrl: string, mailUi: string, email: string): Promise<string> {
  const asked = Date.now();
  const res = await fetch(`${apiUrl}/session/sign-in-links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  if (res.status !== 202) throw new Error(`asking for a sign-in link: HTTP ${res.status}`);
  for (let i = 0; i < 60; i++) {
    const list = (await (await fetch(`${mailUi}/api/messages`)).json()) as Array<{ to: string[]; subject: string; text: string; receivedAt: string }>;
    const mail = list.find((m) => m.to.includes(email) && m.subject === 'Your sign-in link for DPN' && Date.parse(m.receivedAt) >= asked - 1000);
    const link = mail && /https?:\/\/\S+#link=[\w.-]+/.exec(mail.text)?.[0];
    if (link) {
      const u = new URL(link);
      return `${apiUrl}${u.pathname}${u.hash}`;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no sign-in mail to ${email} at ${mailUi} within 30 s`);
}

async function main(): Promise<void> {
  const apiUrl = (process.env.DPN_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const mailUi = (process.env.DPN_MAIL_UI_URL ?? `http://localhost:${process.env.DPN_MAIL_UI_PORT ?? 8025}`).replace(/\/$/, '');
  const dataDir = resolve(process.env.DPN_DATA_DIR ?? join(PROJECT_ROOT, '.data'));
  const out = resolve(arg('out', join(PROJECT_ROOT, 'docs', 'screenshots')));
  const pages = arg('pages', 'me,round,orders').split(',');
  const widths = arg('widths', '1280').split(',').map(Number);
  const demo = JSON.parse(await readFile(join(dataDir, 'demo.json'), 'utf8').catch(() => 'null')) as {
    email: string;
    roundId: string;
    assetId: string;
    projectId: string;
    /** The project the demo walked through every phase (older demo.json files lack it). */
    walkedProjectId?: string;
    operator?: { email: string; nodeId: string };
  } | null;
  if (!demo) throw new Error(`no ${join(dataDir, 'demo.json')}: run \`npm run demo\` first (with \`npm run dev\` running)`);
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
  await mkdir(out, { recursive: true });

  const urls: Record<string, string> = {
    me: '/me',
    round: `/rounds/${demo.roundId}`,
    orders: `/assets/${demo.assetId}/orders`,
    holdings: '/me/holdings',
    account: '/me/account',
    projects: '/projects',
    project: `/projects/${demo.projectId}`,
    asset: `/assets/${demo.assetId}`,
    signin: '/signin',
    node: `/node/${demo.operator?.nodeId ?? ''}`,
    'node-endpoint': `/node/${demo.operator?.nodeId ?? ''}/endpoint`,
    console: '/console',
    'console-projects': '/console/projects',
    'console-project': `/console/projects/${demo.walkedProjectId ?? demo.projectId}`,
    'console-jobs': '/console/jobs',
    'console-rounds': '/console/rounds',
    'console-ledger': '/console/ledger',
    'console-assets': '/console/assets',
    'console-asset': `/console/assets/${demo.assetId}`,
    'console-members': '/console/members',
    'console-locations': '/console/locations',
    'console-decisions': '/console/decisions',
    'console-mail': '/console/mail',
    'console-webhooks': '/console/webhooks',
  };
  // Who each page is seen by: the member, the node's operator, or the coordinator (console).
  const viewer = (name: string) => (name.startsWith('console') ? 'coordinator' : name.startsWith('node') ? 'operator' : 'member');
  if (pages.some((p) => viewer(p) === 'operator') && !demo.operator) throw new Error('demo.json names no node operator: run `npm run demo` again');
  const adminToken = process.env.ADMIN_TOKEN ?? (await readFile(join(dataDir, 'admin-token'), 'utf8').catch(() => '')).trim();
  if (pages.some((p) => viewer(p) === 'coordinator') && !adminToken) throw new Error('no coordinator token: set ADMIN_TOKEN');
  // Pages of one record the demo does not name: the demo member's account, the newest decision.
  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  if (pages.includes('console-account')) {
    const [member] = (await admin<{ items: Array<{ id: string; email: string }> }>(`/admin/console/members?q=${encodeURIComponent(demo.email)}`)).items;
    const accounts = (await admin<{ items: Array<{ id: string; ownerId: string }> }>('/admin/console/ledger/accounts?kind=member&limit=100')).items;
    const account = accounts.find((a) => a.ownerId === member?.id);
    if (!account) throw new Error(`no ledger account of ${demo.email}`);
    urls['console-account'] = `/console/ledger/${account.id}`;
  }
  if (pages.includes('console-decision')) {
    const [decision] = (await admin<{ items: Array<{ id: string }> }>('/admin/console/decisions?limit=1')).items;
    if (!decision) throw new Error('the demo has no decision yet');
    urls['console-decision'] = `/console/decisions/${decision.id}`;
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    for (const who of ['member', 'operator', 'coordinator'] as const) {
      const mine = pages.filter((p) => viewer(p) === who);
      if (!mine.length) continue;
      const context = await browser.newContext({ viewport: { width: widths[0], height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
      const page = await context.newPage();
      if (who === 'coordinator') {
        // The console keeps the bootstrap token in sessionStorage (apps/web/src/features/console/admin-token.ts).
        await context.addInitScript({ content: `sessionStorage.setItem('dpn.console.bootstrapToken', ${JSON.stringify(adminToken)});` });
      } else {
        await page.goto(await signInLink(apiUrl, mailUi, who === 'operator' ? demo.operator!.email : demo.email));
        await page.getByRole('link', { name: 'Sign out' }).or(page.getByRole('button', { name: 'Sign out' })).first().waitFor();
      }
      for (const width of widths) {
        await page.setViewportSize({ width, height: 900 });
        for (const name of mine) {
          await page.goto(`${apiUrl}${urls[name]}`);
          await page.locator('main h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          const file = join(out, width === widths[0] ? `${name}.png` : `${name}-${width}.png`);
          await page.screenshot({ path: file, fullPage: true });
          process.stdout.write(`screenshots: ${file}\n`);
        }
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
