/**
 * The fraction market, leases and buy-outs in a real browser, against the real stack: an owner
 * lists parts on /me/market; another member sees the book on the asset's page, is refused a bid
 * beyond their money (in words), bids, and both see the trade on /me/market; a lease is proposed
 * and accepted on /me/leases; a seller sees their buy-out claim on /me/buyouts.
 * `DPN_SCREENSHOTS=<dir>` saves the pages at 1280 and 375 px.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const DAY = 86_400_000;

describeInChromium('market-browser.spec')('the market, leases and buy-outs in a real browser', () => {
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

  const tag = randomUUID().slice(0, 6);
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.split(' ')[0].toLowerCase()}-mb-${tag}@example.org` }).expect(201)).body as { id: string; email: string };
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { ...m, name, bearer: { Authorization: `Bearer ${token}` } };
  };
  const deposit = (memberId: string, amount: string) => t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `mb-dep-${memberId}`).send({ memberId, amount, currency: 'EUR' }).expect(201);

  const signIn = async (email: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === 'Your sign-in link for DPN').at(-1), 20_000);
    const link = new URL(/https?:\/\/\S+#link=[\w.-]+/.exec(mail.text)![0]);
    await page.goto(`${base}${link.pathname}${link.hash}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  };

  it('lists parts, bids from another member, shows the trade to both, a lease proposed and accepted, and a buy-out claim', async () => {
    const [opal, ann, cara, bob] = [await member('Opal Berg'), await member('Ann Lund'), await member('Cara Holm'), await member('Bob Falk')];
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({
          name: 'Market greenhouse',
          kind: 'greenhouse',
          identifier: `GH-MB-${tag}`,
          totalParts: '100',
          owners: [
            { memberId: opal.id, parts: '50', outputParts: '50' },
            { memberId: ann.id, parts: '30', outputParts: '30' },
            { memberId: cara.id, parts: '20', outputParts: '20' },
          ],
        })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' };
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [tomatoes] }).expect(200);
    await t.http.put(`/admin/assets/${asset.id}/market`).set(auth).send({ currency: 'EUR', rofrDays: 0, operatorMemberId: opal.id, operatorFloorParts: '40' }).expect(200);
    await deposit(bob.id, '500000');

    // Some history: Cara sells to Bob on three earlier days (the trades moved back in time for the chart).
    for (const [price, daysAgo] of [
      ['400', 9],
      ['450', 6],
      ['430', 3],
    ] as Array<[string, number]>) {
      const key = randomUUID();
      const sold = (
        await t.http
          .post('/members/me/market/listings')
          .set(cara.bearer)
          .set('Idempotency-Key', key)
          .send({ assetId: asset.id, parts: '2', pricePerPart: price, currency: 'EUR', expiresAt: new Date(Date.now() + 30 * DAY).toISOString() })
          .expect(201)
      ).body.listing as { id: string };
      const r = await t.http
        .post('/members/me/market/bids')
        .set(bob.bearer)
        .set('Idempotency-Key', randomUUID())
        .send({ assetId: asset.id, parts: '2', pricePerPart: price, currency: 'EUR', expiresAt: new Date(Date.now() + 30 * DAY).toISOString() })
        .expect(201);
      expect(r.body.trades).toHaveLength(1);
      await t.db.query(`UPDATE market_trades SET created_at = now() - make_interval(days => $2) WHERE listing_id = $1`, [sold.id, daysAgo]);
    }
    // The operator's buy-out of the others, agreed by the coordinator.
    await t.http
      .post(`/admin/assets/${asset.id}/buyouts`)
      .set(auth)
      .set('Idempotency-Key', `mb-buyout-${tag}`)
      .send({ operatorMemberId: opal.id, targetParts: '70', pricePerPart: '450', currency: 'EUR', funding: 'fixed', fixedAmount: '2000', source: 'pro-rata', note: 'Agreed at the owners’ meeting' })
      .expect(201);

    // Ann lists 10 parts at €5.00 on /me/market.
    const a = await signIn(ann.email);
    await a.getByRole('link', { name: 'Market', exact: true }).click();
    const sell = a.getByRole('form', { name: 'List parts for sale' });
    await sell.getByLabel('Parts').fill('10');
    await sell.getByLabel('Price per part (EUR)').fill('5');
    await sell.getByRole('button', { name: 'List my parts' }).click();
    expect(await sell.getByRole('status').textContent()).toContain('Listed 10 parts at €5.00 a part.');
    const annListings = a.getByRole('table', { name: 'My listings' });
    await annListings.getByText('open', { exact: true }).waitFor();
    // More than she may list (30 owned, 10 listed): refused in words.
    await sell.getByLabel('Parts').fill('25');
    await sell.getByLabel('Price per part (EUR)').fill('5');
    await sell.getByRole('button', { name: 'List my parts' }).click();
    expect(await sell.getByRole('alert').textContent()).toBe('You own 30 parts and 10 are already listed: you cannot list 25.');

    // Bob sees the book on the asset's page and bids.
    const b = await signIn(bob.email);
    await b.goto(`${base}/assets/${asset.id}`);
    const asks = b.getByRole('table', { name: 'For sale (asks), cheapest first' });
    await asks.waitFor();
    expect(await asks.getByRole('row').nth(1).textContent()).toBe('€5.00101');
    expect(await b.getByText(/^Last price:/).textContent()).toContain('€4.30');
    await b.getByRole('img', { name: /Daily closing price per part/ }).waitFor();
    const bid = b.getByRole('form', { name: 'Bid for parts' });
    await bid.getByLabel('Parts').fill('2');
    await bid.getByLabel('Price per part (EUR)').fill('100000');
    await bid.getByRole('button', { name: 'Place my bid' }).click();
    expect(await bid.getByRole('alert').textContent()).toMatch(/^Your account does not hold enough: this needs €200,000\.00 and €4,\d{3}\.\d{2} is free\./);
    await bid.getByLabel('Parts').fill('4');
    await bid.getByLabel('Price per part (EUR)').fill('5.50');
    await bid.getByRole('button', { name: 'Place my bid' }).click();
    expect(await bid.getByRole('status').textContent()).toBe('Your bid for 4 parts at €5.50 a part is placed. It bought 4 parts at €5.00 at once. It is filled.');
    await bid.getByLabel('Parts').fill('3');
    await bid.getByLabel('Price per part (EUR)').fill('4');
    await bid.getByRole('button', { name: 'Place my bid' }).click();
    await bid.getByRole('status').filter({ hasText: 'Your bid for 3 parts at €4.00' }).waitFor();
    const bids = b.getByRole('table', { name: 'Wanted (bids), highest first' });
    await eventually(async () => ((await bids.getByRole('row').nth(1).textContent()) === '€4.0031' ? true : undefined), 10_000);
    await eventually(async () => ((await asks.getByRole('row').nth(1).textContent()) === '€5.0061' ? true : undefined), 10_000);
    await b.locator('.market-card').scrollIntoViewIfNeeded();
    await screenshot(b, 'market-asset');

    // Both see the trade on /me/market.
    await b.getByRole('link', { name: 'Market', exact: true }).click();
    const bobTrades = b.getByRole('list', { name: 'My trades' });
    await bobTrades.waitFor();
    // The asset's name comes with its own request: wait for it.
    await bobTrades.getByRole('listitem').first().filter({ hasText: /^Bought 4 parts of Market greenhouse at €5\.00 a part: €20\.00/ }).waitFor();
    const bobBids = b.getByRole('table', { name: 'My bids' });
    expect(await bobBids.getByRole('row').nth(1).textContent()).toContain('€12.00'); // 3 parts × €4.00 held
    await screenshot(b, 'me-market');
    await a.reload();
    const annTrades = a.getByRole('list', { name: 'My trades' });
    await annTrades.waitFor();
    await annTrades.getByRole('listitem').first().filter({ hasText: /^Sold 4 parts of Market greenhouse at €5\.00 a part: €20\.00/ }).waitFor();
    expect(await a.getByRole('table', { name: 'My listings' }).getByRole('row').nth(1).textContent()).toMatch(/106€5\.00open/);

    // Ann proposes a lease of 5 parts' output to Bob; Bob accepts it (paid up front).
    await a.goto(`${base}/me/leases`);
    const propose = a.getByRole('form', { name: 'Propose a lease' });
    await propose.getByLabel('Lessee’s member id').fill(bob.id);
    await propose.getByLabel('Parts').fill('5');
    await propose.getByLabel('Quarters', { exact: true }).fill('4');
    await propose.getByLabel('Price of the whole term (EUR)').fill('120');
    await propose.getByRole('button', { name: 'Propose the lease' }).click();
    expect(await propose.getByRole('status').textContent()).toMatch(/^Proposed: 5 parts of Market greenhouse from \d{4}-Q[1-4] to \d{4}-Q[1-4] for €120\.00\./);
    await b.goto(`${base}/me/leases`);
    await b.getByRole('heading', { name: 'Leased in: 5 of 100 parts of Market greenhouse' }).waitFor();
    await b.getByRole('button', { name: 'Accept and pay €120.00' }).click();
    await b.getByText('active', { exact: true }).waitFor();
    const quarters = b.getByRole('table', { name: 'Quarters of the lease of Market greenhouse' });
    expect(await quarters.getByRole('row').count()).toBe(5);
    expect(await quarters.getByRole('row').nth(1).textContent()).toMatch(/€30\.00paid up front/);
    await b.getByRole('button', { name: 'Ask to end early' }).waitFor();
    await b.getByText('Lessor: Ann Lund').waitFor(); // the other side by name, not by id
    await screenshot(b, 'me-leases');

    // Ann is a seller in the operator's buy-out: her remaining claim.
    await a.goto(`${base}/me/buyouts`);
    await a.getByRole('heading', { name: 'Market greenhouse' }).waitFor();
    expect(await a.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
    expect(await a.locator('.facts').textContent()).toMatch(/My remaining claim\d+ parts, €/);
    await screenshot(a, 'me-buyouts');
    await a.context().close();
    await b.context().close();
  });
});
