/**
 * The node operator's pages in a real browser (Debian's Chromium, playwright-core) against the real
 * stack: the API serving the built app, the worker, PostgreSQL, the Temporal dev server, a real SMTP
 * server and a real webhook receiver. A node's owner signs in from the emailed link, finds the
 * node's offers at /node, rejects one with a reason and accepts the other, reports progress and
 * completes the job (made and scrapped); the job is delivered and the recipient asked to confirm.
 * Then the endpoint page: a test ping, and a token made and revoked.
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
  createReceiver(opts: { secrets: string[]; onEvent?: (e: { id: string; type: string; data: Record<string, unknown> }) => number | void; log?: (l: string) => void }): Server;
};

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
describeInChromium('operator-browser.spec')('the node operator’s pages in a real browser', () => {
  const t = useTestSystem({ mail: true });
  let browser: Browser;
  let base: string;
  let receiver: Server;

  beforeAll(async () => {
    base = await serveLocally(t.sys.api);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  });

  it('the owner rejects one offer with a reason, accepts the other, reports progress and completes it from /node', async () => {
    const member = async (name: string, email: string) => (await t.http.post('/admin/members').set(auth).send({ name, email }).expect(201)).body as { id: string };
    const olga = await member('Olga Brandt', 'olga@example.org');
    const rita = await member('Rita Okafor', 'rita@example.org');
    const location = (await t.http.post('/admin/locations').set(auth).send({ name: 'Lindenau yard', kind: 'industrial-park', address: 'Lindenauer Hafen 1, Leipzig' }).expect(201)).body;
    const node = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'Olga’s bending bench', ownerMemberId: olga.id, locationId: location.id, automationLevel: 'conventional', capabilities: [{ function: 'sheet-bending', capacity: 40, unit: 'parts/week' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body;
    receiver = createReceiver({ secrets: [node.webhookSecret], log: () => undefined });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    await t.http.patch(`/admin/nodes/${node.id}`).set(auth).send({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }).expect(200);
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed-starting rack' }).expect(201)).body;
    const job = async (quantity: number, days: number) =>
      (
        await t.http
          .post('/admin/jobs')
          .set(auth)
          .send({ capability: 'sheet-bending', quantity, unit: 'brackets', specUrl: 'https://designs.example.org/bracket.step', dueAt: new Date(Date.now() + days * 86_400_000).toISOString(), recipient: { type: 'member', id: rita.id }, demand: { type: 'project', id: project.id } })
          .expect(201)
      ).body.id as string;
    const [first, second] = [await job(40, 6), await job(12, 9)];
    const status = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
    await eventually(async () => (await status(first)).status === 'offered' && (await status(second)).status === 'offered', 30_000);

    const page = await (await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/signin?next=/node`);
    await page.getByLabel('Email').fill('olga@example.org');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes('olga@example.org') && m.subject === 'Your sign-in link for DPN'), 20_000);
    const link = new URL(/https?:\/\/\S+#link=[\w.-]+/.exec(mail.text)![0]);
    // On a loaded machine the page's first "who is signed in?" (sent with no cookie) can answer
    // after the link's exchange has: make it so here, and the page must still end signed in.
    let firstReadSent!: () => void;
    const readSent = new Promise<void>((r) => (firstReadSent = r));
    let exchangeAnswered!: () => void;
    const exchanged = new Promise<void>((r) => (exchangeAnswered = r));
    let held = false;
    await page.route(
      (url) => url.pathname === '/session',
      async (route) => {
        const method = route.request().method();
        if (method === 'GET' && !held) {
          held = true;
          const nobody = await route.fetch();
          firstReadSent();
          await exchanged;
          return route.fulfill({ response: nobody });
        }
        if (method === 'POST') {
          await readSent;
          const opened = await route.fetch();
          await route.fulfill({ response: opened });
          return exchangeAnswered();
        }
        return route.continue();
      },
    );
    await page.goto(`${base}${link.pathname}${link.hash}`);

    // The node's owner sees "My nodes", and the node with two offers waiting.
    await page.getByRole('link', { name: 'My nodes' }).click();
    await page.getByRole('heading', { name: 'My nodes' }).waitFor();
    expect(await page.getByRole('progressbar', { name: 'Work in progress at Olga’s bending bench' }).getAttribute('aria-valuemax')).toBe('2');
    await screenshot(page, 'node-list');
    await page.getByRole('link', { name: '2 offers waiting for your answer' }).click();
    await page.getByRole('heading', { name: 'Olga’s bending bench' }).waitFor();
    await page.getByRole('heading', { name: 'Offers waiting for your answer (2)' }).waitFor();
    await screenshot(page, 'node-work-offers');

    // The second offer: rejected with a reason (a reason is required, and said so beside the field).
    const secondItem = page.getByRole('listitem', { name: /12 brackets/ });
    await secondItem.getByRole('button', { name: 'Reject…' }).click();
    await secondItem.getByRole('button', { name: 'Reject the offer' }).click();
    await secondItem.getByRole('alert').filter({ hasText: 'Say why' }).waitFor();
    await secondItem.getByLabel('Why can’t you take it?').fill('The press is booked until March');
    await secondItem.getByRole('button', { name: 'Reject the offer' }).click();
    await page.getByRole('status').filter({ hasText: 'You rejected' }).waitFor();
    const rejected = await status(second);
    expect(rejected.offers[0]).toMatchObject({ nodeId: node.id, answer: 'rejected', reason: 'The press is booked until March' });

    // The first: accepted, with the keyboard.
    const firstItem = page.getByRole('listitem', { name: /40 brackets/ });
    await firstItem.getByRole('button', { name: 'Accept' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'You accepted' }).waitFor();
    await page.getByRole('heading', { name: 'Jobs in hand (1)' }).waitFor();
    expect((await status(first)).status).toBe('accepted');

    const inHand = page.getByRole('listitem', { name: /40 brackets/ });
    await inHand.getByRole('textbox', { name: 'Progress', exact: true }).fill('50');
    await inHand.getByLabel('Note (optional)').fill('20 of 40 bent');
    await inHand.getByRole('button', { name: 'Report progress' }).click();
    await inHand.getByRole('status').filter({ hasText: 'Progress reported: 50 %.' }).waitFor();
    await eventually(async () => (await inHand.getByRole('progressbar', { name: /Progress of/ }).getAttribute('aria-valuenow')) === '50');
    await inHand.getByRole('button', { name: 'Report it done…' }).click();
    await screenshot(page, 'node-work-in-hand');
    await inHand.getByLabel('Made').fill('500');
    await inHand.getByRole('button', { name: 'Report it done', exact: true }).click();
    await inHand.getByRole('alert').filter({ hasText: 'at most 400' }).waitFor();
    expect((await status(first)).status).toBe('in-progress');
    await inHand.getByLabel('Made').fill('40');
    await inHand.getByLabel('Scrapped').fill('3');
    await inHand.getByRole('button', { name: 'Report it done', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Reported done: 40 made, 3 scrapped.' }).waitFor();
    await page.getByRole('heading', { name: 'Delivered, awaiting confirmation (1)' }).waitFor();
    const delivered = await status(first);
    expect(delivered).toMatchObject({ status: 'delivered', nodeId: node.id, yield: { made: 40, scrapped: 3 } });
    // The recipient is asked to confirm by email.
    await eventually(async () => (await t.mail.messages()).some((m) => m.envelopeTo.includes('rita@example.org') && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    await screenshot(page, 'node-work-delivered');

    // Paid work: a priced job's counter-offer names a price; above the job's ceiling the form says so
    // before anything is sent; within it, the job takes the price.
    const pricedJob = (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: 'sheet-bending',
          quantity: 5,
          unit: 'hinges',
          specUrl: 'https://designs.example.org/hinge.step',
          dueAt: new Date(Date.now() + 8 * 86_400_000).toISOString(),
          recipient: { type: 'member', id: rita.id },
          demand: { type: 'project', id: project.id },
          price: { amount: '48000', currency: 'EUR' },
          priceCeiling: '52000',
        })
        .expect(201)
    ).body.id as string;
    await eventually(async () => (await status(pricedJob)).status === 'offered', 30_000);
    await page.reload();
    const pricedItem = page.getByRole('listitem', { name: /5 hinges/ });
    await pricedItem.getByRole('button', { name: 'Counter-offer…' }).click();
    const priceField = pricedItem.getByLabel(/Your price \(the job pays €480\.00; at most €520\.00\)/);
    await priceField.fill('530');
    await pricedItem.getByRole('button', { name: 'Send the counter-offer' }).click();
    await pricedItem.getByText('At most €520.00: the job’s ceiling.').waitFor();
    expect((await status(pricedJob)).price).toEqual({ amount: '48000', currency: 'EUR' });
    await priceField.fill('510');
    await screenshot(page, 'node-work-counter-price');
    await pricedItem.getByRole('button', { name: 'Send the counter-offer' }).click();
    await page.getByRole('status').filter({ hasText: /Your counter-offer for .* was taken/ }).waitFor();
    await eventually(async () => (await status(pricedJob)).price?.amount === '51000', 20_000);

    // The endpoint page: a ping that arrives, and a token made (shown once) and revoked.
    await page.getByRole('link', { name: 'Webhook and tokens' }).click();
    await page.getByRole('button', { name: 'Send a test ping' }).click();
    await page.getByRole('status').filter({ hasText: 'Your endpoint answered 200' }).waitFor();
    await page.getByRole('cell', { name: 'node.ping' }).first().waitFor();
    await page.getByLabel('New token’s name').fill('bench controller');
    await page.getByRole('button', { name: 'Make a token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!;
    expect(token).toMatch(/^dpn_node_/);
    await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${token}`).expect(200);
    await screenshot(page, 'node-endpoint');
    await page.getByRole('button', { name: 'Revoke the token bench controller' }).click();
    await page.getByText('No token works now.').waitFor();
    await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${token}`).expect(401);
  }, 180_000);
});
