/**
 * Member decisions end to end: a project whose gate is a members' vote, real PostgreSQL, the
 * Temporal dev server, a real SMTP server receiving real mail. The test reads each member's link
 * out of the received message, follows it as the web app does (the link opens a session), answers,
 * and sees the project move on.
 */
import jwt from 'jsonwebtoken';
import { ADMIN_TOKEN, eventually, LINK_SECRET, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let seq = 0;


describe('member decisions: email prompts, the decision page and the member API', () => {
  const t = useTestSystem({ mail: true });

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };
  const token = async (memberId: string) =>
    (await t.http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
  const mailTo = (email: string, subject: RegExp) =>
    eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(email) && subject.test(m.subject)), 20_000);
  /** The path part of a link: supertest talks to the in-process server, not to PUBLIC_URL. */
  const path = (link: string) => new URL(link).pathname;
  /** The token of a `/decide/<token>` link. */
  const tokenOf = (link: string) => path(link).split('/').pop()!;
  /** Opens a session with an emailed link, as the web app does: the cookie and the CSRF token. */
  const signIn = async (link: string) => {
    const res = await t.http.post('/session').send({ link: tokenOf(link) }).expect(200);
    return { cookie: (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; '), csrf: res.body.csrfToken as string, body: res.body };
  };

  async function gatedProject(owners: Array<{ id: string }>) {
    const asset = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: 'Greenhouse', kind: 'greenhouse', identifier: `GH-${seq++}`, totalParts: String(owners.length), owners: owners.map((o) => ({ memberId: o.id, parts: '1' })) })
      .expect(201);
    const project = await t.http
      .post('/admin/projects')
      .set(auth)
      .send({ name: `Gated ${seq++}`, gate: { mode: 'members', voters: 'owners', assetId: asset.body.id, votingHours: 72 } })
      .expect(201);
    expect(project.body.gate).toEqual({ mode: 'members', voters: 'owners', assetId: asset.body.id, rule: { kind: 'majority' }, votingHours: 72 });
    return project.body.id as string;
  }

  it('asks the owners by email, takes answers from the link and the API, and moves the project on', async () => {
    const [ada, ben, cy] = [await member('Ada'), await member('Ben'), await member('Cy')];
    const projectId = await gatedProject([ada, ben, cy]);

    const opened = await t.http.post(`/admin/projects/${projectId}/phases/advance`).set(auth).send({ note: 'Designs are done' }).expect(200);
    expect(opened.body).toMatchObject({ phase: 'rnd', gateVote: { status: 'open', toPhase: 'prototyping', voters: 3 } });
    const decisionId = opened.body.gateVote.decisionId as string;
    const again = await t.http.post(`/admin/projects/${projectId}/phases/advance`).set(auth).send({}).expect(409);
    expect(again.body.code).toBe('gate_vote_open');

    // Each owner gets a prompt with a link of their own.
    const [adaMail, benMail, cyMail] = await Promise.all([ada, ben, cy].map((m) => mailTo(m.email, /^Decision needed: /)));
    expect(adaMail.text).toContain('Designs are done');
    expect(adaMail.html).toContain('Answer now');
    const adaLink = linkIn(adaMail);
    expect(new Set([adaLink, linkIn(benMail), linkIn(cyMail)]).size).toBe(3);

    // Ada follows her link: the web app's page (a GET changes nothing), then the app opens a session with it.
    const page = await t.http.get(path(adaLink)).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const ada1 = await signIn(adaLink);
    expect(ada1.body).toMatchObject({ member: { id: ada.id }, path: `/decisions/${decisionId}` });
    const shown = await t.http.get(`/members/me/decisions/${decisionId}`).set('Cookie', ada1.cookie).expect(200);
    expect(shown.body.options.map((o: { label: string }) => o.label)).toContain('Approve: move to prototyping');
    expect(JSON.stringify(shown.body.context)).toContain('Designs are done');
    // Without the page's CSRF token the session cannot answer; with it, she answers.
    const noCsrf = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Cookie', ada1.cookie).send({ option: 'approve' }).expect(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
    await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Cookie', ada1.cookie).set('X-CSRF-Token', ada1.csrf).send({ option: 'approve' }).expect(200);
    // The link signs in once: used again elsewhere it is refused; a different answer is refused too.
    expect((await t.http.post('/session').send({ link: tokenOf(adaLink) }).expect(409)).body.code).toBe('link_used');
    const changed = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Cookie', ada1.cookie).set('X-CSRF-Token', ada1.csrf).send({ option: 'reject' }).expect(409);
    expect(changed.body.code).toBe('already_answered');

    // Ben uses the member API instead.
    const benToken = await token(ben.id);
    const pending = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${benToken}`).expect(200);
    expect(pending.body.items).toEqual([expect.objectContaining({ id: decisionId, status: 'open', myAnswer: null, kind: 'phase-gate' })]);
    const bad = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', `Bearer ${benToken}`).send({ option: 'maybe' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'option' })] });
    const answered = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', `Bearer ${benToken}`).send({ option: 'approve', comment: 'Go' }).expect(200);
    expect(answered.body.myAnswer).toMatchObject({ option: 'approve', comment: 'Go' });
    // Two of three approve: the outcome is certain, the vote closes and the project moves on.
    const project = await eventually(async () => {
      const r = await t.http.get(`/admin/projects/${projectId}`).set(auth).expect(200);
      return r.body.phase === 'prototyping' ? r.body : undefined;
    });
    expect(project.timeline.map((e: { kind: string }) => e.kind)).toEqual(['started', 'vote-opened', 'skipped']);
    expect(project.live.gateVote).toMatchObject({ status: 'approved' });
    // A repeat of Ben's answer is harmless; Cy is too late; nothing is pending any more.
    await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', `Bearer ${benToken}`).send({ option: 'approve' }).expect(200);
    const cyToken = await token(cy.id);
    const late = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', `Bearer ${cyToken}`).send({ option: 'reject' }).expect(409);
    expect(late.body.code).toBe('decision_closed');
    expect((await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${cyToken}`).expect(200)).body.items).toEqual([]);
    const cy1 = await signIn(linkIn(cyMail));
    expect((await t.http.get(`/members/me/decisions/${decisionId}`).set('Cookie', cy1.cookie).expect(200)).body).toMatchObject({ status: 'decided', myAnswer: null });
    // The coordinator sees who answered what, and how.
    const admin = await t.http.get(`/admin/decisions/${decisionId}`).set(auth).expect(200);
    expect(admin.body).toMatchObject({ status: 'decided', outcome: { optionId: 'approve', tally: { approve: 2, reject: 0 } } });
    expect(admin.body.voters.map((v: { name: string; option: string | null; via: string | null }) => [v.name, v.option, v.via]).sort()).toEqual([
      ['Ada', 'approve', 'link'],
      ['Ben', 'approve', 'api'],
      ['Cy', null, null],
    ]);
    // Everyone asked gets the result.
    const result = await mailTo(cy.email, /^Result: /);
    expect(result.text).toContain('Decided: Approve: move to prototyping');
    expect(result.text).toContain('You did not answer.');
    // Members see the tally, not how each other member voted.
    const closedForBen = await t.http.get(`/members/me/decisions/${decisionId}`).set('Authorization', `Bearer ${benToken}`).expect(200);
    expect(closedForBen.body.outcome).toMatchObject({ status: 'decided', tally: { approve: 2, reject: 0 } });
    expect(closedForBen.body.outcome.perMember).toBeUndefined();
  });

  it('refuses tampered, forged and expired links in words, and a link shows only its own member’s decisions', async () => {
    const [dee] = [await member('Dee')];
    const projectId = await gatedProject([dee]);
    const opened = await t.http.post(`/admin/projects/${projectId}/phases/advance`).set(auth).send({}).expect(200);
    const link = linkIn(await mailTo(dee.email, /^Decision needed: /));
    const tokenPart = tokenOf(link);

    const [head, payload, sig] = tokenPart.split('.');
    const tampered = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await t.http.post('/session').send({ link: tampered }).expect(400);
    expect(bad.body).toMatchObject({ code: 'link_invalid', detail: expect.stringContaining('not valid') });
    expect(bad.headers['set-cookie']).toBeUndefined();
    // Another decision id in the payload, signed with a different key: invalid too.
    const forged = jwt.sign({ dec: opened.body.gateVote.decisionId }, 'not-the-secret-not-the-secret-not-the', { subject: dee.id, audience: 'dpn:decision', issuer: 'dpn' });
    expect((await t.http.post('/session').send({ link: forged }).expect(400)).body.code).toBe('link_invalid');
    expect((await t.http.post('/session').send({ link: 'garbage' }).expect(400)).body.code).toBe('link_invalid');
    // A fresh link cannot be asked for with a forged one either.
    expect((await t.http.post('/session/sign-in-links').send({ link: forged }).expect(400)).body.code).toBe('link_invalid');
    // Correctly signed, but for a member who was not asked: signed in as themselves, nothing to see or answer.
    const outsider = await member('Outsider');
    const foreign = jwt.sign({ dec: opened.body.gateVote.decisionId }, LINK_SECRET, { subject: outsider.id, audience: 'dpn:decision', issuer: 'dpn', expiresIn: 3600 });
    const s = await t.http.post('/session').send({ link: foreign }).expect(200);
    const cookie = (s.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.get(`/members/me/decisions/${opened.body.gateVote.decisionId}`).set('Cookie', cookie).expect(404);
    await t.http.post(`/members/me/decisions/${opened.body.gateVote.decisionId}/answer`).set('Cookie', cookie).set('X-CSRF-Token', s.body.csrfToken).send({ option: 'approve' }).expect(404);

    const expired = jwt.sign({ dec: opened.body.gateVote.decisionId, exp: Math.floor(Date.now() / 1000) - 60 }, LINK_SECRET, {
      subject: dee.id,
      audience: 'dpn:decision',
      issuer: 'dpn',
    });
    const gone = await t.http.post('/session').send({ link: expired }).expect(410);
    expect(gone.body).toMatchObject({ code: 'link_expired', detail: expect.stringContaining('expired') });
    // Nothing was answered by any of this.
    const me = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${await token(dee.id)}`).expect(200);
    expect(me.body.items).toEqual([expect.objectContaining({ myAnswer: null, status: 'open' })]);
  });

  it('member tokens: required, revocable, and refused for suspended members', async () => {
    const eve = await member('Eve');
    await t.http.get('/members/me/decisions').expect(401);
    await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(401);
    const issued = await t.http.post(`/admin/members/${eve.id}/tokens`).set(auth).send({ name: 'laptop' }).expect(201);
    expect(issued.body.token).toMatch(/^dpn_mbr_[\w-]{43}$/);
    const bearer = `Bearer ${issued.body.token}`;
    expect((await t.http.get('/members/me').set('Authorization', bearer).expect(200)).body).toMatchObject({ id: eve.id, status: 'active' });
    const listed = await t.http.get(`/admin/members/${eve.id}/tokens`).set(auth).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: issued.body.id, name: 'laptop', revokedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);

    await t.http.patch(`/admin/members/${eve.id}`).set(auth).send({ status: 'suspended' }).expect(200);
    expect((await t.http.get('/members/me').set('Authorization', bearer).expect(403)).body.code).toBe('member_suspended');
    await t.http.patch(`/admin/members/${eve.id}`).set(auth).send({ status: 'active' }).expect(200);
    await t.http.delete(`/admin/members/${eve.id}/tokens/${issued.body.id}`).set(auth).expect(204);
    await t.http.delete(`/admin/members/${eve.id}/tokens/${issued.body.id}`).set(auth).expect(204);
    await t.http.get('/members/me').set('Authorization', bearer).expect(401);
  });

  it('refuses a members gate without voters or with an unknown asset', async () => {
    const noVoters = await t.http.post('/admin/projects').set(auth).send({ name: 'X', gate: { mode: 'members' } }).expect(400);
    expect(noVoters.body.errors).toEqual([expect.objectContaining({ field: 'gate.voters' })]);
    const noAsset = await t.http.post('/admin/projects').set(auth).send({ name: 'X', gate: { mode: 'members', voters: 'owners' } }).expect(400);
    expect(noAsset.body.errors).toEqual([expect.objectContaining({ field: 'gate.assetId' })]);
    const quorum = await t.http.post('/admin/projects').set(auth).send({ name: 'X', gate: { mode: 'members', voters: 'funders', rule: 'quorum' } }).expect(400);
    expect(quorum.body.errors).toEqual([expect.objectContaining({ field: 'gate.quorumPercent' })]);
    const unknown = await t.http
      .post('/admin/projects')
      .set(auth)
      .send({ name: 'X', gate: { mode: 'members', voters: 'owners', assetId: '7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11' } })
      .expect(422);
    expect(unknown.body.code).toBe('unknown_asset');
    // Funders gate on a project nobody has paid into: the advance is refused, nothing changes.
    const p = await t.http.post('/admin/projects').set(auth).send({ name: 'Unfunded', gate: { mode: 'members', voters: 'funders' } }).expect(201);
    const refused = await t.http.post(`/admin/projects/${p.body.id}/phases/advance`).set(auth).send({}).expect(409);
    expect(refused.body.code).toBe('gate_no_voters');
  });
});
