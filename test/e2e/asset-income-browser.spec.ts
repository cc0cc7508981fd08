/**
 * Output that earns, in a real browser: a coordinator sees an asset's sales and the quarter's
 * income shared among its owners (every owner's amount and why) on the console's asset page; an
 * owner signed in from their email sees their part at /me/holdings, money formatted from minor
 * units. `DPN_SCREENSHOTS=<dir>` saves both pages at 1280 and 375 px.
 */
import { AddressInfo } from 'node:net';
import { Browser, chromium } from 'playwright-core';
import { chromiumPath } from '../support/chromium';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const executablePath = chromiumPath();
if (!executablePath && process.env.CI) throw new Error('Chromium is required under CI: scripts/ensure-chromium.sh installs it');
if (!executablePath) process.stderr.write('asset-income-browser.spec: Chromium not found, skipped (sudo apt-get install chromium, or set CHROMIUM_PATH)\n');

(executablePath ? describe : describe.skip)('output sales and income in the browser', () => {
  const t = useTestSystem({ mail: true });
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await t.sys.api.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.sys.api.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const linkIn = async (email: string, subject: string, pattern: RegExp) => {
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === subject).at(-1), 20_000);
    const link = new URL(pattern.exec(mail.text)![0]);
    return `${base}${link.pathname}${link.hash}`;
  };

  it('the console lists the sales and each owner’s part; the owner sees theirs on the holdings page', async () => {
    const member = async (name: string) => (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.split(' ')[0].toLowerCase()}-ai@example.org` }).expect(201)).body as { id: string; email: string };
    const [ada, bo, olga] = [await member('Ada Berg'), await member('Bo Chen'), await member('Olga Dahl')];
    const gh = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'Greenhouse node', ownerMemberId: olga.id, automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 100, unit: 'm2' }], webhookUrl: 'http://127.0.0.1:9/hook' })
        .expect(201)
    ).body as { id: string };
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({
          name: 'Community greenhouse',
          kind: 'greenhouse',
          identifier: 'GH-AI-1',
          totalParts: '100',
          nodeId: gh.id,
          owners: [
            { memberId: ada.id, parts: '12', outputParts: '12' },
            { memberId: bo.id, parts: '68', outputParts: '58' },
            { memberId: olga.id, parts: '20', outputParts: '30' },
          ],
        })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse', sale: { unitPrice: '450', fixedUnits: 10, unordered: true } };
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', saleCurrency: 'EUR', products: [tomatoes] }).expect(200);
    // 2025-Q1 as the order cycle leaves it: planned, 6 m² unused.
    await t.db.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in, catalogue, capacity, time_zone, plan)
       SELECT $1, '2025-Q1', 'planned', now() - interval '700 days', now() - interval '680 days', now() - interval '670 days', 'database', output_catalogue, 80, 'Europe/Berlin', '{"quarter":"2025-Q1","capacity":80,"capacityByOwner":{},"lines":[],"spare":6}' FROM assets WHERE id = $1`,
      [asset.id],
    );
    const sale = { quarter: '2025-Q1', productId: 'tomatoes', currency: 'EUR' };
    await t.http.post(`/admin/assets/${asset.id}/sales`).set(auth).set('Idempotency-Key', 'b-1').send({ ...sale, quantity: 4, unitPrice: '450', buyer: { name: 'Market stall 4' } }).expect(201);
    await t.http.post(`/admin/assets/${asset.id}/sales`).set(auth).set('Idempotency-Key', 'b-2').send({ ...sale, quantity: 9, unitPrice: '400', buyer: { name: 'Café Linde' } }).expect(201);
    await t.http.post(`/admin/assets/${asset.id}/distributions`).set(auth).send({ quarter: '2025-Q1' }).expect(201);

    // The coordinator's console page of the asset.
    await t.http.post('/admin/coordinators').set(auth).send({ name: 'Vera Lind', email: 'vera-ai@example.org', role: 'viewer' }).expect(201);
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(await linkIn('vera-ai@example.org', 'You are invited to the DPN coordinator console', /https?:\/\/\S+#console-link=[\w.-]+/));
    await page.getByText('Vera Lind · viewer').waitFor();
    await page.goto(`${base}/console/assets/${asset.id}`);
    const sales = page.getByRole('table', { name: 'Sales of its output' });
    await sales.waitFor();
    expect(await sales.getByRole('row').count()).toBe(3);
    expect(await sales.textContent()).toContain('Café Linde');
    expect(await sales.textContent()).toContain('€36.00');
    const income = page.getByRole('region', { name: 'Income of 2025-Q1' });
    expect(await income.getByRole('heading').textContent()).toBe('2025-Q1: €54.00 from 2 sales');
    await income.getByRole('button', { name: 'Show every owner’s amount' }).click();
    const owners = page.getByRole('list', { name: 'Owners’ amounts for 2025-Q1' });
    await owners.waitFor();
    const texts = await owners.getByRole('listitem').allTextContents();
    expect(texts.some((x) => /^Ada Berg: €6\.48/.test(x))).toBe(true);
    expect(texts.some((x) => /^Bo Chen: €31\.32/.test(x))).toBe(true);
    expect(texts.some((x) => /^Olga Dahl: €16\.20/.test(x) && x.includes("10 of them your operator's bonus"))).toBe(true);
    await screenshot(page, 'console-asset-income');
    await context.close();

    // The owner: signed in from the email, their part on the holdings page.
    const memberContext = await browser.newContext({ locale: 'en-GB', viewport: { width: 375, height: 800 } });
    const m = await memberContext.newPage();
    await m.goto(`${base}/signin`);
    await m.getByLabel('Email').fill(ada.email);
    await m.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await m.goto(await linkIn(ada.email, 'Your sign-in link for DPN', /https?:\/\/\S+#link=[\w.-]+/));
    await m.getByRole('button', { name: 'Sign out' }).waitFor();
    await m.goto(`${base}/me/holdings`);
    const mine = m.getByRole('list', { name: 'My income from sales' });
    await mine.waitFor();
    const line = (await mine.getByRole('listitem').allTextContents()).join(' ');
    expect(line).toContain('€6.48 from Community greenhouse, 2025-Q1');
    expect(line).toContain('You hold 12 of the 100 output parts of Community greenhouse (12 %), so you get 6.48 EUR of the 54.00 EUR');
    await screenshot(m, 'holdings-income');
    await memberContext.close();
  });
});
