/**
 * Member decisions end to end: a project whose gate is a members' vote, real PostgreSQL, the
 * Temporal dev server, a real SMTP server receiving real mail. The test reads each member's link
 * out of the received message, follows it as the web app does (the link opens a session), answers,
 * and sees the project move on.
 */
import jwt from 'jsonwebtoken';
import { createHash, randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, eventually, LINK_SECRET, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';
import { maxPendingActivities, recordHistoriesIfAsked, workflowStepEvents } from '../support/temporal';

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

    // The token was just verified (and is believed for a few seconds): suspending and revoking still take effect at once.
    await t.http.patch(`/admin/members/${eve.id}`).set(auth).send({ status: 'suspended' }).expect(200);
    expect((await t.http.get('/members/me').set('Authorization', bearer).expect(403)).body.code).toBe('member_suspended');
    await t.http.patch(`/admin/members/${eve.id}`).set(auth).send({ status: 'active' }).expect(200);
    await t.http.get('/members/me').set('Authorization', bearer).expect(200);
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

/** Runs `fn` over `items` with at most `n` calls in flight. */
async function inBatches<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

describe('member decisions among thousands, with the mail server down', () => {
  // No mail catcher: SMTP_URL points at a closed port, so every message stays queued.
  const t = useTestSystem();

  /** Member tokens of the crowd, written straight into PostgreSQL (only their hash is stored). */
  const tokens = new Map<string, string>();
  /** One answer through the member API, as each member's app would send it. */
  const answer = (decisionId: string, memberId: string, option: string, comment?: string) =>
    t.http
      .post(`/members/me/decisions/${decisionId}/answer`)
      .set('Authorization', `Bearer ${tokens.get(memberId)}`)
      .send(comment === undefined ? { option } : { option, comment });
  /** Opens a session with the member's emailed decision link, as the web app does: the cookie and the CSRF token. */
  const signIn = async (decisionId: string, memberId: string) => {
    const link = jwt.sign({ dec: decisionId }, LINK_SECRET, { subject: memberId, audience: 'dpn:decision', issuer: 'dpn', expiresIn: 3600 });
    const res = await t.http.post('/session').send({ link }).expect(200);
    return { cookie: (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; '), csrf: res.body.csrfToken as string };
  };

  /** `n` active members (each with a member token) and an asset they own in equal parts, written straight into PostgreSQL. */
  async function crowd(n: number): Promise<{ assetId: string; memberIds: string[] }> {
    const tag = `${Date.now().toString(36)}-${seq++}`;
    const members = await t.db.query<{ id: string }>(
      `INSERT INTO members (name, email) SELECT 'Crowd ' || i, 'crowd-${tag}-' || i || '@example.org' FROM generate_series(1, $1) i RETURNING id`,
      [n],
    );
    const memberIds = members.map((m) => m.id).sort();
    for (const id of memberIds) tokens.set(id, `dpn_mbr_crowd-${tag}-${id}`);
    await t.db.query(`INSERT INTO member_tokens (member_id, name, token_hash) SELECT unnest($1::uuid[]), 'e2e', unnest($2::text[])`, [
      memberIds,
      memberIds.map((id) => createHash('sha256').update(tokens.get(id)!).digest('hex')),
    ]);
    const asset = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: 'Community mill', kind: 'mill', identifier: `MILL-${tag}`, totalParts: String(n), owners: [{ memberId: memberIds[0], parts: String(n) }] })
      .expect(201);
    await t.db.query('DELETE FROM asset_shares WHERE asset_id = $1', [asset.body.id]);
    await t.db.query(`INSERT INTO asset_shares (asset_id, member_id, parts, output_parts) SELECT $1, unnest($2::uuid[]), 1, 1`, [asset.body.id, memberIds]);
    return { assetId: asset.body.id as string, memberIds };
  }

  it('a vote among 2,500 owners opens, takes 2,251 answers, closes as soon as it is certain, and mails in a bounded number of batches', async () => {
    const { assetId, memberIds } = await crowd(2500);
    const project = await t.http
      .post('/admin/projects')
      .set(auth)
      .send({ name: `Crowd ${seq++}`, gate: { mode: 'members', voters: 'owners', assetId, votingHours: 72 } })
      .expect(201);
    const opened = await t.http.post(`/admin/projects/${project.body.id}/phases/advance`).set(auth).send({}).expect(200);
    expect(opened.body.gateVote).toMatchObject({ status: 'open', voters: 2500 });
    const decisionId = opened.body.gateVote.decisionId as string;

    // Every owner is asked (in the read model) and gets a prompt queued in the outbox.
    await eventually(async () => {
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM mail_outbox WHERE key LIKE $1`, [`decision:${decisionId}:prompt:%`]);
      return Number(n) === 2500;
    }, 120_000);
    const asked = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM decision_voters WHERE decision_id = $1', [decisionId]);
    expect(Number(asked[0].n)).toBe(2500);

    // 1,000 reject, then approvals until more than half of everyone asked approved (1,251):
    // 2,251 answers, more than Temporal takes Updates in one run.
    const rejecting = memberIds.slice(0, 1000);
    const approving = memberIds.slice(1000, 2251);
    await inBatches(rejecting, 8, async (m) => {
      await answer(decisionId, m, 'reject').expect(200);
    });
    // A repeat is harmless; a changed answer is refused.
    await answer(decisionId, rejecting[0], 'reject').expect(200);
    expect((await answer(decisionId, rejecting[1], 'approve').expect(409)).body.code).toBe('already_answered');
    await inBatches(approving, 8, async (m) => {
      await answer(decisionId, m, 'approve').expect(200);
    });

    // Certain now: the vote closes early, the project moves on, later answers are refused.
    const moved = await eventually(async () => {
      const r = await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200);
      return r.body.phase === 'prototyping' ? r.body : undefined;
    }, 60_000);
    expect(moved.live.gateVote).toMatchObject({ status: 'approved' });
    const late = await answer(decisionId, memberIds[2400], 'reject').expect(409);
    expect(late.body.code).toBe('decision_closed');

    const admin = await t.http.get(`/admin/decisions/${decisionId}`).set(auth).expect(200);
    expect(admin.body).toMatchObject({ status: 'decided', outcome: { optionId: 'approve', asked: 2500, answered: 2251, tally: { approve: 1251, reject: 1000 } } });
    // The outcome carries no list that grows with the voters.
    expect(admin.body.outcome.perMember ?? []).toEqual([]);
    await eventually(async () => {
      const [{ n }] = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM mail_outbox WHERE key LIKE $1`, [`decision:${decisionId}:outcome:%`]);
      return Number(n) === 2500;
    }, 120_000);

    // The decision's history: a handful of activities, never more than a few at a time.
    const history = await t.sys.temporal.workflow.getHandle(`decision-${decisionId}`).fetchHistory();
    const events = (history.events ?? []) as unknown as Array<Record<string, unknown>>;
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
    expect(scheduled).toBeLessThanOrEqual(6);
    expect(maxPendingActivities(events)).toBeLessThanOrEqual(3);
    expect(workflowStepEvents(events).length).toBeLessThan(80);
    await recordHistoriesIfAsked(t.sys.temporal, [
      { workflowId: `decision-${decisionId}`, scenario: 'gate-vote-2500-owners-e2e_v0.4.0' },
      { workflowId: `project-${project.body.id}`, scenario: 'members-gate-2500-owners-e2e_v0.4.0' },
    ]);
  }, 600_000);

  it("refuses an unstorable comment with a 400, so no decision is frozen by it; through the web app's session too", async () => {
    const { assetId, memberIds } = await crowd(3);
    const project = await t.http.post('/admin/projects').set(auth).send({ name: `Nul ${seq++}`, gate: { mode: 'members', voters: 'owners', assetId, votingHours: 72 } }).expect(201);
    const opened = await t.http.post(`/admin/projects/${project.body.id}/phases/advance`).set(auth).send({}).expect(200);
    const decisionId = opened.body.gateVote.decisionId as string;
    await eventually(async () => (await t.db.query('SELECT 1 FROM decision_voters WHERE decision_id = $1', [decisionId])).length === 3);
    const bad = await answer(decisionId, memberIds[0], 'approve', 'ok\u0000then').expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'comment' })] });
    // Half of a surrogate pair can only come as a JSON escape.
    const lone = await t.http
      .post(`/members/me/decisions/${decisionId}/answer`)
      .set('Authorization', `Bearer ${tokens.get(memberIds[0])}`)
      .set('content-type', 'application/json')
      .send('{"option":"approve","comment":"lone \\ud800 half"}')
      .expect(400);
    expect(lone.body.errors).toEqual([expect.objectContaining({ field: 'comment' })]);
    // The web app's decision page (its session, from the emailed link) gets the same field error to show beside the comment.
    const s = await signIn(decisionId, memberIds[1]);
    const page = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ option: 'approve', comment: 'a\u0000b' }).expect(400);
    expect(page.body.errors).toEqual([expect.objectContaining({ field: 'comment' })]);
    // Nothing was recorded, and both can still answer properly: the vote closes and the project moves on.
    await answer(decisionId, memberIds[0], 'approve', 'fine').expect(200);
    await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ option: 'approve' }).expect(200);
    await eventually(async () => (await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200)).body.phase === 'prototyping', 30_000);
  });

  it('a decision opened before answers moved to PostgreSQL is answered through its workflow, as its row says', async () => {
    const { memberIds } = await crowd(2);
    const id = randomUUID();
    // A decision of the first design whose workflow has ended: the API must ask the workflow, not write the row.
    await t.db.query(
      `INSERT INTO decisions (id, workflow_id, kind, subject_type, subject_id, title, question, context, options, rule, deadline, status, requested_by, answers_in)
       VALUES ($1, $2, 'phase-gate', 'project', $1, 'Old vote', 'Approve?', '[]', '[{"id":"approve","label":"Approve"},{"id":"reject","label":"Reject"}]', '{"kind":"majority"}', now() + interval '1 day', 'open', 'test', 'workflow')`,
      [id, `decision-${id}`],
    );
    await t.db.query(`INSERT INTO decision_voters (decision_id, member_id) SELECT $1, unnest($2::uuid[])`, [id, memberIds]);
    const r = await answer(id, memberIds[0], 'approve').expect(409);
    expect(r.body.code).toBe('decision_closed'); // its workflow is gone: closed
    expect((await t.db.query<{ option_id: string | null }>('SELECT option_id FROM decision_voters WHERE decision_id = $1', [id])).map((v) => v.option_id)).toEqual([null, null]);
    expect((await t.http.get(`/admin/decisions/${id}`).set(auth).expect(200)).body).toMatchObject({ answersIn: 'workflow', asked: 2, answered: 0 });
  });

  it('an SMTP outage holds no outcome: the vote closes and the gate waiting on it moves on while every mail stays queued', async () => {
    const { assetId, memberIds } = await crowd(3);
    const project = await t.http.post('/admin/projects').set(auth).send({ name: `Smtp ${seq++}`, gate: { mode: 'members', voters: 'owners', assetId, votingHours: 72 } }).expect(201);
    const opened = await t.http.post(`/admin/projects/${project.body.id}/phases/advance`).set(auth).send({}).expect(200);
    const decisionId = opened.body.gateVote.decisionId as string;
    await eventually(async () => (await t.db.query('SELECT 1 FROM decision_voters WHERE decision_id = $1', [decisionId])).length === 3);
    for (const m of memberIds.slice(0, 2)) await answer(decisionId, m, 'approve').expect(200);
    await eventually(async () => (await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200)).body.phase === 'prototyping', 30_000);
    const rows = await t.db.query<{ status: string }>(`SELECT status FROM mail_outbox WHERE key LIKE $1`, [`decision:${decisionId}:%`]);
    expect(rows.length).toBe(6); // 3 prompts + 3 outcomes
    expect(rows.filter((r) => r.status === 'sent')).toEqual([]);
  });
});
