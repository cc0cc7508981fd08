/**
 * The web app in a real browser (Debian's Chromium, playwright-core) against the real stack: the
 * API serving the built app, the worker, PostgreSQL, a real SMTP server, real node receivers, and
 * the time-skipping Temporal server (so that a quarter's order window can close). A member signs in
 * from the link in a real email, pledges and changes the pledge and sees the progress bar move,
 * orders more than her share and sees the warning, sees the allocation after the close, downloads
 * her statement and its rows add up; a visitor sees a project without signing in; a forged link
 * and a request without the CSRF token are refused.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import jwt from 'jsonwebtoken';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { DemoNetwork, DemoOptions, GREENHOUSE_CATALOGUE, seedNetwork } from '../../scripts/demo-network';
import { MailCatcherHandle, startMailCatcher } from '../../libs/dev-stack/src/mail-catcher';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { ADMIN_TOKEN, createTestDatabase, eventually, startSystem, suffix, TestDatabase, TestSystem } from '../support/stack';
import { createTimeSkippingEnv } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describeInChromium('web-app.spec')('the web app in a real browser (time-skipping server, real SMTP, real receivers)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let sys: TestSystem;
  let mail: MailCatcherHandle;
  let mailDir: string;
  let http: ReturnType<typeof request>;
  let base: string;
  let net: DemoNetwork;
  let browser: Browser;
  let member: BrowserContext;
  let page: Page;
  let roundId: string;
  let projectId: string;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    mailDir = await mkdtemp(join(tmpdir(), 'dpn-mail-'));
    mail = await startMailCatcher({ storeDir: mailDir, smtpPort: 0, uiPort: 0 });
    db = await createTestDatabase();
    sys = await startSystem({ databaseUrl: db.url, temporalAddress: env.address, smtpUrl: mail.smtpUrl });
    base = await serveLocally(sys.api);
    http = request(sys.api.getHttpServer());
    const o: DemoOptions = { apiUrl: base, adminToken: ADMIN_TOKEN, log: () => undefined, workMs: 200, tag: suffix(), stepTimeoutMs: 60_000 };
    net = await seedNetwork(o);
    await http.put(`/admin/assets/${net.greenhouseAssetId}/catalogue`).set(auth).send(GREENHOUSE_CATALOGUE).expect(200);
    await http.post(`/admin/assets/${net.greenhouseAssetId}/order-cycle`).set(auth).expect(200);
    const project = await http.post('/admin/projects').set(auth).send({ name: `Solar seed dryer ${o.tag}`, description: 'A solar dryer so that the network keeps its own seed.' }).expect(201);
    projectId = project.body.id;
    const round = await http
      .post(`/admin/projects/${projectId}/rounds`)
      .set(auth)
      .send({ goal: '250000', currency: 'EUR', minPledge: '5000', deadline: new Date(Date.now() + 21 * 86_400_000).toISOString(), documents: [{ title: 'Co-ownership agreement', url: 'https://docs.example.org/agreement.pdf', contentHash: `sha256:${'3b'.repeat(32)}` }] })
      .expect(201);
    roundId = round.body.roundId;
    await eventually(async () => (await http.get(`/public/rounds/${roundId}`)).body.status === 'open', 30_000);
    browser = await launchChromium();
    member = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', acceptDownloads: true, viewport: { width: 375, height: 800 } });
    page = await member.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await net?.close();
    await sys?.close();
    await env?.teardown();
    await db?.drop();
    await mail?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  const eli = () => net.members.eli;
  /** A link from a mail, pointed at this test's server (PUBLIC_URL is another port). */
  const here = (link: string) => {
    const u = new URL(link);
    return `${base}${u.pathname}${u.hash}`;
  };
  const mailTo = (email: string, subject: RegExp) => eventually(async () => (await mail.messages()).find((m) => m.envelopeTo.includes(email) && subject.test(m.subject)), 30_000);
  const progress = async () => Number(await page.getByRole('progressbar', { name: 'Raised so far' }).getAttribute('aria-valuenow'));

  it('a member asks for a link on the sign-in page and signs in from the real email', async () => {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(eli().email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('status').filter({ hasText: 'a sign-in link is on its way' }).waitFor();
    const m = await mailTo(eli().email, /^Your sign-in link for DPN$/);
    const link = /https?:\/\/\S+#link=[\w.-]+/.exec(m.text)![0];
    await page.goto(here(link));
    await page.getByRole('heading', { name: `Hello, ${eli().name}` }).waitFor();
    expect(new URL(page.url()).hash).toBe(''); // the token is taken out of the address at once
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Solar seed dryer');
    expect(main).toContain('Lindenau greenhouse');
  });

  it('pledges, changes the pledge and sees the progress bar move; refusals show on the form', async () => {
    await page.getByRole('link', { name: /Solar seed dryer/ }).click();
    await page.getByRole('heading', { name: /Solar seed dryer/ }).waitFor();
    expect(await progress()).toBe(0);
    expect(await page.textContent('main')).toContain('Co-ownership agreement');
    const amount = page.getByLabel('My pledge (EUR)');
    await amount.fill('20');
    await page.getByRole('button', { name: 'Pledge', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The minimum pledge is €50.00' }).waitFor();
    await amount.fill('1500');
    await page.getByRole('button', { name: 'Pledge', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'you can pledge at most €1,000.00' }).waitFor();
    await amount.fill('300');
    await page.getByRole('button', { name: 'Pledge', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Your pledge is now €300.00' }).waitFor();
    await eventually(async () => (await progress()) === 12);
    await page.getByLabel('My pledge (EUR)').fill('500');
    await page.getByRole('button', { name: 'Change my pledge' }).click();
    await page.getByRole('status').filter({ hasText: 'Your pledge is now €500.00' }).waitFor();
    await eventually(async () => (await progress()) === 20);
    expect(await page.getByTestId('round-total').textContent()).toBe('€500.00');

    // Without the page's CSRF token, the same session changes nothing.
    const forged = await page.evaluate(async (id) => {
      const r = await fetch(`/members/me/rounds/${id}/pledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: '0' }) });
      return { status: r.status, body: (await r.json()) as { code: string } };
    }, roundId);
    expect(forged).toEqual({ status: 403, body: expect.objectContaining({ code: 'csrf_failed' }) });
    await page.reload();
    await page.getByRole('heading', { name: /Solar seed dryer/ }).waitFor();
    expect(await page.getByLabel('My pledge (EUR)').inputValue()).toBe('500.00');
    expect(await progress()).toBe(20);
  });

  it('orders more than her share, sees the warning, and after the close sees what she got and why', async () => {
    // Ben (40 %) asks for little, Cleo (30 %) for nothing: what they leave goes to Eli, who asks for more.
    await http.post(`/members/me/assets/${net.greenhouseAssetId}/orders`).set('Authorization', `Bearer ${net.members.ben.token}`).send({ lines: [{ productId: 'salad', quantity: 10 }], standing: false }).expect(200);
    await page.goto(`${base}/me`);
    await page.getByRole('link', { name: /Lindenau greenhouse .*, \d{4}-Q\d/ }).click();
    await page.getByText('Your share:').waitFor();
    expect(await page.textContent('main')).toContain('30 % = 120 m2 of 400 m2');
    await page.getByLabel('Tomatoes (crate)').fill('50');
    expect(await page.getByText(/This order uses/).textContent()).toBe('This order uses 100 of your 120 m2.');
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByLabel('Salad (box)').fill('40');
    await page.getByRole('alert').filter({ hasText: 'You ask for 20 m2 more than your share.' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('granted only from what other owners leave unused');
    await page.getByRole('button', { name: 'Place my order' }).click();
    await page.getByRole('status').filter({ hasText: 'Your order is placed' }).waitFor();

    // The window closes (time skips to it); the plan is made and Eli is emailed what she gets.
    const w = (await http.get(`/members/me/assets/${net.greenhouseAssetId}/order-window`).set('Authorization', `Bearer ${eli().token}`).expect(200)).body as { closesAt: string; quarter: string; myOrder: unknown };
    expect(w.myOrder).toMatchObject({ lines: [{ productId: 'tomatoes', quantity: 50 }, { productId: 'salad', quantity: 40 }], standing: false });
    await env.sleep(Date.parse(w.closesAt) - (await env.currentTimeMs()) + 3_600_000);
    const allocated = await mailTo(eli().email, /^Your share of .* for \d{4}-Q\d: what you get$/);
    expect(allocated.text).toContain('Tomatoes: 50 crate of the 50 you asked for');
    expect(allocated.text).toContain(`/assets/${net.greenhouseAssetId}/orders#link=`);
    await page.goto(here(/https?:\/\/\S+#link=[\w.-]+/.exec(allocated.text)![0]));
    await page.getByRole('heading', { name: `What you got in ${w.quarter}` }).waitFor();
    const main = (await page.textContent('main'))!;
    expect(main).toMatch(/You asked\s*140 m2/);
    expect(main).toMatch(/You got\s*140 m2/);
    expect(main).toContain('20 m2 of what you got came from capacity other owners left unused');
  });

  it('downloads the statement as CSV and its rows add up to the balance', async () => {
    await page.goto(`${base}/me/account`);
    await page.getByRole('heading', { name: 'Statement' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV (EUR)' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toBe('date,kind,counterparty,memo,amount,currency,balance');
    const cents = (d: string) => BigInt(d.replace('.', ''));
    const sum = rows.reduce((s, r) => s + cents(r.split(',')[4]), 0n);
    const account = (await http.get('/members/me/account').set('Authorization', `Bearer ${eli().token}`).expect(200)).body as { balances: Array<{ currency: string; available: string }> };
    expect(sum).toBe(BigInt(account.balances.find((b) => b.currency === 'EUR')!.available));
    expect(rows.length).toBeGreaterThanOrEqual(2); // the deposit and the pledge's hold (and its release once the round failed)
    expect(await page.getByTestId('balance-EUR').textContent()).toBe(`€${(Number(sum) / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`);
    // Someone else's decision is not hers to see: a clear page.
    await page.goto(`${base}/decisions/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
  });

  it('a visitor sees a project without signing in; a forged link is refused', async () => {
    const visitor = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    try {
      const v = await visitor.newPage();
      await v.goto(`${base}/projects`);
      await v.getByRole('link', { name: /Solar seed dryer/ }).click();
      await v.getByRole('heading', { name: /Solar seed dryer/ }).waitFor();
      expect(await v.textContent('main')).toContain('Research & design');
      expect(await v.getByRole('progressbar').count()).toBeGreaterThan(0);
      expect(await v.getByRole('link', { name: 'Sign in', exact: true }).count()).toBe(1);
      expect(await v.textContent('body')).not.toContain('@demo.dpn.example');
      // A member page without signing in: says so, with the way to sign in.
      await v.goto(`${base}/me/account`);
      await v.getByRole('heading', { name: 'Please sign in' }).waitFor();
      // A link signed with another key: not valid, nobody signed in.
      const forged = jwt.sign({ pth: '/me', typ: 'member' }, 'not-the-secret-not-the-secret-not-the-secret', { subject: eli().id, audience: 'dpn:link', issuer: 'dpn', expiresIn: 600 });
      await v.goto(`${base}/me#link=${forged}`);
      await v.getByRole('heading', { name: 'This link is not valid' }).waitFor();
      expect((await visitor.cookies()).filter((c) => c.name === 'dpn_session')).toEqual([]);
    } finally {
      await visitor.close();
    }
  });
});
