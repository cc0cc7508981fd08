/**
 * Statements and receipts in a real browser (Debian's Chromium, playwright-core) against the real
 * stack: a priced job is paid to a node's owner; she signs in from the emailed link and finds the
 * pay in words on My account and on the node's Statement page, with a running balance and a period
 * to choose; a Receipt link beside the paid job opens the printable receipt. A coordinator finds
 * the project's statement on its console page.
 *
 * DPN_SCREENSHOTS=<dir> also saves each page at 1280 and 375 px wide (to look at them).
 */
import { Browser, chromium } from 'playwright-core';
import { chromiumPath } from '../support/chromium';
import { linkIn } from '../support/mail';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const executablePath = chromiumPath();
if (!executablePath && process.env.CI) throw new Error('Chromium is required under CI: scripts/ensure-chromium.sh installs it');
if (!executablePath) process.stderr.write('statements-browser.spec: Chromium not found, skipped (sudo apt-get install chromium, or set CHROMIUM_PATH)\n');
(executablePath ? describe : describe.skip)('statements and receipts in a real browser', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // The API already listens on a real port for the node's receiver: the browser uses it too.
    base = receivers.api;
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the node owner’s statement and receipt, the member’s account, the project’s statement in the console', async () => {
    const member = async (name: string, email: string) => (await t.http.post('/admin/members').set(auth).send({ name, email }).expect(201)).body as { id: string; email: string };
    const olga = await member('Olga Brandt', 'olga-st@example.org');
    const bea = await member('Bea Lind', 'bea-st@example.org');
    const rita = await member('Rita Okafor', 'rita-st@example.org');
    const node = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'Olga’s bending bench', ownerMemberId: olga.id, automationLevel: 'conventional', capabilities: [{ function: 'sheet-bending', capacity: 40, unit: 'parts/week' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body as { id: string; webhookSecret: string };
    const nodeToken = (await t.http.post(`/admin/nodes/${node.id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const receiver = createReceiver({ secrets: [node.webhookSecret], onEvent: () => undefined, answerOffers: { apiUrl: receivers.api, token: nodeToken, decide: () => 'accept' }, log: () => undefined });
    await t.http.patch(`/admin/nodes/${node.id}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);

    // Money: Bea funds the project; Olga has a deposit of her own before she is paid.
    for (const [m, amount] of [[bea, '150000'], [olga, '2500']] as const) {
      await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `sb-${m.id}`).send({ memberId: m.id, amount, currency: 'EUR' }).expect(201);
    }
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed-starting rack' }).expect(201)).body as { id: string };
    await t.http
      .post('/admin/ledger/transfers')
      .set(auth)
      .set('Idempotency-Key', `sb-fund-${project.id}`)
      .send({ from: { kind: 'member', ownerId: bea.id }, to: { kind: 'project', ownerId: project.id }, currency: 'EUR', amount: '100000' })
      .expect(201);
    const jobId = (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: 'sheet-bending',
          quantity: 40,
          unit: 'brackets',
          specUrl: 'https://designs.example.org/bracket.step',
          dueAt: new Date(Date.now() + 6 * 86_400_000).toISOString(),
          recipient: { type: 'member', id: rita.id },
          demand: { type: 'project', id: project.id },
          price: { amount: '48000', currency: 'EUR' },
        })
        .expect(201)
    ).body.id as string;
    const job = async () => (await t.http.get(`/admin/jobs/${jobId}`).set(auth).expect(200)).body;
    await eventually(async () => ((await job()).payment === 'reserved' ? true : undefined), 30_000);
    await eventually(async () => ((await t.http.post(`/nodes/me/jobs/${jobId}/progress`).set('Authorization', `Bearer ${nodeToken}`).send({ percent: 50 })).status === 200 ? true : undefined), 30_000);
    await t.http.post(`/nodes/me/jobs/${jobId}/complete`).set('Authorization', `Bearer ${nodeToken}`).send({ made: 40, scrapped: 1 }).expect(200);
    const confirmMail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(rita.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    const s = await t.http.post('/session').send({ link: new URL(linkIn(confirmMail)).pathname.split('/').pop() }).expect(200);
    const ritaCookie = (s.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${s.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', ritaCookie).set('X-CSRF-Token', s.body.csrfToken).send({ option: 'confirm' }).expect(200);
    await eventually(async () => {
      const j = await job();
      return j.status === 'confirmed' && j.payment === 'paid' ? true : undefined;
    }, 30_000);

    // Olga signs in from the emailed link.
    const ctx = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${base}/signin?next=/me/account`);
    await page.getByLabel('Email').fill(olga.email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(olga.email) && m.subject === 'Your sign-in link for DPN'), 20_000);
    const link = new URL(/https?:\/\/\S+#link=[\w.-]+/.exec(mail.text)![0]);
    await page.goto(`${base}${link.pathname}${link.hash}`);

    // My account (where the link leads back to): the pay in words, the balance after each entry, the balance now.
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    const paidRow = page.getByRole('row', { name: /Paid for job “40 brackets \(sheet-bending\)” for “Seed-starting rack”/ });
    await paidRow.waitFor();
    expect(await paidRow.textContent()).toContain('€480.00');
    expect(await paidRow.textContent()).toContain('€505.00');
    expect(await page.getByTestId('statement-closing').textContent()).toBe('€505.00');
    // A period whose end is before its start is said so, and cannot be asked for.
    await page.getByLabel('From').fill('2030-02-01');
    await page.getByLabel('To').fill('2030-01-01');
    await page.getByRole('alert').filter({ hasText: 'The end of the period is before its start.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Show period' }).isDisabled()).toBe(true);
    // A period in the future: nothing in it, opening and closing at the balance now.
    await page.getByLabel('To').fill('2030-03-01');
    await page.getByRole('button', { name: 'Show period' }).click();
    await page.getByText('No entries in this period.').waitFor();
    expect(await page.getByTestId('statement-opening').textContent()).toBe('€505.00');
    await page.getByRole('button', { name: 'All entries' }).click();
    await paidRow.waitFor();
    await screenshot(page, 'member-account-statement');

    // The node: the paid job among what ended, with its receipt; the Statement page.
    await page.goto(`${base}/node/${node.id}`);
    await page.getByRole('heading', { name: 'Olga’s bending bench' }).waitFor();
    const receiptLink = page.getByRole('link', { name: 'Receipt' });
    await receiptLink.waitFor();
    expect(await receiptLink.getAttribute('href')).toBe(`/members/me/nodes/${node.id}/jobs/${jobId}/receipt`);
    await screenshot(page, 'node-work-paid');
    await page.getByRole('link', { name: 'Statement' }).click();
    await page.getByRole('row', { name: /Paid for job/ }).waitFor();
    expect(await page.getByRole('row', { name: /Paid for job/ }).getByRole('link', { name: 'Receipt' }).getAttribute('href')).toBe(`/members/me/nodes/${node.id}/jobs/${jobId}/receipt`);
    await screenshot(page, 'node-statement');

    // The receipt, opened as the link opens it (a new tab, the session's cookie).
    const [tab] = await Promise.all([ctx.waitForEvent('page'), page.getByRole('row', { name: /Paid for job/ }).getByRole('link', { name: 'Receipt' }).click()]);
    await tab.getByRole('heading', { name: 'Receipt' }).waitFor();
    expect(await tab.locator('[data-field="payer"]').textContent()).toBe('Seed-starting rack');
    expect(await tab.locator('[data-field="payee"]').textContent()).toBe('Olga Brandt');
    expect(await tab.locator('[data-field="total"]').textContent()).toBe('€480.00');
    expect(await tab.locator('[data-field="made"]').textContent()).toBe('40 brackets');
    await screenshot(tab, 'receipt');
    await tab.emulateMedia({ media: 'print' });
    await screenshot(tab, 'receipt-print');
    await ctx.close();

    // The console: the project's page has its account's statement, with the receipt of the paid job.
    const consoleCtx = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const cp = await consoleCtx.newPage();
    await cp.goto(`${base}/console`);
    await cp.getByText('Operations: open with the bootstrap token').click();
    await cp.getByLabel('Bootstrap token (ADMIN_TOKEN)').fill(ADMIN_TOKEN);
    await cp.keyboard.press('Enter');
    await cp.getByRole('heading', { name: 'The network' }).waitFor();
    await cp.goto(`${base}/console/projects/${project.id}`);
    await cp.getByRole('heading', { name: 'Statement of the project’s account' }).waitFor();
    const reserved = cp.getByRole('row', { name: /Price reserved for job “40 brackets \(sheet-bending\)”/ });
    await reserved.waitFor();
    expect(await reserved.textContent()).toContain('€520.00');
    // Its receipt, fetched with the console's credentials (here the bootstrap token) into a new tab.
    const [receiptTab] = await Promise.all([consoleCtx.waitForEvent('page'), reserved.getByRole('button', { name: 'Receipt' }).click()]);
    await receiptTab.getByRole('heading', { name: 'Receipt' }).waitFor();
    expect(await receiptTab.locator('[data-field="payee"]').textContent()).toBe('Olga Brandt');
    await receiptTab.close();
    expect(await cp.getByRole('row', { name: /Transfer from Bea Lind/ }).textContent()).toContain('€1,000.00');
    await cp.locator('#statement').scrollIntoViewIfNeeded();
    await screenshot(cp, 'console-project-statement');
    await consoleCtx.close();
  });
});
