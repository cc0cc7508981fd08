/**
 * Funding rounds end to end: the real API and worker, the real ledger in PostgreSQL, the Temporal
 * dev server and a real SMTP server. Many concurrent pledges cross the goal at once; the worker is
 * stopped while the round captures (pages of 5 here) and started again; every hold is captured
 * exactly once.
 */
import { NestFactory } from '@nestjs/core';
import { Client as PgClient } from 'pg';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const BACKERS = 24;
const START = 5_000n;

describe('funding rounds over HTTP with the real ledger', () => {
  const t = useTestSystem({ mail: true, env: { ROUND_SETTLE_PAGE_SIZE: '5' } });
  let seq = 0;

  async function member(name: string, deposit = START) {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase().replace(/\W/g, '')}-${seq++}@example.org` }).expect(201)).body;
    if (deposit > 0n) {
      await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `seed-${m.id}`).send({ memberId: m.id, amount: String(deposit), currency: 'EUR' }).expect(201);
    }
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: m.id as string, email: m.email as string, bearer: `Bearer ${token}` };
  }
  const balance = async (kind: string, ownerId: string) => {
    const rows = await t.db.query<{ balance: string }>(
      `SELECT COALESCE(SUM(e.amount), 0)::text AS balance FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
        WHERE a.kind = $1 AND a.owner_id = $2 AND a.currency = 'EUR'`,
      [kind, ownerId],
    );
    return BigInt(rows[0]?.balance ?? '0');
  };
  /** What the members' hold accounts of a round still hold (its escrow). */
  const held = async (roundId: string) =>
    BigInt(
      (await t.db.query<{ held: string }>(`SELECT COALESCE(SUM(e.amount), 0)::text AS held FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'hold' AND a.scope_id = $1`, [roundId]))[0]
        .held,
    );
  const roundStatus = async (id: string) => (await t.db.query<{ status: string }>('SELECT status FROM funding_rounds WHERE id = $1', [id]))[0]?.status;
  const inMinutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

  it('concurrent pledges cross the goal at once; a worker restart mid-capture captures each hold exactly once; the payout and the ownership follow', async () => {
    const members = await Promise.all(Array.from({ length: BACKERS }, (_, i) => member(`Backer ${i}`)));
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Shared CNC router' }).expect(201)).body;
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'CNC router', kind: 'cnc-router', identifier: `CNC-${seq++}`, totalParts: '1000', awaitingFunding: true })
        .expect(201)
    ).body;
    const goal = 20n * 1_000n; // 20 of the 24 backers' pledges reach it
    const opened = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(auth)
      .set('Idempotency-Key', `round-${project.id}`)
      .send({ assetId: asset.id, goal: String(goal), currency: 'EUR', minPledge: '100', deadline: inMinutes(30), closeWhenGoalMet: true })
      .expect(201);
    const roundId = opened.body.roundId as string;
    // The same key again: the same round, not a second one.
    const again = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(auth)
      .set('Idempotency-Key', `round-${project.id}`)
      .send({ assetId: asset.id, goal: String(goal), currency: 'EUR', minPledge: '100', deadline: opened.body.deadline, closeWhenGoalMet: true })
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.roundId).toBe(roundId);
    const reused = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(auth)
      .set('Idempotency-Key', `round-${project.id}`)
      .send({ goal: '1', currency: 'EUR', deadline: opened.body.deadline })
      .expect(409);
    expect(reused.body.code).toBe('idempotency_key_reused');

    // Everyone pledges 1 000 at the same moment; the pledge that meets the goal closes the round,
    // so the few that come after it are refused (none lands after the close, none is missed).
    const results = await Promise.all(members.map((m) => t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Authorization', m.bearer).send({ amount: '1000' })));
    const accepted = members.filter((_, i) => results[i].status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    for (const r of refused) expect(r.body.code).toBe('round_closed');
    // A pledge answers with the member's pledge and the live total: constant in size.
    expect(Object.keys(results.find((r) => r.status === 200)!.body).sort()).toEqual(['amount', 'backers', 'currency', 'deadline', 'goal', 'memberId', 'roundId', 'status', 'total']);

    // Hold a lock on the pledge row of the last backer: the capture stalls at the last page, the
    // earlier pages committed. Stop the worker meanwhile, let the page in flight finish, start a new one.
    const [last] = await t.db.query<{ member_id: string }>(`SELECT member_id FROM funding_pledges WHERE round_id = $1 AND amount > 0 ORDER BY member_id DESC LIMIT 1`, [roundId]);
    const locker = new PgClient({ connectionString: t.db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM funding_pledges WHERE round_id = $1 AND member_id = $2 FOR UPDATE`, [roundId, last.member_id]);
    await eventually(async () => (await roundStatus(roundId)) === 'capturing', 20_000);
    await eventually(async () => (await t.db.query(`SELECT 1 FROM funding_pledges WHERE round_id = $1 AND captured_at IS NOT NULL`, [roundId])).length > 0, 20_000);
    const stopping = t.sys.worker!.close();
    await new Promise((r) => setTimeout(r, 300));
    const capturedAtStop = (await t.db.query(`SELECT 1 FROM funding_pledges WHERE round_id = $1 AND captured_at IS NOT NULL`, [roundId])).length;
    expect(capturedAtStop).toBeLessThan(accepted.length); // stopped in the middle of capturing
    await locker.query('COMMIT');
    await locker.end();
    await stopping;
    t.sys.worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(t.sys.config), { logger: false });

    await eventually(async () => (await roundStatus(roundId)) === 'awaiting-payout', 20_000);
    const total = BigInt(accepted.length) * 1_000n;
    const pub = await t.http.get(`/public/rounds/${roundId}`).expect(200);
    expect(pub.body).toMatchObject({ status: 'awaiting-payout', total: String(total), backers: accepted.length, goal: String(goal) });
    expect(pub.body.pledges).toBeUndefined(); // who gave what is not public

    // Each pledge captured exactly once, none lost to the restart; nothing moved twice: the holds
    // are empty and the round's account holds exactly the pledges.
    const rows = await t.db.query<{ amount: string; captured_amount: string }>(`SELECT amount::text, captured_amount::text FROM funding_pledges WHERE round_id = $1 AND amount > 0`, [roundId]);
    expect(rows).toHaveLength(accepted.length);
    for (const r of rows) expect(r.captured_amount).toBe(r.amount);
    expect(await held(roundId)).toBe(0n);
    expect(await balance('round', roundId)).toBe(total);

    const paid = await t.http.post(`/admin/rounds/${roundId}/payout/approve`).set(auth).send({}).expect(200);
    expect(paid.body.status).toBe('funded');
    expect(await balance('project', project.id)).toBe(total);
    for (const m of accepted) expect(await balance('member', m.id)).toBe(START - 1_000n);
    for (const m of members.filter((x) => !accepted.includes(x))) expect(await balance('member', m.id)).toBe(START);
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
    const funding = await t.http.get(`/public/projects/${project.id}/funding`).expect(200);
    expect(funding.body.totals).toEqual([{ currency: 'EUR', raised: String(total), contributors: accepted.length }]);

    // Equal contributions: the 1 000 parts split as evenly as whole parts allow, summing to one whole.
    const owners = (await t.http.get(`/public/assets/${asset.id}/ownership`).expect(200)).body.owners as Array<{ parts: string }>;
    expect(owners).toHaveLength(accepted.length);
    expect(owners.reduce((a, o) => a + BigInt(o.parts), 0n)).toBe(1000n);
    expect(new Set(owners.map((o) => o.parts)).size).toBeLessThanOrEqual(2);

    // Backers hear the result by email.
    await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(accepted[0].email) && m.subject.startsWith('Funded:')), 20_000);
    await t.sys.temporal.workflow.getHandle(`round-${roundId}`).result();
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `round-${roundId}`, scenario: 'closed-on-goal-worker-restart-paid-out_v0.4.0' }]);
  });

  it('cancelling an open round releases every hold; bad pledges and bad rounds get clear 4xx answers', async () => {
    const [ann, bob] = [await member('Ann'), await member('Bob', 300n)];
    const project = (await t.http.post('/admin/projects').set(auth).send({ name: 'Seed drill' }).expect(201)).body;
    const r = await t.http
      .post(`/admin/projects/${project.id}/rounds`)
      .set(auth)
      .send({ goal: '100000', currency: 'EUR', minPledge: '200', deadline: inMinutes(6) })
      .expect(201);
    const roundId = r.body.roundId as string;

    const pledge = (m: { bearer: string }, amount: unknown) => t.http.post(`/members/me/rounds/${roundId}/pledge`).set('Authorization', m.bearer).send({ amount });
    expect((await pledge(ann, '150').expect(400)).body.code).toBe('validation_failed');
    expect((await pledge(ann, '1.5').expect(400)).body.errors[0].field).toBe('amount');
    expect((await pledge(bob, '400').expect(409)).body.code).toBe('insufficient_funds'); // Bob has 300
    expect(await balance('member', bob.id)).toBe(300n);
    await t.http.post(`/members/me/rounds/${roundId}/pledge`).send({ amount: '500' }).expect(401);
    await pledge(ann, '2000').expect(200);
    await pledge(ann, '2000').expect(200); // the same pledge again changes nothing
    expect(await balance('member', ann.id)).toBe(START - 2_000n);
    const adminView = await t.http.get(`/admin/rounds/${roundId}`).set(auth).expect(200);
    expect(adminView.body).toMatchObject({ status: 'open', source: 'live', total: '2000', backers: 1 });
    const pledges = await t.http.get(`/admin/rounds/${roundId}/pledges`).set(auth).expect(200);
    expect(pledges.body).toMatchObject({ total: 1, items: [{ memberId: ann.id, amount: '2000' }] });
    expect((await t.http.get(`/admin/projects/${project.id}/rounds`).set(auth).expect(200)).body.map((x: { roundId: string }) => x.roundId)).toContain(roundId);
    const mine = await t.http.get('/members/me/rounds').set('Authorization', ann.bearer).expect(200);
    expect(mine.body.find((x: { roundId: string }) => x.roundId === roundId)).toMatchObject({ myPledge: '2000' });

    const cancelled = await t.http.post(`/admin/rounds/${roundId}/cancel`).set(auth).send({ reason: 'Supplier went bankrupt' }).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', reason: 'cancelled by coordinator: Supplier went bankrupt' });
    expect(await balance('member', ann.id)).toBe(START);
    expect(await held(roundId)).toBe(0n);
    expect((await pledge(ann, '1000').expect(409)).body.code).toBe('round_closed');

    // A round cancelled through Temporal itself (UI, CLI) gives every pledge back too.
    const r2 = (await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ goal: '100000', currency: 'EUR', deadline: inMinutes(10) }).expect(201)).body.roundId;
    await t.http.post(`/members/me/rounds/${r2}/pledge`).set('Authorization', ann.bearer).send({ amount: '1500' }).expect(200);
    await t.sys.temporal.workflow.getHandle(`round-${r2}`).cancel();
    await eventually(async () => (await roundStatus(r2)) === 'cancelled');
    expect(await balance('member', ann.id)).toBe(START);
    expect(await held(r2)).toBe(0n);
    await recordHistoriesIfAsked(t.sys.temporal, [
      { workflowId: `round-${roundId}`, scenario: 'cancelled-while-open_v0.4.0' },
      { workflowId: `round-${r2}`, scenario: 'cancelled-through-temporal_v0.4.0' },
    ]);

    // Bad rounds are refused before anything starts.
    const bad = await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ goal: '0', currency: 'XXX', deadline: 'soon' }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['currency', 'deadline', 'goal']);
    const past = await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ goal: '100', currency: 'EUR', deadline: new Date(Date.now() - 1000).toISOString() }).expect(400);
    expect(past.body.errors[0].field).toBe('deadline');
    await t.http.post('/admin/projects/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11/rounds').set(auth).send({ goal: '100', currency: 'EUR', deadline: inMinutes(10) }).expect(404);
    const coarse = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: 'Press', kind: 'press', identifier: `P-${seq++}`, totalParts: '10', awaitingFunding: true })
      .expect(201);
    const tooCoarse = await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ assetId: coarse.body.id, goal: '100000', currency: 'EUR', minPledge: '100', deadline: inMinutes(10) }).expect(422);
    expect(tooCoarse.body).toMatchObject({ code: 'asset_parts_too_coarse', errors: [{ field: 'minPledge' }] });

    // A round never replaces an ownership table: an asset with owners cannot be bought by one,
    // and an asset being bought cannot get another table meanwhile.
    const owned = (
      await t.http.post('/admin/assets').set(auth).send({ name: 'Kiln', kind: 'kiln', identifier: `K-${seq++}`, totalParts: '1000', owners: [{ memberId: bob.id, parts: '1000' }] }).expect(201)
    ).body;
    const refusedOwned = await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ assetId: owned.id, goal: '100000', currency: 'EUR', minPledge: '100', deadline: inMinutes(10) }).expect(409);
    expect(refusedOwned.body).toMatchObject({ code: 'asset_has_owners', errors: [{ field: 'assetId' }] });
    const unowned = (await t.http.post('/admin/assets').set(auth).send({ name: 'Loom', kind: 'loom', identifier: `L-${seq++}`, totalParts: '1000', awaitingFunding: true }).expect(201)).body;
    await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ assetId: unowned.id, goal: '100000', currency: 'EUR', minPledge: '100', deadline: inMinutes(10) }).expect(201);
    const taken = await t.http.put(`/admin/assets/${unowned.id}/ownership`).set(auth).send({ owners: [{ memberId: bob.id, parts: '1000' }] }).expect(409);
    expect(taken.body.code).toBe('asset_being_funded');
    const second = await t.http.post(`/admin/projects/${project.id}/rounds`).set(auth).send({ assetId: unowned.id, goal: '100000', currency: 'EUR', minPledge: '100', deadline: inMinutes(10) }).expect(409);
    expect(second.body.code).toBe('asset_being_funded');
  });
});
