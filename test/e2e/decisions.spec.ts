/**
 * Member decisions end to end: a project whose gate is a members' vote, real PostgreSQL, the
 * Temporal dev server, a real SMTP server receiving real mail. The test reads each member's link
 * out of the received message, follows it over HTTP, answers, and sees the project move on.
 */
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, eventually, LINK_SECRET, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';
import { maxPendingActivities, recordHistoriesIfAsked } from '../support/temporal';

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

    // Ada follows her link: the page shows the question; a GET changes nothing.
    const page = await t.http.get(path(adaLink)).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).toContain('Approve: move to prototyping');
    expect(page.text).toContain('Designs are done');
    // She answers; post/redirect/get lands on a confirmation.
    const posted = await t.http.post(path(adaLink)).type('form').send({ option: 'approve' }).expect(303);
    const confirmation = await t.http.get(`${path(adaLink)}?answered=1`).expect(200);
    expect(posted.headers.location).toMatch(/\?answered=1$/);
    expect(confirmation.text).toContain('your answer is recorded');
    // The used link now says so; a different answer through it is refused.
    expect((await t.http.get(path(adaLink)).expect(200)).text).toContain('This link has been used');
    expect((await t.http.post(path(adaLink)).type('form').send({ option: 'reject' }).expect(409)).text).toContain('you already answered');

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
    expect((await t.http.get(path(linkIn(cyMail))).expect(410)).text).toContain('This decision has closed');
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

  it('explains tampered, expired and foreign links with a page, not a stack trace', async () => {
    const [dee] = [await member('Dee')];
    const projectId = await gatedProject([dee]);
    const opened = await t.http.post(`/admin/projects/${projectId}/phases/advance`).set(auth).send({}).expect(200);
    const link = linkIn(await mailTo(dee.email, /^Decision needed: /));
    const tokenPart = path(link).split('/').pop()!;

    const [head, payload, sig] = tokenPart.split('.');
    const tampered = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await t.http.get(`/decide/${tampered}`).expect(400);
    expect(bad.text).toContain('This link is not valid');
    // Another decision id in the payload, signed with a different key: invalid too.
    const forged = jwt.sign({ dec: opened.body.gateVote.decisionId }, 'not-the-secret-not-the-secret-not-the', { subject: dee.id, audience: 'dpn:decision', issuer: 'dpn' });
    expect((await t.http.post(`/decide/${forged}`).type('form').send({ option: 'approve' }).expect(400)).text).toContain('This link is not valid');
    expect((await t.http.get('/decide/garbage').expect(400)).text).toContain('This link is not valid');
    // Correctly signed, but for a member who was not asked: nothing to see, nothing to answer.
    const outsider = await member('Outsider');
    const foreign = jwt.sign({ dec: opened.body.gateVote.decisionId }, LINK_SECRET, { subject: outsider.id, audience: 'dpn:decision', issuer: 'dpn', expiresIn: 3600 });
    expect((await t.http.get(`/decide/${foreign}`).expect(404)).text).toContain('Decision not found');
    await t.http.post(`/decide/${foreign}`).type('form').send({ option: 'approve' }).expect(404);

    const expired = jwt.sign({ dec: opened.body.gateVote.decisionId, exp: Math.floor(Date.now() / 1000) - 60 }, LINK_SECRET, {
      subject: dee.id,
      audience: 'dpn:decision',
      issuer: 'dpn',
    });
    const gone = await t.http.get(`/decide/${expired}`).expect(410);
    expect(gone.text).toContain('This link has expired');
    expect(gone.text).toContain('Should');
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

  const link = (decisionId: string, memberId: string) =>
    `/decide/${jwt.sign({ dec: decisionId }, LINK_SECRET, { subject: memberId, audience: 'dpn:decision', issuer: 'dpn', expiresIn: 3600 })}`;

  /** `n` active members and an asset they own in equal parts, written straight into PostgreSQL. */
  async function crowd(n: number): Promise<{ assetId: string; memberIds: string[] }> {
    const tag = `${Date.now().toString(36)}-${seq++}`;
    const members = await t.db.query<{ id: string }>(
      `INSERT INTO members (name, email) SELECT 'Crowd ' || i, 'crowd-${tag}-' || i || '@example.org' FROM generate_series(1, $1) i RETURNING id`,
      [n],
    );
    const memberIds = members.map((m) => m.id).sort();
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
      await t.http.post(link(decisionId, m)).type('form').send({ option: 'reject' }).expect(303);
    });
    // A repeat is harmless; a changed answer is refused; a stranger is not asked.
    await t.http.post(link(decisionId, rejecting[0])).type('form').send({ option: 'reject' }).expect(303);
    await t.http.post(link(decisionId, rejecting[1])).type('form').send({ option: 'approve' }).expect(409);
    await inBatches(approving, 8, async (m) => {
      await t.http.post(link(decisionId, m)).type('form').send({ option: 'approve' }).expect(303);
    });

    // Certain now: the vote closes early, the project moves on, later answers are refused.
    const moved = await eventually(async () => {
      const r = await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200);
      return r.body.phase === 'prototyping' ? r.body : undefined;
    }, 60_000);
    expect(moved.live.gateVote).toMatchObject({ status: 'approved' });
    const late = await t.http.post(link(decisionId, memberIds[2400])).type('form').send({ option: 'reject' });
    expect([409, 410]).toContain(late.status);

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
    expect(events.length).toBeLessThan(80);
    await recordHistoriesIfAsked(t.sys.temporal, [
      { workflowId: `decision-${decisionId}`, scenario: 'gate-vote-2500-owners-e2e_v0.4.0' },
      { workflowId: `project-${project.body.id}`, scenario: 'members-gate-2500-owners-e2e_v0.4.0' },
    ]);
  }, 600_000);

  it('refuses an unstorable comment with a 400, so no decision is frozen by it; the page says so too', async () => {
    const { assetId, memberIds } = await crowd(3);
    const project = await t.http.post('/admin/projects').set(auth).send({ name: `Nul ${seq++}`, gate: { mode: 'members', voters: 'owners', assetId, votingHours: 72 } }).expect(201);
    const opened = await t.http.post(`/admin/projects/${project.body.id}/phases/advance`).set(auth).send({}).expect(200);
    const decisionId = opened.body.gateVote.decisionId as string;
    await eventually(async () => (await t.db.query('SELECT 1 FROM decision_voters WHERE decision_id = $1', [decisionId])).length === 3);
    const bearer = `Bearer ${(await t.http.post(`/admin/members/${memberIds[0]}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token}`;
    const bad = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', bearer).send({ option: 'approve', comment: 'ok\u0000then' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'comment' })] });
    // Half of a surrogate pair can only come as a JSON escape; through the form, a NUL.
    const lone = await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', bearer).set('content-type', 'application/json').send('{"option":"approve","comment":"lone \\ud800 half"}').expect(400);
    expect(lone.body.errors).toEqual([expect.objectContaining({ field: 'comment' })]);
    const page = await t.http.post(link(decisionId, memberIds[1])).type('form').send('option=approve&comment=a%00b').expect(400);
    expect(page.text).toContain('Your comment contains characters that cannot be stored');
    // Nothing was recorded, and both can still answer properly: the vote closes and the project moves on.
    await t.http.post(`/members/me/decisions/${decisionId}/answer`).set('Authorization', bearer).send({ option: 'approve', comment: 'fine' }).expect(200);
    await t.http.post(link(decisionId, memberIds[1])).type('form').send({ option: 'approve' }).expect(303);
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
    const bearer = `Bearer ${(await t.http.post(`/admin/members/${memberIds[0]}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token}`;
    const r = await t.http.post(`/members/me/decisions/${id}/answer`).set('Authorization', bearer).send({ option: 'approve' }).expect(409);
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
    for (const m of memberIds.slice(0, 2)) await t.http.post(link(decisionId, m)).type('form').send({ option: 'approve' }).expect(303);
    await eventually(async () => (await t.http.get(`/admin/projects/${project.body.id}`).set(auth).expect(200)).body.phase === 'prototyping', 30_000);
    const rows = await t.db.query<{ status: string }>(`SELECT status FROM mail_outbox WHERE key LIKE $1`, [`decision:${decisionId}:%`]);
    expect(rows.length).toBe(6); // 3 prompts + 3 outcomes
    expect(rows.filter((r) => r.status === 'sent')).toEqual([]);
  });
});
