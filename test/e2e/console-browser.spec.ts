/**
 * The coordinator console in a real browser (Debian's Chromium, playwright-core) against the real
 * stack (the API serving the built app, the worker, PostgreSQL, the Temporal dev server, real
 * webhook receivers): the console opens with the bootstrap token (a wrong one opens nothing), shows
 * the network with its automation chart, moves a job across the board without a reload as its node
 * accepts it, shows a funded round's progress bar and approves its payout, and lists the ledger by
 * owners' names with a balanced trial balance.
 *
 * DPN_SCREENSHOTS=<dir> also saves each page at 1280 and 375 px wide (to look at them).
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require('../../examples/node-receiver/receiver.js') as {
  createReceiver(opts: { secrets: string[]; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describeInChromium('console-browser.spec')('the coordinator console in a real browser', () => {
  const t = useTestSystem({ mail: true });
  const servers: Server[] = [];
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    base = await serveLocally(t.sys.api);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  let seq = 0;
  const member = async (name: string) => (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.split(' ')[0].toLowerCase()}-cb${seq++}@example.org` }).expect(201)).body as { id: string };
  async function node(name: string, ownerId: string, level: string, capability: string, locationId: string | null) {
    const created = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId: ownerId, automationLevel: level, locationId: locationId ?? undefined, capabilities: [{ function: capability, capacity: 20, unit: 'parts/week' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body;
    const server = createReceiver({ secrets: [created.webhookSecret], log: () => undefined });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await t.http.patch(`/admin/nodes/${created.id}`).set(auth).send({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` }).expect(200);
    return { id: created.id as string, token: (await t.http.post(`/admin/nodes/${created.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string };
  }

  it('opens with the bootstrap token, shows the network, moves a job across the board live, approves a payout, lists the ledger by name', async () => {
    const [ben, cleo, dev, eli] = [await member('Ben Larsen'), await member('Cleo Martin'), await member('Dev Patel'), await member('Eli Novak')];
    const yard = (await t.http.post('/admin/locations').set(auth).send({ name: 'Lindenau yard', kind: 'industrial-park', address: 'Lindenauer Hafen 1, Leipzig' }).expect(201)).body;
    const lab = (await t.http.post('/admin/locations').set(auth).send({ name: 'Plagwitz fab lab', kind: 'fab-lab', address: 'Karl-Heine-Str. 1, Leipzig' }).expect(201)).body;
    const shop = await node('Ben’s machine shop', ben.id, 'computer-aided', 'fabrication', yard.id);
    await node('Lindenau greenhouse', ben.id, 'automated', 'greenhouse', yard.id);
    await node('Cleo’s woodshop', cleo.id, 'conventional', 'woodworking', lab.id);
    await node('Ana’s design studio', dev.id, 'manual', 'design', null);
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed-starting rack', description: 'An open-hardware rack for the greenhouse.' }).expect(201)).body;
    const job = async (capability: string, quantity: number, unit: string) =>
      (
        await t.http
          .post('/admin/jobs')
          .set(auth)
          .send({ capability, quantity, unit, specUrl: 'https://designs.example.org/rack.step', dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(), recipient: { type: 'member', id: eli.id }, demand: { type: 'project', id: project.id } })
          .expect(201)
      ).body.id as string;
    const frames = await job('fabrication', 6, 'frames');
    await job('woodworking', 12, 'shelves');
    await job('welding', 2, 'brackets'); // no node can: it waits
    const status = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
    await eventually(async () => (await status(frames)).status === 'offered', 30_000);

    // A round that met its goal, waiting for the coordinator's approval.
    const round = (
      await t.http
        .post(`/admin/projects/${project.id}/rounds`)
        .set(auth)
        .send({ goal: '150000', currency: 'EUR', minPledge: '5000', closeWhenGoalMet: true, deadline: new Date(Date.now() + 14 * 86_400_000).toISOString() })
        .expect(201)
    ).body.roundId as string;
    await eventually(async () => (await t.http.get(`/public/rounds/${round}`)).body.status === 'open');
    for (const [m, amount] of [
      [cleo, '100000'],
      [dev, '50000'],
    ] as const) {
      await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `cb-${m.id}`).send({ memberId: m.id, amount: '200000', currency: 'EUR' }).expect(201);
      const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token;
      await t.http.post(`/members/me/rounds/${round}/pledge`).set('Authorization', `Bearer ${token}`).send({ amount }).expect(200);
    }
    await eventually(async () => (await t.http.get(`/admin/rounds/${round}`).set(auth)).body.status === 'awaiting-payout', 30_000);

    const page = await (await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/console`);
    await page.getByRole('heading', { name: 'Coordinator console' }).waitFor();
    await screenshot(page, 'console-gate');
    // Coordinators sign in by email (test/e2e/coordinators-browser.spec.ts); operations open it with the bootstrap token.
    await page.getByText('Operations: open with the bootstrap token').click();
    const tokenField = page.getByLabel('Bootstrap token (ADMIN_TOKEN)');
    await tokenField.fill('not-the-token');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('alert').filter({ hasText: 'This is not the bootstrap token' }).waitFor();
    await tokenField.fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');

    // The network: nodes by location, levels as a chart, each node's load against its limit.
    await page.getByRole('heading', { name: 'The network' }).waitFor();
    await page.getByRole('heading', { name: 'Lindenau yard (2)' }).waitFor();
    expect(await page.getByRole('img', { name: /Nodes per automation level/ }).getAttribute('aria-label')).toBe('Nodes per automation level: Manual 1, Conventional 1, Computer-aided 1, Automated 1');
    expect(await page.getByRole('heading', { name: 'No location (1)' }).count()).toBe(1);
    expect(await page.getByRole('progressbar', { name: 'Work in progress at Ben’s machine shop' }).getAttribute('aria-valuemax')).toBe('2');
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await screenshot(page, 'console-network');

    // The board: the frames job is offered; the node accepts; the card moves without a reload.
    await page.getByRole('link', { name: 'Job board' }).click();
    const offered = page.getByRole('region', { name: /Offered/ });
    await offered.getByRole('listitem', { name: '6 frames (fabrication)' }).waitFor();
    expect(await page.getByRole('region', { name: /Waiting/ }).getByRole('listitem', { name: '2 brackets (welding)' }).count()).toBe(1);
    const offerId = (await status(frames)).offers.at(-1).offerId;
    await t.http.post(`/nodes/me/jobs/${frames}/accept`).set('Authorization', `Bearer ${shop.token}`).send({ offerId }).expect(200);
    await page.getByRole('region', { name: /Accepted/ }).getByRole('listitem', { name: '6 frames (fabrication)' }).waitFor({ timeout: 20_000 });
    expect(await offered.getByRole('listitem', { name: '6 frames (fabrication)' }).count()).toBe(0);
    await screenshot(page, 'console-jobs');

    // Rounds: the funded one first, its bar full; the payout approved from here.
    await page.getByRole('link', { name: 'Funding rounds' }).click();
    const bar = page.getByRole('progressbar', { name: 'Raised for Seed-starting rack' });
    await bar.waitFor();
    expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax')]).toEqual(['100', '100']);
    expect(await bar.getAttribute('aria-valuetext')).toBe('€1,500.00 of €1,500.00 (100 %)');
    await screenshot(page, 'console-rounds');
    await page.getByRole('button', { name: 'Approve the payout…' }).click();
    await page.getByRole('button', { name: 'Yes, pay out €1,500.00' }).click();
    await page.getByRole('status').filter({ hasText: 'Payout of €1,500.00 to “Seed-starting rack” approved.' }).waitFor();
    await eventually(async () => (await t.http.get(`/admin/rounds/${round}`).set(auth)).body.status === 'funded', 30_000);
    await page.getByText('Funded', { exact: true }).waitFor({ timeout: 20_000 });

    // The ledger: names, not ids; the trial balance sums to zero.
    await page.getByRole('link', { name: 'Ledger' }).click();
    await page.getByRole('heading', { name: 'Trial balance' }).waitFor();
    await page.getByText('balanced', { exact: true }).waitFor();
    await page.getByRole('rowheader', { name: 'Project “Seed-starting rack”' }).waitFor();
    const projectRow = page.getByRole('row', { name: /Project “Seed-starting rack”/ });
    expect(await projectRow.textContent()).toContain('€1,500.00');
    expect(await page.textContent('main')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    await screenshot(page, 'console-ledger');

    // Closing the console forgets the token: the door asks again.
    await page.getByRole('button', { name: 'Close the console' }).click();
    await page.getByLabel('Your email address').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  }, 240_000);
});
