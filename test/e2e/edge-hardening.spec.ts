/**
 * The HTTP edge as an attacker meets it: security headers (no X-Powered-By, nosniff, no framing of
 * the docs or the decision page), no caching of anything that carries a secret, `/health` telling
 * strangers only up or down, rate limits with 429 and Retry-After on failed authentication and on
 * the signed-link page, and refusals a member reads naming no internal ledger account.
 */
import { randomUUID } from 'node:crypto';
import { describeInChromium, launchChromium, serveLocally } from '../support/chromium';
import { ADMIN_TOKEN, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('the HTTP edge', () => {
  const t = useTestSystem();
  let seq = 0;

  async function member(name: string, deposit = 0n) {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}-${randomUUID()}@example.org` }).expect(201)).body;
    if (deposit > 0n) {
      await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `seed-${m.id}`).send({ memberId: m.id, amount: String(deposit), currency: 'EUR' }).expect(201);
    }
    const issued = await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201);
    return { id: m.id as string, bearer: `Bearer ${issued.body.token as string}`, issued };
  }

  it('sends security headers on every kind of response, and keeps the docs and the decision page out of frames', async () => {
    const responses = {
      health: await t.http.get('/health'),
      docs: await t.http.get('/docs/'),
      openapi: await t.http.get('/docs/openapi.json'),
      admin: await t.http.get('/admin/members').set(auth),
      unauthorized: await t.http.get('/admin/members'),
      notFound: await t.http.get('/no/such/route'),
      decide: await t.http.get(`/decide/${'x'.repeat(40)}`),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect({ name, poweredBy: res.headers['x-powered-by'], nosniff: res.headers['x-content-type-options'] }).toEqual({ name, poweredBy: undefined, nosniff: 'nosniff' });
    }
    for (const res of [responses.docs, responses.decide]) {
      const framing = `${res.headers['x-frame-options'] ?? ''} ${res.headers['content-security-policy'] ?? ''}`;
      expect(framing).toMatch(/DENY|frame-ancestors 'none'/);
    }
    expect(responses.docs.headers['x-frame-options']).toBe('DENY');
  });

  it('marks every response that carries a secret or a token, and every authenticated answer, no-store', async () => {
    const m = await member('Ada');
    const node = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: 'Shop', ownerMemberId: m.id, automationLevel: 'manual', capabilities: [{ function: 'woodworking', capacity: 1, unit: 'parts/week' }], webhookUrl: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const secretBearing = {
      memberToken: m.issued,
      nodeCreated: node,
      nodeToken: await t.http.post(`/admin/nodes/${node.body.id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201),
      secretRotated: await t.http.post(`/admin/nodes/${node.body.id}/webhook-secret/rotate`).set(auth).expect(200),
      adminRead: await t.http.get('/admin/members').set(auth).expect(200),
      memberRead: await t.http.get('/members/me').set('Authorization', m.bearer).expect(200),
      refused: await t.http.get('/admin/members').set('Authorization', 'Bearer wrong-token-0123456789'),
      decidePage: await t.http.get(`/decide/${'x'.repeat(40)}`),
    };
    for (const [name, res] of Object.entries(secretBearing)) {
      expect({ name, cacheControl: res.headers['cache-control'] }).toEqual({ name, cacheControl: expect.stringContaining('no-store') });
    }
  });

  it('tells an anonymous caller of /health only up or down, and the coordinator the details', async () => {
    const anonymous = await t.http.get('/health').expect(200);
    expect(anonymous.body).toEqual({ status: 'up' });
    const wrongToken = await t.http.get('/health').set('Authorization', 'Bearer not-the-coordinator').expect(200);
    expect(wrongToken.body).toEqual({ status: 'up' });
    const coordinator = await t.http.get('/health').set(auth).expect(200);
    expect(coordinator.body).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, temporal: { status: 'up' } } });
  });

  it("names no internal ledger account in a member's refusal (a pledge without the money)", async () => {
    const bob = await member('Bob', 300n);
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed drill' }).expect(201)).body;
    const round = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(auth)
      .send({ goal: '100000', currency: 'EUR', minPledge: '200', deadline: new Date(Date.now() + 6 * 60_000).toISOString() })
      .expect(201);
    const refused = await t.http.post(`/members/me/rounds/${round.body.roundId}/pledge`).set('Authorization', bob.bearer).send({ amount: '400' }).expect(409);
    expect(refused.body.code).toBe('insufficient_funds');
    expect(refused.body.detail).toContain('your balance of 3.00 EUR cannot hold 4.00 EUR more');
    expect(refused.body.detail).not.toMatch(UUID);
    await t.http.post(`/admin/rounds/${round.body.roundId}/cancel`).set(auth).send({ reason: 'test over' });
  });
});

describe('rate limits', () => {
  const t = useTestSystem({ worker: false, env: { RATE_LIMIT_AUTH_FAILURES: '5', RATE_LIMIT_DECIDE: '8' } });

  it('does not count successful requests, however many', async () => {
    for (let i = 0; i < 30; i++) await t.http.get('/admin/members').set(auth).expect(200);
    await Promise.all(Array.from({ length: 30 }, () => t.http.get('/admin/members').set(auth).expect(200)));
  });

  it('answers 429 with Retry-After once an address has failed authentication too often, whatever the token kind', async () => {
    const bad = ['Bearer wrong-admin-token-000', 'Bearer dpn_mbr_forged', 'Bearer dpn_node_forged', 'Bearer wrong-admin-token-111', 'Bearer dpn_mbr_again'];
    await t.http.get('/admin/members').set('Authorization', bad[0]).expect(401);
    await t.http.get('/members/me').set('Authorization', bad[1]).expect(401);
    await t.http.get('/nodes/me/jobs').set('Authorization', bad[2]).expect(401);
    await t.http.get('/admin/members').set('Authorization', bad[3]).expect(401);
    await t.http.get('/members/me').set('Authorization', bad[4]).expect(401);
    const blocked = await t.http.get('/admin/members').set('Authorization', 'Bearer one-more-guess-0000');
    expect({ status: blocked.status, code: blocked.body.code, type: blocked.headers['content-type'] }).toEqual({
      status: 429,
      code: 'too_many_requests',
      type: expect.stringMatching(/application\/problem\+json/),
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The address is blocked for the window, even with the right token: guessing must not pay.
    expect((await t.http.get('/admin/members').set(auth)).status).toBe(429);
    // Public pages stay open.
    await t.http.get('/health').expect(200);
  });

  it('limits requests to the signed-link page per address: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await t.http.get(`/decide/${'y'.repeat(40)}`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true); // the web app's page (it shows a bad link in words), not a 429
    const limited = await t.http.get(`/decide/${'y'.repeat(40)}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['cache-control']).toContain('no-store');
  });
});

describeInChromium('edge-hardening.spec')('the OpenAPI docs under the security headers, in a real browser', () => {
  const t = useTestSystem({ worker: false });

  it('still render every operation, with no Content-Security-Policy violation', async () => {
    const base = await serveLocally(t.sys.api);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(40);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
