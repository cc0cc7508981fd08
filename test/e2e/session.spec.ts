/**
 * Signing in to the web app and what a session may do, over HTTP against the real stack
 * (PostgreSQL, the Temporal dev server, a real SMTP server): a link asked for by email arrives and
 * signs in once; asking never reveals whether an email is a member's; CSRF-less writes, expired
 * sessions, another member's page and a pledge above the balance change nothing; the statement
 * adds up; public pages show names, never emails.
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let seq = 0;

describe('web sessions: passwordless sign-in, CSRF, and the member pages’ data', () => {
  const t = useTestSystem({ mail: true });

  const member = async (name: string, deposit = 0) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string; name: string };
    if (deposit) await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `dep-${m.id}`).send({ memberId: m.id, amount: String(deposit), currency: 'EUR' }).expect(201);
    return m;
  };
  const signInMails = async (email: string) => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === 'Your sign-in link for DPN');
  const linkToken = (text: string) => /#link=([\w.-]+)/.exec(text)?.[1];
  /** Asks for a link by email, reads it from the real mail, opens a session with it. */
  async function signIn(email: string) {
    const before = (await signInMails(email)).length;
    await t.http.post('/session/sign-in-links').send({ email }).expect(202);
    const mail = await eventually(async () => (await signInMails(email))[before], 20_000);
    const token = linkToken(mail.text)!;
    const res = await t.http.post('/session').send({ link: token }).expect(200);
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0];
    return { token, mail, setCookie: cookie, cookie: cookie.split(';')[0], csrf: res.body.csrfToken as string, body: res.body };
  }

  it('mails a sign-in link that works once, for 15 minutes, in an HttpOnly SameSite=Lax cookie; the answer never tells who is a member', async () => {
    const ana = await member('Ana');
    const s = await signIn(ana.email);
    expect(s.mail.text).toContain('works once, for 15 minutes');
    expect(s.mail.html).toContain('Sign in to DPN');
    expect(s.setCookie).toMatch(/^dpn_session=[\w-]{43}; /);
    expect(s.setCookie).toContain('HttpOnly');
    expect(s.setCookie).toContain('SameSite=Lax');
    expect(s.setCookie).not.toContain('Secure'); // only in production
    expect(s.body).toMatchObject({ member: { id: ana.id, name: 'Ana' }, path: '/me', csrfToken: expect.stringMatching(/^[\w-]{43}$/) });
    const exp = JSON.parse(Buffer.from(s.token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
    expect(exp.exp - exp.iat).toBe(15 * 60);
    expect((await t.http.get('/session').set('Cookie', s.cookie).expect(200)).body).toMatchObject({ member: { id: ana.id }, csrfToken: s.csrf });
    expect((await t.http.get('/members/me').set('Cookie', s.cookie).expect(200)).body).toMatchObject({ id: ana.id });
    const [req] = await t.db.query<{ id: string }>('SELECT id FROM sign_in_requests WHERE subject_id = $1', [ana.id]);
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `sign-in-${req.id}`, scenario: 'sign-in-mail_v0.3.0' }]);
    // The same link again, without the session: refused (single use).
    expect((await t.http.post('/session').send({ link: s.token }).expect(409)).body.code).toBe('link_used');

    // An unknown address gets the very same answer, and no mail goes anywhere.
    const known = await t.http.post('/session/sign-in-links').send({ email: ana.email.toUpperCase() }).expect(202);
    const unknown = await t.http.post('/session/sign-in-links').send({ email: 'nobody-here@example.org' }).expect(202);
    expect(unknown.body).toEqual(known.body);
    await eventually(async () => (await signInMails(ana.email)).length === 2);
    expect((await t.mail.messages()).some((m) => m.envelopeTo.includes('nobody-here@example.org'))).toBe(false);
    // Not an email at all: a field error.
    const bad = await t.http.post('/session/sign-in-links').send({ email: 'not-an-email' }).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    // A form post from another site (not JSON) cannot sign anyone in.
    await t.http.post('/session').type('form').send({ link: s.token }).expect(415);

    // Signing out ends the session; the cookie then says so.
    await t.http.delete('/session').set('Cookie', s.cookie).expect(403);
    await t.http.delete('/session').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).expect(204);
    expect((await t.http.get('/session').set('Cookie', s.cookie).expect(200)).body).toMatchObject({ member: null, expired: true });
    expect((await t.http.get('/members/me').set('Cookie', s.cookie).expect(401)).body.code).toBe('session_expired');
  });

  it('sends one member at most 5 sign-in links in 15 minutes, and says the same each time', async () => {
    const bo = await member('Bo');
    for (let i = 0; i < 7; i++) expect((await t.http.post('/session/sign-in-links').send({ email: bo.email }).expect(202)).body.message).toContain('If this email belongs to a member');
    await eventually(async () => (await signInMails(bo.email)).length >= 5, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await signInMails(bo.email)).toHaveLength(5);
  });

  it('a pledge needs the CSRF token, an expired session is told so, and a pledge above the balance changes nothing', async () => {
    const cleo = await member('Cleo', 100_000);
    const project = await t.http.post('/admin/projects').set(auth).send({ name: `Dryer ${seq++}`, description: 'A solar dryer' }).expect(201);
    const round = await t.http
      .post(`/admin/projects/${project.body.id}/rounds`)
      .set(auth)
      .send({ goal: '500000', currency: 'EUR', minPledge: '5000', deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(), documents: [{ title: 'Agreement', url: 'https://docs.example.org/a.pdf', contentHash: `sha256:${'ab'.repeat(32)}` }] })
      .expect(201);
    const roundId = round.body.roundId as string;
    await eventually(async () => (await t.http.get(`/public/rounds/${roundId}`)).body.status === 'open');
    const s = await signIn(cleo.email);
    const pledge = (amount: string, csrf?: string) => {
      const r = t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Cookie', s.cookie);
      return (csrf ? r.set('X-CSRF-Token', csrf) : r).send({ amount });
    };
    expect((await pledge('20000').expect(403)).body.code).toBe('csrf_failed');
    expect((await pledge('20000', 'wrong-token-wrong-token-wrong-token-wrong-t').expect(403)).body.code).toBe('csrf_failed');
    const page0 = (await t.http.get(`/members/me/rounds/${roundId}`).set('Cookie', s.cookie).expect(200)).body;
    expect(page0).toMatchObject({ projectName: project.body.name, projectDescription: 'A solar dryer', total: '0', myPledge: '0', available: '100000', documents: [{ title: 'Agreement' }] });
    const ok = (await pledge('20000', s.csrf).expect(200)).body;
    expect(ok).toMatchObject({ total: '20000', currency: 'EUR' });
    const tooMuch = await pledge('150000', s.csrf).expect(409);
    expect(tooMuch.body.code).toBe('insufficient_funds');
    expect((await pledge('100', s.csrf).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'amount' })]);
    expect((await t.http.get(`/members/me/rounds/${roundId}`).set('Cookie', s.cookie).expect(200)).body).toMatchObject({ total: '20000', myPledge: '20000', available: '80000' });

    // The account and its statement: entries by name, a running balance, a CSV that adds up.
    expect((await t.http.get('/members/me/account').set('Cookie', s.cookie).expect(200)).body.balances).toEqual([{ currency: 'EUR', available: '80000', held: '20000' }]);
    const st = (await t.http.get('/members/me/statement?currency=EUR').set('Cookie', s.cookie).expect(200)).body;
    expect(st).toMatchObject({ opening: '0', closing: '80000', total: 2, nextCursor: null });
    expect(st.items.map((e: { description: string }) => e.description)).toEqual([`Pledge to the round of “${project.body.name}”`, 'Deposit']);
    expect(st.items.map((e: { kind: string; counterparty: string; amount: string; balanceAfter: string }) => [e.kind, e.counterparty, e.amount, e.balanceAfter])).toEqual([
      ['pledge-hold', `Funding round of “${project.body.name}” (held)`, '-20000', '80000'],
      ['deposit', 'Outside the network', '100000', '100000'],
    ]);
    const csv = await t.http.get('/members/me/statement.csv?currency=EUR').set('Cookie', s.cookie).expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('attachment');
    const rows = csv.text.trim().split('\r\n').slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(2);
    const cents = (d: string) => BigInt(d.replace('.', ''));
    expect(rows.reduce((sum, r) => sum + cents(r[4]), 0n)).toBe(80000n);
    expect(rows.at(-1)![6]).toBe('800.00');

    // An expired session: told so, and the pledge stays as it was.
    await t.db.query("UPDATE web_sessions SET expires_at = now() - interval '1 minute' WHERE subject_id = $1", [cleo.id]);
    expect((await pledge('30000', s.csrf).expect(401)).body.code).toBe('session_expired');
    expect((await t.db.query<{ amount: string }>('SELECT amount::text FROM funding_pledges WHERE round_id = $1 AND member_id = $2', [roundId, cleo.id]))[0].amount).toBe('20000');
  });

  it('shows a member only their own pages; the public pages show names and never an email', async () => {
    const [dora, emil, finn] = [await member('Dora'), await member('Emil'), await member('Finn')];
    const asset = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: `Greenhouse ${seq++}`, kind: 'greenhouse', identifier: `GH-${seq++}`, totalParts: '10', owners: [{ memberId: dora.id, parts: '7' }, { memberId: emil.id, parts: '3' }] })
      .expect(201);
    await t.http
      .put(`/admin/assets/${asset.body.id}/catalogue`)
      .set(auth)
      .send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [{ id: 'salad', name: 'Salad', unit: 'box', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' }] })
      .expect(200);
    const d = await signIn(dora.email);
    const f = await signIn(finn.email);
    const mine = (await t.http.get(`/members/me/assets/${asset.body.id}/order-window`).set('Cookie', d.cookie).expect(200)).body;
    expect(mine).toMatchObject({ assetName: asset.body.name, myPercent: '70 %', entitlement: 70, capacity: 100, status: 'waiting', catalogue: [{ id: 'salad', name: 'Salad' }] });
    expect((await t.http.get(`/members/me/assets/${asset.body.id}/order-window`).set('Cookie', f.cookie).expect(403)).body.code).toBe('not_an_owner');
    const holdings = (await t.http.get('/members/me/holdings').set('Cookie', d.cookie).expect(200)).body;
    expect(holdings.assets).toEqual([expect.objectContaining({ name: asset.body.name, myPercent: '70 %', owners: [expect.objectContaining({ name: 'Dora', isMe: true }), expect.objectContaining({ name: 'Emil', isMe: false })] })]);
    expect((await t.http.get('/members/me/holdings').set('Cookie', f.cookie).expect(200)).body.assets).toEqual([]);

    const pub = await t.http.get(`/public/assets/${asset.body.id}`).expect(200);
    expect(pub.body.owners.map((o: { memberName: string; percent: string }) => [o.memberName, o.percent])).toEqual([
      ['Dora', '70 %'],
      ['Emil', '30 %'],
    ]);
    const project = await t.http.post('/admin/projects').set(auth).send({ name: `Public ${seq++}`, description: 'For all to see' }).expect(201);
    const list = await t.http.get('/public/projects').expect(200);
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: project.body.id, phase: 'rnd', phasesDone: 0 })]));
    const one = await t.http.get(`/public/projects/${project.body.id}`).expect(200);
    expect(one.body.phases.map((p: { phase: string; state: string }) => [p.phase, p.state])).toEqual([
      ['rnd', 'current'],
      ['prototyping', 'ahead'],
      ['node-buildout', 'ahead'],
      ['upgrade', 'ahead'],
    ]);
    for (const body of [pub.body, list.body, one.body, (await t.http.get('/public/assets').expect(200)).body]) expect(JSON.stringify(body)).not.toMatch(/@example\.org/);
    await t.http.get('/public/projects/not-a-uuid').expect(400);
    // The web app's page answers its own paths (with a CSP allowing only its own scripts); an unknown API path stays a JSON 404.
    const html = await t.http.get(`/projects/${project.body.id}`).expect(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    expect(html.text).toContain('<div id="root">');
    expect((await t.http.get('/public/nothing-here').expect(404)).body.code).toBe('not_found');
    expect((await t.http.get('/members/me/nothing').expect(404)).headers['content-type']).toContain('application/problem+json');
    await t.http.get('/static/nothing.js').expect(404);
    await t.http.get('/public/projects/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11').expect(404);
  });
});
