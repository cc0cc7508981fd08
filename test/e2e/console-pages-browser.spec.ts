/**
 * The console's reading pages in a real browser (Debian's Chromium, playwright-core) against the
 * real stack (the API serving the built app, the worker and its mail relay, a real SMTP server,
 * PostgreSQL, the Temporal dev server, a real webhook receiver). A viewer, signed in from her
 * invitation email, reads every page: the automation levels week by week, a round's backers under
 * its bar, an asset's owners (chart and table), its ownership and movement trails, an account's
 * statement and its CSV download, members, locations, a backers' vote (who answered, never what),
 * the mail sent (no links) and a node's webhook attempts. A member signed in to the member pages
 * is told the console is not theirs, and sees none of it.
 *
 * DPN_SCREENSHOTS=<dir> also saves each page at 1280 and 375 px wide (to look at them).
 */
import { readFile } from 'node:fs/promises';
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

describeInChromium('console-pages-browser.spec')('the console’s reading pages in a real browser', () => {
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
  const member = async (name: string) => {
    const email = `${name.split(' ')[0].toLowerCase()}-cp${seq++}@example.org`;
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email }).expect(201)).body as { id: string };
    return { ...m, email, name };
  };
  const deposit = (memberId: string, amount: string) => t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `cp-dep-${memberId}-${amount}`).send({ memberId, amount, currency: 'EUR' }).expect(201);
  const tokenOf = async (memberId: string) => (await t.http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
  /** The link in the newest mail to this address with this subject, on this server. */
  const linkIn = async (email: string, subject: string, pattern: RegExp) => {
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === subject).at(-1), 20_000);
    const link = new URL(pattern.exec(mail.text)![0]);
    return `${base}${link.pathname}${link.hash}`;
  };

  it('a viewer reads backers, an asset, a statement and its CSV, members, locations, a vote, the mail and webhook attempts; a member is refused', async () => {
    const [ben, cleo, dev, eli] = [await member('Ben Larsen'), await member('Cleo Martin'), await member('Dev Patel'), await member('Eli Novak')];
    const yard = (await t.http.post('/admin/locations').set(auth).send({ name: 'Lindenau yard', kind: 'industrial-park', address: 'Lindenauer Hafen 1, Leipzig' }).expect(201)).body;
    const created = (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name: 'Ben’s machine shop', ownerMemberId: ben.id, automationLevel: 'computer-aided', locationId: yard.id, capabilities: [{ function: 'fabrication', capacity: 20, unit: 'parts/week' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body;
    const receiver = createReceiver({ secrets: [created.webhookSecret], log: () => undefined });
    servers.push(receiver);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    await t.http.patch(`/admin/nodes/${created.id}`).set(auth).send({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }).expect(200);
    await t.http.post(`/admin/nodes/${created.id}/ping`).set(auth).expect(200);
    // It joined two weeks ago (as recorded: the test moves the record back) and was raised to automated today.
    await t.db.query(`UPDATE node_level_changes SET changed_at = now() - interval '14 days' WHERE node_id = $1`, [created.id]);
    await t.http.patch(`/admin/nodes/${created.id}`).set(auth).send({ automationLevel: 'automated' }).expect(200);

    // A portable asset, co-owned, that moved and changed hands once.
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Mobile sawmill', kind: 'sawmill', identifier: `SAW-${Date.now()}`, portable: true, totalParts: '1000', owners: [{ memberId: ben.id, parts: '600' }, { memberId: cleo.id, parts: '400' }] })
        .expect(201)
    ).body;
    await t.http.post(`/admin/assets/${asset.id}/movements`).set(auth).send({ locationId: yard.id, movedAt: '2026-01-10T09:00:00Z' }).expect(201);
    await t.http.post(`/admin/assets/${asset.id}/movements`).set(auth).send({ place: 'on the truck to Halle' }).expect(201);
    await deposit(dev.id, '300000');
    await t.http.post(`/admin/assets/${asset.id}/ownership/transfers`).set(auth).set('Idempotency-Key', `cp-sale-${asset.id}`).send({ fromMemberId: ben.id, toMemberId: dev.id, parts: '100', price: '25000', currency: 'EUR' }).expect(201);

    // A round whose payout the backers vote on: Cleo and Dev back it; Cleo answers the vote, Dev not yet.
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed-starting rack', description: 'An open-hardware rack.' }).expect(201)).body;
    const round = (
      await t.http
        .post(`/admin/projects/${project.id}/rounds`)
        .set(auth)
        .send({ goal: '150000', currency: 'EUR', minPledge: '5000', closeWhenGoalMet: true, payoutApproval: 'members', deadline: new Date(Date.now() + 14 * 86_400_000).toISOString() })
        .expect(201)
    ).body.roundId as string;
    await eventually(async () => (await t.http.get(`/public/rounds/${round}`)).body.status === 'open');
    await deposit(cleo.id, '200000');
    const tokens = { cleo: await tokenOf(cleo.id), dev: await tokenOf(dev.id) };
    await t.http.post(`/members/me/rounds/${round}/pledge`).set('Authorization', `Bearer ${tokens.dev}`).send({ amount: '50000' }).expect(200);
    await t.http.post(`/members/me/rounds/${round}/pledge`).set('Authorization', `Bearer ${tokens.cleo}`).send({ amount: '100000' }).expect(200);
    const vote = await eventually(async () => (await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${tokens.cleo}`).expect(200)).body.items[0] as { id: string } | undefined, 40_000);
    await t.http.post(`/members/me/decisions/${vote.id}/answer`).set('Authorization', `Bearer ${tokens.cleo}`).send({ option: 'approve', comment: 'a private reason' }).expect(200);

    // The viewer: invited with the bootstrap token, signed in from her invitation's email.
    await t.http.post('/admin/coordinators').set(auth).send({ name: 'Vera Lind', email: 'vera-cp@example.org', role: 'viewer' }).expect(201);
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(await linkIn('vera-cp@example.org', 'You are invited to the DPN coordinator console', /https?:\/\/\S+#console-link=[\w.-]+/));
    await page.getByText('Vera Lind · viewer').waitFor();

    // The network page: the levels week by week, from the database's record of each change.
    const levels = page.getByRole('img', { name: /^Automation levels over the last 26 weeks/ });
    await levels.waitFor();
    expect(await levels.getAttribute('aria-label')).toBe(
      'Automation levels over the last 26 weeks: Manual 0, Conventional 0, Computer-aided 1, Automated 0 then; now Manual 0, Conventional 0, Computer-aided 0, Automated 1',
    );
    await levels.locator('.recharts-area').last().waitFor(); // automated: the one level with nodes now
    await screenshot(page, 'console-network-levels');

    // Rounds: the backers under the bar, by name, newest pledge first.
    await page.getByRole('link', { name: 'Funding rounds' }).click();
    await page.getByRole('progressbar', { name: 'Raised for Seed-starting rack' }).waitFor();
    await page.getByText('Backers (2)').click();
    const backers = page.getByRole('list', { name: 'Backers of Seed-starting rack' });
    await backers.waitFor();
    expect(await backers.getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^Cleo Martin.*€1,000\.00/), expect.stringMatching(/^Dev Patel.*€500\.00/)]);
    // A viewer is offered no action the API would refuse her.
    expect(await page.getByRole('button', { name: /Cancel the round|Approve the payout/ }).count()).toBe(0);
    await screenshot(page, 'console-round-backers');

    // Assets: the list, then the sawmill's owners (chart and table), its trails.
    await page.getByRole('link', { name: 'Assets' }).click();
    await page.getByRole('link', { name: 'Mobile sawmill' }).click();
    await page.getByRole('heading', { name: 'Mobile sawmill' }).waitFor();
    const owners = page.getByRole('table', { name: 'Owners of Mobile sawmill' });
    await owners.waitFor();
    expect((await owners.getByRole('rowheader').allTextContents()).map((s) => s.trim())).toEqual(['Ben Larsen', 'Cleo Martin', 'Dev Patel']);
    expect(await owners.getByRole('row', { name: /Ben Larsen/ }).textContent()).toContain('50 %');
    await page.locator('.recharts-pie-sector').first().waitFor();
    await page.getByText('Ben Larsen → Dev Patel: 1/10').waitFor();
    expect(await page.getByRole('listitem').filter({ hasText: 'Ben Larsen → Dev Patel' }).textContent()).toContain('€250.00');
    await page.getByText('on the truck to Halle').waitFor();
    await page.getByText('Lindenau yard', { exact: true }).waitFor();
    await screenshot(page, 'console-asset');

    // The ledger: Dev's account by name, its statement with the running balance, and the CSV.
    await page.getByRole('link', { name: 'Ledger' }).click();
    await page.getByRole('link', { name: 'Dev Patel', exact: true }).click();
    await page.getByRole('heading', { name: 'Dev Patel' }).waitFor();
    const firstRow = page.locator('table.cards tbody tr').first();
    await firstRow.waitFor();
    expect(await page.locator('table.cards tbody tr').count()).toBeGreaterThanOrEqual(2);
    const lastRow = page.locator('table.cards tbody tr').last();
    expect(await lastRow.textContent()).toMatch(/Outside the network.*€3,000\.00.*€3,000\.00/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('dpn-member-dev-patel-EUR.csv');
    const csv = (await readFile((await download.path())!, 'utf8')).split('\r\n');
    expect(csv[0]).toBe('date,kind,counterparty,memo,currency,amount_minor,amount,balance_minor,balance');
    expect(csv[1]).toMatch(/^[^,]+,deposit,Outside the network,[^,]*,EUR,300000,3000\.00,300000,3000\.00$/);
    // The last balance is the account's, as the page shows it.
    const lastBalance = csv.filter(Boolean).at(-1)!.split(',').at(-2)!;
    const account = (await t.http.get('/admin/console/ledger/accounts?kind=member&limit=100').set(auth).expect(200)).body.items.find((a: { owner: string }) => a.owner === 'Dev Patel');
    expect(lastBalance).toBe(account.balance);
    await page.getByRole('status').filter({ hasText: 'Saved dpn-member-dev-patel-EUR.csv' }).waitFor();
    await screenshot(page, 'console-account');

    // Members (found by name), locations with their nodes.
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('searchbox', { name: 'Name or email' }).fill('cleo');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Members matching “cleo” (1)' }).waitFor();
    await page.getByRole('rowheader', { name: /Cleo Martin/ }).waitFor();
    await screenshot(page, 'console-members');
    await page.getByRole('link', { name: 'Locations' }).click();
    await page.getByRole('rowheader', { name: /Lindenau yard/ }).waitFor();
    expect(await page.getByRole('row', { name: /Lindenau yard/ }).textContent()).toContain('1: Ben’s machine shop');
    await screenshot(page, 'console-locations');

    // The backers' vote: Cleo answered, Dev not yet; what Cleo answered is nowhere.
    await page.getByRole('link', { name: 'Decisions' }).click();
    await page.getByRole('link', { name: 'Release the funds of "Seed-starting rack"?' }).click();
    const asked = page.getByRole('list', { name: 'Members asked' });
    await asked.waitFor();
    expect((await asked.getByRole('listitem').allTextContents()).map((s) => s.replace(/answered .*/, 'answered'))).toEqual(['Dev Patelnot yet', 'Cleo Martinanswered']);
    expect(await page.getByRole('progressbar', { name: 'Members who have answered' }).getAttribute('aria-valuetext')).toBe('1 of 2 answered');
    const text = (await page.textContent('main'))!;
    expect(text).not.toMatch(/approve|Release the funds to the project|a private reason/i);
    await screenshot(page, 'console-decision');

    // The mail sent: the vote's prompts and the invitation, never a body or a link.
    await page.getByRole('link', { name: 'Mail' }).click();
    await page.getByRole('rowheader', { name: 'You are invited to the DPN coordinator console' }).waitFor();
    expect(await page.getByRole('row', { name: /You are invited to the DPN coordinator console/ }).textContent()).toContain('vera-cp@example.org');
    expect(await page.textContent('main')).not.toMatch(/#console-link=|#link=|https?:\/\//);
    await screenshot(page, 'console-mail');

    // Webhook attempts of the shop: the signed ping, its status code and duration.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Node').selectOption({ label: 'Ben’s machine shop (Ben Larsen)' });
    const ping = page.getByRole('row', { name: /node\.ping/ }).first();
    await ping.waitFor();
    expect(await ping.textContent()).toMatch(/HTTP 2\d\d · Delivered.*\d+ ms/);
    await screenshot(page, 'console-webhooks');

    await context.close();

    // A member signed in to the member pages, at a console page: told it is for coordinators, shown nothing.
    const memberContext = await browser.newContext({ locale: 'en-GB', viewport: { width: 375, height: 800 } });
    const m = await memberContext.newPage();
    await m.goto(`${base}/signin`);
    await m.getByLabel('Email').fill(eli.email);
    await m.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await m.goto(await linkIn(eli.email, 'Your sign-in link for DPN', /https?:\/\/\S+#link=[\w.-]+/));
    await m.getByRole('button', { name: 'Sign out' }).waitFor();
    await m.goto(`${base}/console/assets/${asset.id}`);
    await m.getByRole('alert').filter({ hasText: 'You are signed in as Eli Novak, a member of the network' }).waitFor();
    expect(await m.textContent('main')).not.toMatch(/Ben Larsen|Mobile sawmill/);
    expect(await m.evaluate(async (id) => (await fetch(`/admin/console/assets/${id}`)).status, asset.id)).toBe(401);
    await screenshot(m, 'console-member-refused');
    await memberContext.close();
  }, 240_000);
});
