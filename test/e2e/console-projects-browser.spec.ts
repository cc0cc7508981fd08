/**
 * The console's projects in a real browser (Debian's Chromium, playwright-core) against the real
 * stack: the API serving the built app, the worker, PostgreSQL, the Temporal dev server, a real
 * SMTP server and a real node webhook receiver. A treasurer invited by email signs in from the
 * invitation, creates a project, writes the R&D plan (a field error from the API shows beside its
 * field first), starts the phase; once the members have funded its round, a viewer's try at the
 * payout is refused (in words, nothing changed) and the treasurer approves it from the timeline's
 * "what blocks it now". The phase's job then moves across the board without a reload as the node's
 * owner accepts and completes it from /node; the audit trail names each of them.
 *
 * DPN_SCREENSHOTS=<dir> also saves the pages at 1280 and 375 px wide (to look at them).
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; log?: (l: string) => void }): Server;
};

const bootstrap = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describeInChromium('console-projects-browser.spec')('the console’s projects in a real browser', () => {
  const contexts: BrowserContext[] = [];
  let browser: Browser | undefined;
  let base: string;
  let receiver: Server | undefined;
  // Declared before the system's own afterAll, so it runs first: the pages poll the API every few
  // seconds, and the API and the worker close only once nothing calls them any more.
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  });
  const t = useTestSystem({ mail: true });

  beforeAll(async () => {
    base = await serveLocally(t.sys.api);
    browser = await launchChromium();
  });

  const newPage = async (width: number): Promise<Page> => {
    const context = await browser!.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };
  /** The link of the newest mail to this address with this subject, on the page's origin. */
  const mailLink = async (email: string, subject: string, pattern: RegExp) => {
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === subject).at(-1), 20_000);
    const link = new URL(pattern.exec(mail.text)![0]);
    return `${base}${link.pathname}${link.hash}`;
  };
  const member = async (name: string, email: string) => (await t.http.post('/admin/members').set(bootstrap).send({ name, email }).expect(201)).body as { id: string };

  it('routes every API GET before the web app’s catch-all (a phase plan is read from the API, not answered with the app)', () => {
    const stack = (t.sys.api.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
    const gets = stack.filter((l) => l.route?.methods.get).map((l) => l.route!.path);
    expect(gets.at(-1)).toBe('/{*path}');
    expect(gets).toContain('/admin/projects/:id/phases/:phase/plan');
  });

  it('a treasurer creates a project, plans and starts it, approves its payout from the timeline; a viewer is refused; the job crosses the board as its node works', async () => {
    // The people: a treasurer and a viewer invited by email, a node's owner, the recipient, two backers.
    await t.http.post('/admin/coordinators').set(bootstrap).send({ name: 'Tereza Novak', email: 'tereza@example.org', role: 'treasurer' }).expect(201);
    await t.http.post('/admin/coordinators').set(bootstrap).send({ name: 'Vera Lind', email: 'vera@example.org', role: 'viewer' }).expect(201);
    const olga = await member('Olga Brandt', 'olga@example.org');
    await member('Rita Okafor', 'rita@example.org');
    const backers = [await member('Cleo Martin', 'cleo@example.org'), await member('Dev Patel', 'dev@example.org')];
    const node = (
      await t.http
        .post('/admin/nodes')
        .set(bootstrap)
        .send({ name: 'Olga’s bending bench', ownerMemberId: olga.id, automationLevel: 'conventional', capabilities: [{ function: 'sheet-bending', capacity: 40, unit: 'parts/week' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body;
    receiver = createReceiver({ secrets: [node.webhookSecret], log: () => undefined });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    await t.http.patch(`/admin/nodes/${node.id}`).set(bootstrap).send({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }).expect(200);

    // The treasurer follows her invitation: it signs her in.
    const page = await newPage(1280);
    await page.goto(await mailLink('tereza@example.org', 'You are invited to the DPN coordinator console', /https?:\/\/\S+#console-link=[\w.-]+/));
    await page.getByRole('heading', { name: 'The network' }).waitFor();
    await page.getByText('Tereza Novak · treasurer').waitFor();

    // Projects: create one with the form (a missing name is said beside the field first).
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('heading', { name: 'Projects', exact: true, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create the project' }).click();
    await page.getByRole('alert').filter({ hasText: 'Give the project a name.' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Seed-starting rack');
    await page.getByLabel('What is it for? (optional)').fill('An open-hardware rack for the greenhouse.');
    await page.getByRole('button', { name: 'Create the project' }).click();
    await page.getByRole('heading', { name: 'Seed-starting rack', level: 1 }).waitFor();
    const projectId = /\/console\/projects\/([0-9a-f-]{36})$/.exec(page.url())![1];
    const detail = async () => (await t.http.get(`/admin/projects/${projectId}`).set(bootstrap).expect(200)).body;
    const blockers = page.locator('ul.blockers');
    await blockers.getByText('write the phase plan, or skip the phase', { exact: true }).waitFor();

    // The R&D plan: a budget raised by a round the treasurer approves, and one task for a bending node.
    const plan = page.getByRole('form', { name: 'The Research & design plan' });
    await plan.getByLabel('What this phase does').fill('Bend sample brackets for the rack and try them on the greenhouse shelves.');
    await plan.getByLabel('Raise a budget first').check();
    await plan.getByLabel('Goal', { exact: true }).fill('1500');
    await plan.getByLabel('Title', { exact: true }).fill('Sample brackets');
    await plan.getByLabel('Key', { exact: true }).fill('sample-brackets');
    await plan.getByLabel('Capability', { exact: true }).fill('sheet-bending');
    await plan.getByLabel('Delivers').selectOption('goods');
    await plan.getByLabel('Quantity').fill('12');
    await plan.getByLabel('Unit', { exact: true }).fill('brackets');
    await plan.getByLabel('Specification (URL)').fill('the drawing on the shared drive');
    await plan.getByLabel('Delivered to').selectOption({ label: 'Rita Okafor' });
    await plan.getByRole('button', { name: 'Save the plan' }).click();
    // The API's field error, beside its field; nothing saved.
    await plan.locator('.field-error').filter({ hasText: 'specUrl must be a URL address' }).waitFor();
    await plan.getByRole('alert').filter({ hasText: 'See the fields marked above. Nothing was saved.' }).waitFor();
    expect(await plan.getByLabel('Specification (URL)').getAttribute('aria-invalid')).toBe('true');
    expect((await t.http.get(`/admin/projects/${projectId}/phases/rnd/plan`).set(bootstrap).expect(404)).body.code).toBe('not_found');
    await plan.getByLabel('Specification (URL)').fill('https://designs.example.org/rack/bracket.step');
    await plan.getByRole('button', { name: 'Save the plan' }).click();
    await plan.getByRole('status').filter({ hasText: 'The Research & design plan is saved.' }).waitFor();
    const stored = (await t.http.get(`/admin/projects/${projectId}/phases/rnd/plan`).set(bootstrap).expect(200)).body;
    expect(stored.plan.budget).toMatchObject({ goal: '150000', currency: 'EUR', payoutApproval: 'coordinator' });
    expect(stored.plan.tasks[0]).toMatchObject({ key: 'sample-brackets', capability: 'sheet-bending', quantity: 12, output: 'goods' });

    // Start the phase: its round opens and the members are what it waits for.
    await blockers.getByText('start the phase', { exact: true }).waitFor();
    await blockers.getByRole('button', { name: 'Start the phase' }).click();
    await page.getByRole('status').filter({ hasText: 'The phase is starting.' }).waitFor();
    await blockers.getByText('pledge: €0.00 of €1,500.00 raised').waitFor({ timeout: 30_000 });
    const roundId = (await detail()).phases[0].round.id as string;
    await eventually(async () => (await t.http.get(`/public/rounds/${roundId}`)).body.status === 'open', 30_000);
    for (const [m, amount] of [
      [backers[0], '100000'],
      [backers[1], '50000'],
    ] as const) {
      await t.http.post('/admin/ledger/deposits').set(bootstrap).set('Idempotency-Key', `cpb-${m.id}`).send({ memberId: m.id, amount: '200000', currency: 'EUR' }).expect(201);
      const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(bootstrap).send({ name: 'e2e' }).expect(201)).body.token;
      await t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Authorization', `Bearer ${token}`).send({ amount }).expect(200);
    }
    await eventually(async () => (await t.http.get(`/admin/rounds/${roundId}`).set(bootstrap)).body.status === 'awaiting-payout', 30_000);

    // The timeline draws the phase and its round; the page learns of the payout on its own.
    const approve = page.getByRole('button', { name: 'Approve the payout of €1,500.00' });
    await approve.waitFor({ timeout: 20_000 });
    await page.getByRole('listitem', { name: /^Funding round: €1,500.00 of €1,500.00 · awaiting payout approval/ }).waitFor();
    await page.getByRole('listitem', { name: /^Research & design: Running/ }).waitFor();

    // The viewer, from her invitation, on a phone: her try at the payout is refused, nothing changes.
    const viewer = await newPage(375);
    await viewer.goto(await mailLink('vera@example.org', 'You are invited to the DPN coordinator console', /https?:\/\/\S+#console-link=[\w.-]+/));
    await viewer.getByRole('heading', { name: 'The network' }).waitFor();
    await viewer.goto(`${base}/console/projects/${projectId}`);
    await viewer.getByRole('button', { name: 'Approve the payout of €1,500.00' }).click();
    await viewer.getByRole('alert').filter({ hasText: 'You are a viewer: you can look but not change anything. Nothing was changed.' }).waitFor();
    expect((await t.http.get(`/admin/rounds/${roundId}`).set(bootstrap)).body.status).toBe('awaiting-payout');
    await screenshot(viewer, 'console-project-viewer');

    // The treasurer approves it from the timeline's blockers: the round pays out, the job goes to the node.
    await screenshot(page, 'console-project-payout');
    await approve.click();
    await page.getByRole('status').filter({ hasText: 'Payout of €1,500.00 approved' }).waitFor();
    await eventually(async () => (await t.http.get(`/admin/rounds/${roundId}`).set(bootstrap)).body.status === 'funded', 30_000);
    await page.getByRole('listitem', { name: /^Job sample-brackets: Offered/ }).waitFor({ timeout: 30_000 });
    await blockers.getByText('answer the offer of task sample-brackets').waitFor();
    await screenshot(page, 'console-project');

    // The board, live: the job is offered; the node's owner accepts it from /node.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Job board' }).click();
    const card = (column: RegExp) => page.getByRole('region', { name: column }).getByRole('listitem', { name: /brackets/ });
    await card(/^Offered/).waitFor({ timeout: 20_000 });
    const operator = await newPage(1280);
    await operator.goto(`${base}/signin?next=/node`);
    await operator.getByLabel('Email').fill('olga@example.org');
    await operator.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await operator.goto(await mailLink('olga@example.org', 'Your sign-in link for DPN', /https?:\/\/\S+#link=[\w.-]+/));
    await operator.getByRole('link', { name: 'My nodes' }).click();
    await operator.getByRole('link', { name: '1 offer waiting for your answer' }).click();
    await operator.getByRole('heading', { name: 'Olga’s bending bench' }).waitFor();
    await operator.getByRole('listitem', { name: 'Sample brackets' }).getByRole('button', { name: 'Accept' }).click();
    await operator.getByRole('status').filter({ hasText: 'You accepted' }).waitFor();
    await card(/^Accepted/).waitFor({ timeout: 20_000 });
    expect(await card(/^Offered/).count()).toBe(0);

    // ... and completes it: the card moves on to Delivered, still without a reload.
    const inHand = operator.getByRole('listitem', { name: 'Sample brackets' });
    await inHand.getByRole('button', { name: 'Report it done…' }).click();
    await inHand.getByLabel('Made').fill('12');
    await inHand.getByLabel('Scrapped').fill('1');
    await inHand.getByRole('button', { name: 'Report it done', exact: true }).click();
    await operator.getByRole('status').filter({ hasText: 'Reported done: 12 made, 1 scrapped.' }).waitFor();
    await card(/^Delivered/).waitFor({ timeout: 20_000 });
    expect(await card(/^Accepted/).count()).toBe(0);

    // Back on the project: the job waits for Rita's confirmation, drawn as delivered.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('row', { name: /Seed-starting rack/ }).getByRole('link').click();
    await page.getByRole('listitem', { name: /^Job sample-brackets: Delivered: awaiting confirmation · Olga’s bending bench/ }).waitFor({ timeout: 20_000 });
    await blockers.getByText('confirm the delivery of task sample-brackets').waitFor();
    await blockers.getByText('Rita Okafor').waitFor();

    // The audit trail names each actor: the treasurer, the refused viewer, the node's owner.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    const rows = page.locator('table.audit-table tbody tr');
    const rowWith = (who: string, what: RegExp) => rows.filter({ hasText: who }).filter({ hasText: what });
    await rowWith('Tereza Novak', /POST \/admin\/projects\b/).first().waitFor();
    await rowWith('Tereza Novak', /payout\/approve/).first().waitFor();
    await rowWith('Vera Lind', /payout\/approve/).filter({ hasText: 'forbidden_role' }).first().waitFor();
    await rowWith('Olga Brandt', /accept/).first().waitFor();
    expect(await page.textContent('table.audit-table')).not.toMatch(/coordinator:[0-9a-f]{8}-/);
  }, 300_000);
});
