/**
 * People and the audit trail in a real browser (Debian's Chromium, playwright-core) against the
 * real stack (the API serving the built app, the worker's mail relay, a real SMTP server,
 * PostgreSQL, the Temporal dev server): a treasurer invited by the bootstrap token asks for a
 * sign-in link on the console's door, follows it from the real email, invites a viewer from
 * /console/people, makes a personal token (shown once), and finds each of these on /console/audit
 * by name, filtered to herself. The viewer, signed in from her invitation, sees no controls and is
 * refused when she tries a write anyway.
 *
 * DPN_SCREENSHOTS=<dir> also saves the pages at 1280 and 375 px wide (to look at them).
 */
import { Browser } from 'playwright-core';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const bootstrap = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describeInChromium('coordinators-browser.spec')('people and the audit trail in a real browser', () => {
  const t = useTestSystem({ mail: true });
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    base = await serveLocally(t.sys.api);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** The console link in the newest mail to this address with this subject, with the page's origin. */
  const linkFrom = async (email: string, subject: string) => {
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === subject).at(-1), 20_000);
    const token = /#console-link=([\w.-]+)/.exec(mail.text)![1];
    return `${base}/console#console-link=${token}`;
  };

  it('a treasurer signs in by email, invites a viewer, makes a token, and finds it all in the audit trail; the viewer can only look', async () => {
    // The first person: invited with the bootstrap token (the README's way), with a couple of others for the list.
    const tereza = (await t.http.post('/admin/coordinators').set(bootstrap).send({ name: 'Tereza Novak', email: 'tereza@example.org', role: 'treasurer' }).expect(201)).body;
    await t.http.post('/admin/coordinators').set(bootstrap).send({ name: 'Carl Weber', email: 'carl@example.org', role: 'coordinator' }).expect(201);
    await t.http.post('/admin/members').set(bootstrap).send({ name: 'Mira Sandoval', email: 'mira@example.org' }).expect(201);
    await t.http.post('/admin/projects').set(bootstrap).send({ name: 'Seed-starting rack' }).expect(201);

    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByRole('heading', { name: 'Coordinator console' }).waitFor();
    await page.getByLabel('Your email address').fill('tereza@example.org');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'If this email belongs to a coordinator' }).waitFor();
    await screenshot(page, 'console-signin');

    await page.goto(await linkFrom('tereza@example.org', 'Your sign-in link for the DPN console'));
    await page.getByRole('heading', { name: 'The network' }).waitFor();
    expect(page.url()).toBe(`${base}/console`); // the link is out of the address
    await page.getByText('Tereza Novak · treasurer').waitFor();

    // People: invite a viewer with the form (keyboard only), see her row.
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { name: 'Invite a coordinator' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Vera Lind');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Email address').fill('vera@example.org');
    await page.getByLabel('Email address').press('Enter');
    await page.getByRole('status').filter({ hasText: 'Vera Lind is invited' }).waitFor();
    await page.getByRole('rowheader', { name: /Vera Lind/ }).waitFor();

    // A personal token, shown once; it works on the API as Tereza.
    await page.getByLabel('What is it for?').fill('monthly report');
    await page.getByRole('button', { name: 'Create a token' }).click();
    const token = (await page.getByLabel('The new token').textContent())!.trim();
    expect(token).toMatch(/^dpn_crd_/);
    expect((await t.http.get('/admin/coordinators/me').set('Authorization', `Bearer ${token}`).expect(200)).body.coordinator.id).toBe(tereza.id);
    await page.getByRole('rowheader', { name: 'monthly report' }).waitFor();
    await screenshot(page, 'console-people');

    // The audit trail: her invitation and her token by name; filtered to her, then to Carl's id (none).
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByLabel('Who').selectOption({ label: 'Tereza Novak (treasurer)' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('cell', { name: /POST \/admin\/coordinators\/me\/tokens/ }).waitFor();
    const rows = page.locator('table.audit-table tbody tr');
    await eventually(async () => (await rows.count()) >= 2);
    for (const text of await rows.allTextContents()) expect(text).toContain('Tereza Novak');
    expect(page.url()).toContain(`actor=coordinator%3A${tereza.id}`);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Who').selectOption('');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('cell', { name: /Bootstrap token/ }).first().waitFor();
    await screenshot(page, 'console-audit');

    // The viewer: signs in from her invitation, sees nobody's controls, and a write is refused.
    const viewer = await (await browser.newContext({ locale: 'en-GB', viewport: { width: 375, height: 800 } })).newPage();
    await viewer.goto(await linkFrom('vera@example.org', 'You are invited to the DPN coordinator console'));
    await viewer.getByRole('heading', { name: 'The network' }).waitFor();
    await viewer.getByRole('link', { name: 'People' }).click();
    await viewer.getByText('You are a viewer').waitFor();
    expect(await viewer.getByRole('button', { name: /Disable|Save role|Send the invitation|Create a token/ }).count()).toBe(0);
    const refused = await viewer.evaluate(async () => {
      const s = (await (await fetch('/session/coordinator')).json()) as { csrfToken: string };
      const r = await fetch('/admin/projects', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken }, body: JSON.stringify({ name: 'by a viewer' }) });
      return [r.status, ((await r.json()) as { code: string }).code];
    });
    expect(refused).toEqual([403, 'forbidden_role']);
    await viewer.context().close();
    await context.close();
  }, 180_000);
});
