/**
 * People, roles and the audit trail over HTTP against the real stack (PostgreSQL, the Temporal dev
 * server, the worker's mail relay and a real SMTP server): the bootstrap token invites
 * coordinators by email; each signs in with the link from the real mail and gets a console
 * session; roles hold (a viewer's write, a coordinator's payout approval and ledger posting are
 * refused; a treasurer's pass); personal tokens work until revoked; disabling an account shuts
 * its session and tokens at once; the audit trail names each actor and filters by actor, route,
 * resource and time, a page at a time.
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const bootstrap = { Authorization: `Bearer ${ADMIN_TOKEN}` };
interface AuditRow {
  id: string;
  actor: { type: string; id: string | null; name: string | null; via: string | null };
  method: string;
  route: string;
  params: Record<string, string>;
  status: number;
  code: string | null;
  requestId: string | null;
}
type AuditPage = { items: AuditRow[]; nextCursor: string | null };
let seq = 0;

interface Console {
  id: string;
  cookie: string;
  csrf: string;
}

describe('coordinator accounts, roles and the audit trail', () => {
  const t = useTestSystem({ mail: true });

  const mailsTo = async (email: string, subject: string) => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === subject);
  const consoleLink = (text: string) => /#console-link=([\w.-]+)/.exec(text)?.[1];

  /** The bootstrap token invites; the invitee opens the link of the real invitation email. */
  async function invite(name: string, role: 'viewer' | 'coordinator' | 'treasurer'): Promise<Console & { email: string; link: string }> {
    const email = `${name.toLowerCase()}-${seq++}@example.org`;
    const created = (await t.http.post('/admin/coordinators').set(bootstrap).send({ name, email, role }).expect(201)).body;
    expect(created).toMatchObject({ name, email, role, status: 'invited', invitedBy: 'bootstrap', activatedAt: null });
    const mail = await eventually(async () => (await mailsTo(email, 'You are invited to the DPN coordinator console'))[0], 20_000);
    expect(mail.text).toContain(`as a ${role}`);
    const link = consoleLink(mail.text)!;
    expect(link).toBeDefined();
    const res = await t.http.post('/session/coordinator').send({ link }).expect(200);
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0];
    expect(setCookie).toMatch(/^dpn_console=[\w-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(res.body).toMatchObject({ coordinator: { id: created.id, role, status: 'active' }, csrfToken: expect.any(String) });
    return { id: created.id, email, link, cookie: setCookie.split(';')[0], csrf: res.body.csrfToken };
  }
  const as = (c: Console) => ({ Cookie: c.cookie, 'X-CSRF-Token': c.csrf });
  const roundStatus = async (id: string) => (await t.db.query<{ status: string }>('SELECT status FROM funding_rounds WHERE id = $1', [id]))[0]?.status;
  const audit = async (query: string) => (await t.http.get(`/admin/audit?${query}`).set(bootstrap).expect(200)).body as AuditPage;

  let tereza: Console & { email: string; link: string };
  let carl: Console & { email: string; link: string };
  let vera: Console & { email: string; link: string };
  let roundId: string;
  let memberId: string;
  const started = new Date().toISOString();

  it('invites by email; the link signs in once and accepts the invitation; the console session says who and with which role', async () => {
    tereza = await invite('Tereza', 'treasurer');
    carl = await invite('Carl', 'coordinator');
    vera = await invite('Vera', 'viewer');
    expect((await t.http.get('/admin/coordinators/me').set('Cookie', carl.cookie).expect(200)).body).toMatchObject({ kind: 'coordinator', via: 'session', coordinator: { id: carl.id, role: 'coordinator' } });
    expect((await t.http.get('/admin/coordinators/me').set(bootstrap).expect(200)).body).toEqual({ kind: 'bootstrap', coordinator: null, via: null });
    expect((await t.http.get('/session/coordinator').set('Cookie', vera.cookie).expect(200)).body).toMatchObject({ coordinator: { id: vera.id }, csrfToken: vera.csrf });
    // The same invitation again, in another browser: used.
    expect((await t.http.post('/session/coordinator').send({ link: carl.link }).expect(409)).body.code).toBe('link_used');
    // A console link is not a member link, nor the other way round.
    expect((await t.http.post('/session').send({ link: carl.link }).expect(400)).body.code).toBe('link_invalid');
    // The console cookie opens no member page, and a member page's cookie no console.
    await t.http.get('/members/me').set('Cookie', carl.cookie).expect(401);
    const everyone = (await t.http.get('/admin/coordinators').set('Cookie', vera.cookie).expect(200)).body.items as Array<{ id: string; status: string }>;
    expect(everyone.filter((c) => [tereza.id, carl.id, vera.id].includes(c.id)).map((c) => c.status)).toEqual(['active', 'active', 'active']);

    // Asking for a sign-in link by email: the same answer for anyone; a link only for a coordinator.
    const known = await t.http.post('/session/coordinator/sign-in-links').send({ email: carl.email.toUpperCase() }).expect(202);
    const unknown = await t.http.post('/session/coordinator/sign-in-links').send({ email: 'nobody-here@example.org' }).expect(202);
    expect(unknown.body).toEqual(known.body);
    const signIn = await eventually(async () => (await mailsTo(carl.email, 'Your sign-in link for the DPN console'))[0], 20_000);
    expect(consoleLink(signIn.text)).toBeDefined();
  });

  it('a viewer reads but every write is a 403 forbidden_role; a write with the console cookie needs its CSRF token', async () => {
    await t.http.get('/admin/projects').set('Cookie', vera.cookie).expect(200);
    const refused = await t.http.post('/admin/projects').set(as(vera)).send({ name: 'Not by a viewer' }).expect(403);
    expect(refused.body).toMatchObject({ code: 'forbidden_role' });
    expect((await t.http.post('/admin/coordinators').set(as(vera)).send({ name: 'X', email: `x-${seq++}@example.org`, role: 'viewer' }).expect(403)).body.code).toBe('forbidden_role');
    expect((await t.http.post('/admin/projects').set('Cookie', carl.cookie).send({ name: 'No CSRF' }).expect(403)).body.code).toBe('csrf_failed');
    // A coordinator makes no treasurers, and changes nobody above them.
    expect((await t.http.post('/admin/coordinators').set(as(carl)).send({ name: 'Tim', email: `tim-${seq++}@example.org`, role: 'treasurer' }).expect(403)).body.code).toBe('forbidden_role');
    expect((await t.http.patch(`/admin/coordinators/${tereza.id}`).set(as(carl)).send({ status: 'disabled' }).expect(403)).body.code).toBe('forbidden_role');
    expect((await t.http.patch(`/admin/coordinators/${carl.id}`).set(as(carl)).send({ role: 'viewer' }).expect(403)).body.code).toBe('cannot_change_self');
    // Nothing was created by the refused writes.
    expect((await t.db.query(`SELECT 1 FROM production_projects WHERE name IN ('Not by a viewer', 'No CSRF')`)).length).toBe(0);
  });

  it('only a treasurer approves a payout or posts to the ledger; the workflow and the records name the coordinator, not “coordinator”', async () => {
    const m = (await t.http.post('/admin/members').set(as(carl)).send({ name: 'Mira', email: `mira-${seq++}@example.org` }).expect(201)).body;
    memberId = m.id;
    expect((await t.http.post('/admin/ledger/deposits').set(as(carl)).set('Idempotency-Key', `dep-${m.id}`).send({ memberId: m.id, amount: '5000', currency: 'EUR' }).expect(403)).body.code).toBe('forbidden_role');
    await t.http.post('/admin/ledger/deposits').set(as(tereza)).set('Idempotency-Key', `dep-${m.id}`).send({ memberId: m.id, amount: '5000', currency: 'EUR' }).expect(201);
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(as(carl)).send({ name: 'e2e' }).expect(201)).body.token as string;

    const project = (await t.http.post('/admin/projects').set(as(carl)).send({ name: `Dryer ${seq++}` }).expect(201)).body;
    expect(project.createdBy).toBe(`coordinator:${carl.id}`);
    const round = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(as(carl))
      .send({ goal: '1000', currency: 'EUR', minPledge: '100', deadline: new Date(Date.now() + 30 * 60_000).toISOString(), closeWhenGoalMet: true })
      .expect(201);
    roundId = round.body.roundId;
    await eventually(async () => (await t.http.get(`/public/rounds/${roundId}`)).body.status === 'open', 20_000);
    await t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Authorization', `Bearer ${token}`).send({ amount: '1000' }).expect(200);
    await eventually(async () => (await roundStatus(roundId)) === 'awaiting-payout', 30_000);

    expect((await t.http.post(`/admin/rounds/${roundId}/payout/approve`).set(as(vera)).send({}).expect(403)).body.code).toBe('forbidden_role');
    const refused = await t.http.post(`/admin/rounds/${roundId}/payout/approve`).set(as(carl)).send({}).expect(403);
    expect(refused.body).toMatchObject({ code: 'forbidden_role', detail: expect.stringContaining('treasurer') });
    expect(await roundStatus(roundId)).toBe('awaiting-payout');
    const paid = await t.http.post(`/admin/rounds/${roundId}/payout/approve`).set(as(tereza)).send({}).expect(200);
    expect(paid.body.status).toBe('funded');
    const [row] = await t.db.query<{ created_by: string }>('SELECT created_by FROM funding_rounds WHERE id = $1', [roundId]);
    expect(row.created_by).toBe(`coordinator:${carl.id}`);
    const view = (await t.http.get(`/admin/projects/${project.id}`).set('Cookie', vera.cookie).expect(200)).body;
    expect(view.events.some((e: { actor: string | null }) => e.actor === `coordinator:${carl.id}`)).toBe(true);
  });

  it('a personal token works as Bearer with its owner’s role, notes its last use, and is a 401 once revoked', async () => {
    const issued = (await t.http.post('/admin/coordinators/me/tokens').set(as(carl)).send({ name: 'reporting script' }).expect(201)).body;
    expect(issued.token).toMatch(/^dpn_crd_[\w-]{43}$/);
    const bearer = { Authorization: `Bearer ${issued.token}` };
    expect((await t.http.get('/admin/coordinators/me').set(bearer).expect(200)).body).toMatchObject({ kind: 'coordinator', via: 'token', coordinator: { id: carl.id } });
    await t.http.post('/admin/projects').set(bearer).send({ name: `By token ${seq++}` }).expect(201);
    expect((await t.http.post(`/admin/rounds/${roundId}/payout/approve`).set(bearer).send({}).expect(403)).body.code).toBe('forbidden_role');
    const listed = (await t.http.get('/admin/coordinators/me/tokens').set('Cookie', carl.cookie).expect(200)).body.items as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ id: issued.id, name: 'reporting script', lastUsedAt: expect.any(String), revokedAt: null })]);
    expect(listed[0].token).toBeUndefined();
    const [stored] = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM coordinator_tokens WHERE id = $1', [issued.id]);
    expect(stored.token_hash).not.toContain(issued.token.slice(8, 20));
    // The bootstrap token has no personal tokens.
    expect((await t.http.post('/admin/coordinators/me/tokens').set(bootstrap).send({ name: 'x' }).expect(403)).body.code).toBe('not_a_coordinator');
    // A viewer's token cannot write either.
    expect((await t.http.delete(`/admin/coordinators/me/tokens/${issued.id}`).set(as(vera)).expect(403)).body.code).toBe('forbidden_role');

    expect((await t.http.delete(`/admin/coordinators/me/tokens/${issued.id}`).set(as(carl)).expect(200)).body.revokedAt).toEqual(expect.any(String));
    expect((await t.http.get('/admin/projects').set(bearer).expect(401)).body.code).toBe('unauthorized');
    await t.http.get('/admin/projects').set({ Authorization: 'Bearer dpn_crd_forged' }).expect(401);
  });

  it('the audit trail names each actor, keeps refusals, and filters by actor, route, resource, outcome and time, a page at a time', async () => {
    // Rows are written as each answer goes out: wait for the last of them.
    await eventually(async () => (await audit(`actor=coordinator:${carl.id}&route=/admin/coordinators/me/tokens`)).items.some((e) => e.method === 'DELETE'));
    const carls = await audit(`actor=coordinator:${carl.id}&limit=200`);
    expect(carls.items.every((e) => e.actor.type === 'coordinator' && e.actor.id === carl.id && e.actor.name === 'Carl')).toBe(true);
    const approveRoute = '/admin/rounds/:id/payout/approve';
    expect(carls.items.filter((e) => e.route === approveRoute).map((e) => [e.actor.via, e.status, e.code, e.params.id])).toEqual([
      ['token', 403, 'forbidden_role', roundId],
      ['session', 403, 'forbidden_role', roundId],
    ]);
    expect(carls.items.find((e) => e.route === '/admin/projects' && e.code === 'csrf_failed')).toMatchObject({ method: 'POST', status: 403 });

    // Everything that touched the round: who tried, who did, and the member's pledge.
    const round = await audit(`resource=${roundId}`);
    expect(round.items.map((e) => [e.actor.type, e.actor.name, e.actor.via, e.route, e.status])).toEqual([
      ['coordinator', 'Carl', 'token', approveRoute, 403],
      ['coordinator', 'Tereza', 'session', approveRoute, 200],
      ['coordinator', 'Carl', 'session', approveRoute, 403],
      ['coordinator', 'Vera', 'session', approveRoute, 403],
      ['member', 'Mira', 'token', '/members/me/rounds/:id/pledge', 200],
    ]);
    expect(round.items[1].requestId).toEqual(expect.any(String));
    expect(round.items[4].actor.id).toBe(memberId);

    // Refusals only; the bootstrap token; a route prefix; a time window.
    const refused = await audit(`outcome=refused&actor=coordinator:${vera.id}`);
    expect(refused.items.length).toBeGreaterThanOrEqual(4);
    expect(refused.items.every((e) => e.status >= 400 && e.actor.name === 'Vera')).toBe(true);
    // A sign-in names who signed in.
    const signIns = await audit(`actor=coordinator:${carl.id}&route=/session/coordinator`);
    expect(signIns.items.map((e) => [e.route, e.status, e.actor.name])).toContainEqual(['/session/coordinator', 200, 'Carl']);
    const invites = await audit('actor=bootstrap&route=/admin/coordinators');
    expect(invites.items.filter((e) => e.route === '/admin/coordinators' && e.status === 201)).toHaveLength(3);
    expect((await audit(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    expect((await audit(`from=${encodeURIComponent(started)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&limit=200`)).items.length).toBeGreaterThan(10);
    // Reads are not audited.
    expect((await audit('limit=200')).items.some((e) => e.method === 'GET')).toBe(false);

    // Pages of 3, newest first: together exactly the whole list, without overlap.
    const all = (await audit('limit=200')).items.map((e) => e.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await audit(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    // Bounded pages and checked filters.
    expect((await t.http.get('/admin/audit?limit=201').set(bootstrap).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
    expect((await t.http.get('/admin/audit?cursor=bm9wZQ').set(bootstrap).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
    expect((await t.http.get('/admin/audit?actor=someone').set(bootstrap).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'actor' })]);
    // A viewer may read the trail.
    await t.http.get('/admin/audit').set('Cookie', vera.cookie).expect(200);
  });

  it('disabling an account shuts its session and tokens at once; enabling it again restores them', async () => {
    const issued = (await t.http.post('/admin/coordinators/me/tokens').set(as(carl)).send({ name: 'cron' }).expect(201)).body;
    const disabled = await t.http.patch(`/admin/coordinators/${carl.id}`).set(as(tereza)).send({ status: 'disabled' }).expect(200);
    expect(disabled.body.status).toBe('disabled');
    expect((await t.http.get('/admin/projects').set('Cookie', carl.cookie).expect(403)).body.code).toBe('coordinator_disabled');
    expect((await t.http.get('/admin/projects').set('Authorization', `Bearer ${issued.token}`).expect(403)).body.code).toBe('coordinator_disabled');
    expect((await t.http.get('/session/coordinator').set('Cookie', carl.cookie).expect(200)).body).toMatchObject({ coordinator: null, expired: true });
    expect((await t.http.patch(`/admin/coordinators/${carl.id}`).set(as(tereza)).send({ status: 'active', role: 'viewer' }).expect(200)).body).toMatchObject({ status: 'active', role: 'viewer' });
    await t.http.get('/admin/projects').set('Authorization', `Bearer ${issued.token}`).expect(200);
    expect((await t.http.post('/admin/projects').set('Authorization', `Bearer ${issued.token}`).send({ name: 'now a viewer' }).expect(403)).body.code).toBe('forbidden_role');
    const trail = await eventually(async () => (await audit(`resource=${carl.id}`)).items.filter((e) => e.route === '/admin/coordinators/:id' && e.status === 200).length === 2 && audit(`resource=${carl.id}`));
    expect(trail.items[0]).toMatchObject({ method: 'PATCH', actor: { type: 'coordinator', name: 'Tereza', via: 'session' } });
  });
});
