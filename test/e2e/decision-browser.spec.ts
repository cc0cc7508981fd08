/**
 * One decision flow in a real headless browser: Debian's Chromium driven by playwright-core
 * (executable path given, no browser download). The member opens the link from the real email
 * (`/decide/<token>`, the form decision emails have always had): the web app signs them in and
 * opens the decision's page; they pick an option, send it and see the confirmation; the project
 * moves on.
 */
import { Browser } from 'playwright-core';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describeInChromium('decision-browser.spec')('the decision page in a real browser', () => {
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

  it('a member opens the emailed link, chooses, sends, and the project moves on', async () => {
    const mina = (await t.http.post('/admin/members').set(auth).send({ name: 'Mina Jansen', email: 'mina@example.org' }).expect(201)).body;
    const asset = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: 'Fab lab laser', kind: 'laser-cutter', identifier: 'LC-1', totalParts: '1', owners: [{ memberId: mina.id, parts: '1' }] })
      .expect(201);
    const project = await t.http
      .post('/admin/projects')
      .set(auth)
      .send({ name: 'Laser kits', gate: { mode: 'members', voters: 'owners', assetId: asset.body.id } })
      .expect(201);
    await t.http.post(`/admin/projects/${project.body.id}/phases/advance`).set(auth).send({ note: 'Prototype brief ready' }).expect(200);

    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes('mina@example.org')), 20_000);
    // The link in the HTML part, as a mail client shows it; pointed at this test's server.
    const href = /href="([^"]*\/decide\/[^"]+)"/.exec(mail.html ?? '')?.[1];
    expect(href).toBeDefined();
    const url = base + new URL(href!.replace(/&amp;/g, '&')).pathname;

    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.getByRole('heading', { name: /Should "Laser kits" move from rnd to prototyping/ }).waitFor();
      expect(page.url()).toMatch(/\/decisions\/[0-9a-f-]{36}$/);
      expect(await page.textContent('main')).toContain('Prototype brief ready');
      // Sending without a choice is stopped on the page: nothing is posted.
      await page.getByRole('button', { name: 'Send my answer' }).click();
      await page.getByRole('alert').filter({ hasText: 'Choose one of the options' }).waitFor();
      await page.getByLabel('Approve: move to prototyping').check();
      await page.getByLabel('Comment (optional)').fill('Looks good to me');
      await page.getByRole('button', { name: 'Send my answer' }).click();
      await page.getByRole('status').filter({ hasText: 'your answer is recorded' }).waitFor();
      expect(await page.textContent('main')).toContain('Your answer: Approve: move to prototyping');
      // The same link again in this browser: still signed in, the decision shows as answered.
      await page.goto(url);
      await page.getByRole('status').filter({ hasText: 'You have answered' }).waitFor();
    } finally {
      await page.close();
    }

    const moved = await eventually(async () => {
      const r = await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200);
      return r.body.phase === 'prototyping' ? r.body : undefined;
    });
    expect(moved.live.gateVote).toMatchObject({ status: 'approved' });
    const vote = await t.http.get(`/members/me/decisions?status=all`).set('Authorization', `Bearer ${(await t.http.post(`/admin/members/${mina.id}/tokens`).set(auth).send({ name: 'x' })).body.token}`);
    expect(vote.body.items[0].myAnswer).toMatchObject({ option: 'approve', comment: 'Looks good to me' });
    // Answered on the page the emailed link opened: recorded as by link.
    const admin = await t.http.get(`/admin/decisions/${vote.body.items[0].id}`).set(auth).expect(200);
    expect(admin.body.voters).toEqual([expect.objectContaining({ name: 'Mina Jansen', option: 'approve', via: 'link' })]);
  });
});
