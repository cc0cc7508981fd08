/**
 * The network registry, co-ownership and the money ledger over HTTP against a real PostgreSQL.
 */
import { ADMIN_TOKEN, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let seq = 0;
const key = (p = 'k') => `${p}-${Date.now()}-${seq++}`;

describe('registry, co-ownership and ledger over HTTP', () => {
  const t = useTestSystem({ worker: false });

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase().replace(/\W/g, '')}-${seq++}@example.org` }).expect(201)).body;
  const deposit = (memberId: string, amount: string | number, k = key('dep'), currency = 'EUR') =>
    t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', k).send({ memberId, amount, currency });
  const balance = async (ownerId: string, kind = 'member', currency = 'EUR') => {
    const res = await t.http.get('/admin/ledger/accounts').query({ ownerId, kind }).set(auth).expect(200);
    return res.body.find((a: { currency: string }) => a.currency === currency)?.balance ?? '0';
  };

  describe('members', () => {
    it('registers, finds, filters and suspends members; emails are unique regardless of case', async () => {
      const m = await t.http.post('/admin/members').set(auth).send({ name: ' Ada Workshop ', email: 'Ada@Example.org' }).expect(201);
      expect(m.body).toMatchObject({ name: 'Ada Workshop', email: 'ada@example.org', status: 'active' });
      const dup = await t.http.post('/admin/members').set(auth).send({ name: 'Other', email: 'ADA@example.org' }).expect(409);
      expect(dup.body.code).toBe('email_taken');
      await t.http.patch(`/admin/members/${m.body.id}`).set(auth).send({ status: 'suspended' }).expect(200);
      const suspended = await t.http.get('/admin/members').query({ status: 'suspended' }).set(auth).expect(200);
      expect(suspended.body.items.map((x: { id: string }) => x.id)).toContain(m.body.id);
      const byEmail = await t.http.get('/admin/members').query({ email: 'ADA@EXAMPLE.ORG' }).set(auth).expect(200);
      expect(byEmail.body.items).toHaveLength(1);
      await t.http.get(`/admin/members/${m.body.id}`).set(auth).expect(200);
    });

    it('answers bad input with 400 naming the field, unknown ids with 404', async () => {
      const bad = await t.http.post('/admin/members').set(auth).send({ name: 'x', email: 'not-an-email' }).expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
      const status = await t.http.post('/admin/members').set(auth).send({ name: 'x', email: 'x@example.org', status: 'retired' }).expect(400);
      expect(status.body.errors).toEqual([expect.objectContaining({ field: 'status' })]);
      await t.http.get('/admin/members/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11').set(auth).expect(404);
      await t.http.get('/admin/members').expect(401);
    });
  });

  describe('nodes', () => {
    it('shows the signing secret once, filters by capability, automation level and location, and rotates the secret', async () => {
      const owner = await member('Node Owner');
      const loc = await t.http.post('/admin/locations').set(auth).send({ name: 'Plagwitz park', kind: 'industrial-park', address: 'Karl-Heine-Str. 99, Leipzig' }).expect(201);
      const body = {
        name: 'CNC shop',
        ownerMemberId: owner.id,
        locationId: loc.body.id,
        automationLevel: 'computer-aided',
        capabilities: [{ function: 'cnc-milling', capacity: 40, unit: 'parts/week' }, { function: 'woodworking', capacity: 2, unit: 'm3/week' }],
        webhookUrl: 'http://localhost:9999/hook',
      };
      const created = await t.http.post('/admin/nodes').set(auth).send(body).expect(201);
      expect(created.body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(created.body.webhookSecret.slice(6), 'base64')).toHaveLength(32);
      const fetched = await t.http.get(`/admin/nodes/${created.body.id}`).set(auth).expect(200);
      expect(fetched.body).not.toHaveProperty('webhookSecret');
      expect(JSON.stringify(fetched.body)).not.toContain(created.body.webhookSecret.slice(6));

      await t.http.post('/admin/nodes').set(auth).send({ ...body, name: 'Manual shop', automationLevel: 'manual', locationId: undefined, capabilities: [{ function: 'assembly', capacity: 1, unit: 'kits/day' }] }).expect(201);
      const cnc = await t.http.get('/admin/nodes').query({ capability: 'cnc-milling' }).set(auth).expect(200);
      expect(cnc.body.items.map((n: { name: string }) => n.name)).toEqual(['CNC shop']);
      const manual = await t.http.get('/admin/nodes').query({ automationLevel: 'manual' }).set(auth).expect(200);
      expect(manual.body.items.map((n: { name: string }) => n.name)).toEqual(['Manual shop']);
      const atLoc = await t.http.get('/admin/nodes').query({ locationId: loc.body.id }).set(auth).expect(200);
      expect(atLoc.body.total).toBe(1);

      const rotated = await t.http.post(`/admin/nodes/${created.body.id}/webhook-secret/rotate`).set(auth).expect(200);
      expect(rotated.body.webhookSecret).not.toBe(created.body.webhookSecret);
      expect(Date.parse(rotated.body.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
      const [row] = await t.db.query<{ previous_webhook_secret: string }>('SELECT previous_webhook_secret FROM nodes WHERE id = $1', [created.body.id]);
      expect(row.previous_webhook_secret).toBe(created.body.webhookSecret);

      const patched = await t.http.patch(`/admin/nodes/${created.body.id}`).set(auth).send({ status: 'suspended', automationLevel: 'automated' }).expect(200);
      expect(patched.body).toMatchObject({ status: 'suspended', automationLevel: 'automated', capabilities: body.capabilities });
      expect(patched.body).not.toHaveProperty('webhookSecret');
      const [after] = await t.db.query<{ webhook_secret: string }>('SELECT webhook_secret FROM nodes WHERE id = $1', [created.body.id]);
      expect(after.webhook_secret).toBe(rotated.body.webhookSecret); // an edit never touches the secret
      const nulled = await t.http.patch(`/admin/nodes/${created.body.id}`).set(auth).send({ webhookUrl: null, locationId: null }).expect(400);
      expect(nulled.body.errors).toEqual([expect.objectContaining({ field: 'webhookUrl', code: 'notNull' })]);
      const cleared = await t.http.patch(`/admin/nodes/${created.body.id}`).set(auth).send({ locationId: null }).expect(200);
      expect(cleared.body.locationId).toBeNull();
      const ownerless = await t.http.patch(`/admin/nodes/${created.body.id}`).set(auth).send({ ownerMemberId: owner.id }).expect(400);
      expect(ownerless.body.errors).toEqual([expect.objectContaining({ field: 'ownerMemberId', code: 'unknownField' })]);
    });

    it('refuses webhook URLs that are not t.http(s), bad capabilities, and unknown owners', async () => {
      const owner = await member('Picky');
      const base = { name: 'n', ownerMemberId: owner.id, automationLevel: 'manual', capabilities: [{ function: 'assembly', capacity: 1, unit: 'kits' }], webhookUrl: 'https://x.example/h' };
      const ftp = await t.http.post('/admin/nodes').set(auth).send({ ...base, webhookUrl: 'ftp://x.example/h' }).expect(400);
      expect(ftp.body.errors).toEqual([expect.objectContaining({ field: 'webhookUrl' })]);
      const caps = await t.http.post('/admin/nodes').set(auth).send({ ...base, capabilities: [{ function: 'CNC Milling', capacity: -1, unit: 'x' }] }).expect(400);
      expect(caps.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['capabilities.0.capacity', 'capabilities.0.function']);
      const level = await t.http.post('/admin/nodes').set(auth).send({ ...base, automationLevel: 'robotic' }).expect(400);
      expect(level.body.errors).toEqual([expect.objectContaining({ field: 'automationLevel' })]);
      await t.http.post('/admin/nodes').set(auth).send({ ...base, ownerMemberId: '7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11' }).expect(404);
    });
  });

  describe('assets and co-ownership', () => {
    it('creates an asset owned wholly by its node owner unless told otherwise, and publishes the table', async () => {
      const owner = await member('Grower');
      const node = await t.http.post('/admin/nodes').set(auth).send({ name: 'GH node', ownerMemberId: owner.id, automationLevel: 'automated', capabilities: [{ function: 'greenhouse', capacity: 300, unit: 'm2' }], webhookUrl: 'https://gh.example/h' }).expect(201);
      const asset = await t.http.post('/admin/assets').set(auth).send({ name: 'Greenhouse A', kind: 'greenhouse', identifier: `GH-${seq++}`, nodeId: node.body.id }).expect(201);
      expect(asset.body.owners).toEqual([{ memberId: owner.id, parts: '1000000', outputParts: '1000000', fraction: '1/1', outputFraction: '1/1' }]);
      const pub = await t.http.get(`/public/assets/${asset.body.id}/ownership`).expect(200);
      expect(pub.body.owners).toEqual([expect.objectContaining({ memberName: 'Grower', fraction: '1/1' })]);
      await t.http.post('/admin/assets').set(auth).send({ name: 'Dup', kind: 'greenhouse', identifier: asset.body.identifier, nodeId: node.body.id }).expect(409);
    });

    it('keeps fractions exact: thirds, an operator bonus, and a table that must sum to one whole', async () => {
      const [a, b, op] = [await member('A'), await member('B'), await member('Operator')];
      const ident = `CNC-${seq++}`;
      const notWhole = await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Router', kind: 'cnc-router', identifier: ident, totalParts: '3', owners: [{ memberId: a.id, parts: '1' }, { memberId: b.id, parts: '1' }] })
        .expect(400);
      expect(notWhole.body).toMatchObject({ code: 'not_whole' });
      expect(notWhole.body.detail).toContain('sum to 2');
      const asset = await t.http
        .post('/admin/assets')
        .set(auth)
        .send({ name: 'Router', kind: 'cnc-router', identifier: ident, totalParts: '3', owners: [{ memberId: a.id, parts: '1', outputParts: '0' }, { memberId: b.id, parts: '1', outputParts: 1 }, { memberId: op.id, parts: '1', outputParts: '2' }] })
        .expect(201);
      expect(asset.body.owners.map((o: { fraction: string; outputFraction: string }) => `${o.fraction}:${o.outputFraction}`).sort()).toEqual(['1/3:0/1', '1/3:1/3', '1/3:2/3']);
      const floats = await t.http.put(`/admin/assets/${asset.body.id}/ownership`).set(auth).send({ owners: [{ memberId: a.id, parts: 1.5 }] }).expect(400);
      expect(floats.body.errors).toEqual([expect.objectContaining({ field: 'owners.0.parts' })]);
    });

    it('sells part of a fraction: ownership and money move together, once per key; overselling or an empty purse moves nothing', async () => {
      const [seller, buyer] = [await member('Seller'), await member('Buyer')];
      const asset = await t.http.post('/admin/assets').set(auth).send({ name: 'Laser', kind: 'laser-cutter', identifier: `L-${seq++}`, totalParts: '100', owners: [{ memberId: seller.id, parts: '100' }] }).expect(201);
      await deposit(buyer.id, '5000').expect(201);
      const k = key('sale');
      const sale = { fromMemberId: seller.id, toMemberId: buyer.id, parts: '25', price: '3000', currency: 'EUR' };
      const first = await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).set('Idempotency-Key', k).send(sale).expect(201);
      const again = await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).set('Idempotency-Key', k).send(sale).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(first.body.owners.map((o: { memberId: string; parts: string }) => [o.memberId, o.parts])).toEqual([[seller.id, '75'], [buyer.id, '25']]);
      expect(await balance(buyer.id)).toBe('2000');
      expect(await balance(seller.id)).toBe('3000');

      const oversell = await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).set('Idempotency-Key', key()).send({ ...sale, parts: '80', price: '1' }).expect(409);
      expect(oversell.body).toMatchObject({ code: 'insufficient_parts' });
      expect(oversell.body.detail).toContain('owns 75 parts and cannot sell 80');
      const broke = await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).set('Idempotency-Key', key()).send({ ...sale, parts: '10', price: '999999' }).expect(409);
      expect(broke.body).toMatchObject({ code: 'insufficient_funds' });
      expect(broke.body.detail).toContain('holds 2000 and cannot pay 999999');
      const after = await t.http.get(`/admin/assets/${asset.body.id}`).set(auth).expect(200);
      expect(after.body.owners.map((o: { parts: string }) => o.parts)).toEqual(['75', '25']);
      expect(await balance(buyer.id)).toBe('2000');
      await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).send(sale).expect(400);
      const reused = await t.http.post(`/admin/assets/${asset.body.id}/ownership/transfers`).set(auth).set('Idempotency-Key', k).send({ ...sale, parts: '1' }).expect(409);
      expect(reused.body.code).toBe('idempotency_key_reused');
    });

    it('records the movement trail of portable assets only', async () => {
      const owner = await member('Mover');
      const loc = await t.http.post('/admin/locations').set(auth).send({ name: 'Fab lab', kind: 'fab-lab', address: 'Somewhere 1' }).expect(201);
      const portable = await t.http.post('/admin/assets').set(auth).send({ name: 'Drone', kind: 'drone', identifier: `D-${seq++}`, portable: true, owners: [{ memberId: owner.id, parts: '1000000' }] }).expect(201);
      await t.http.post(`/admin/assets/${portable.body.id}/movements`).set(auth).send({ locationId: loc.body.id, movedAt: '2026-11-01T10:00:00Z' }).expect(201);
      await t.http.post(`/admin/assets/${portable.body.id}/movements`).set(auth).send({ place: 'on the truck', movedAt: '2026-11-02T10:00:00Z' }).expect(201);
      const trail = await t.http.get(`/admin/assets/${portable.body.id}/movements`).set(auth).expect(200);
      expect(trail.body).toEqual([
        { locationId: loc.body.id, place: null, movedAt: '2026-11-01T10:00:00.000Z' },
        { locationId: null, place: 'on the truck', movedAt: '2026-11-02T10:00:00.000Z' },
      ]);
      const fixed = await t.http.post('/admin/assets').set(auth).send({ name: 'Kiln', kind: 'kiln', identifier: `K-${seq++}`, owners: [{ memberId: owner.id, parts: '1000000' }] }).expect(201);
      await t.http.post(`/admin/assets/${fixed.body.id}/movements`).set(auth).send({ place: 'x' }).expect(409);
    });
  });

  describe('ledger', () => {
    it('posts a deposit once per key, refuses the key with another body, and keeps the books at zero', async () => {
      const m = await member('Saver');
      const k = key('dep');
      const a = await deposit(m.id, '12500', k).expect(201);
      const b = await deposit(m.id, '12500', k).expect(201);
      expect(b.body.id).toBe(a.body.id);
      expect(b.headers['idempotent-replayed']).toBe('true');
      expect(a.body.entries.map((e: { amount: string }) => e.amount).sort()).toEqual(['-12500', '12500']);
      expect(await balance(m.id)).toBe('12500');
      const other = await deposit(m.id, '99', k).expect(409);
      expect(other.body.code).toBe('idempotency_key_reused');
      // One namespace for keys: the same key on another money endpoint is a conflict, not a second movement.
      const elsewhere = await t.http.post('/admin/ledger/withdrawals').set(auth).set('Idempotency-Key', k).send({ memberId: m.id, amount: '12500', currency: 'EUR' }).expect(409);
      expect(elsewhere.body.code).toBe('idempotency_key_reused');
      const tx = await t.http.get(`/admin/ledger/transactions/${a.body.id}`).set(auth).expect(200);
      expect(tx.body).toMatchObject({ kind: 'deposit', status: 'posted', errorCode: null });
      const big = await deposit(m.id, '9007199254740993').expect(201); // 2^53 + 1: kept exact
      expect(big.body.entries.map((e: { amount: string }) => e.amount)).toContain('9007199254740993');
      const trial = await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200);
      expect(trial.body.EUR).toBe('0');
    });

    it('refuses bad amounts, unknown currencies and a missing key with 400 naming the field', async () => {
      const m = await member('Careful');
      for (const amount of [0, -5, '-5', 12.5, '12.50', '1e3', '', null]) {
        const res = await deposit(m.id, amount as string).expect(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'amount' })]);
      }
      const cur = await deposit(m.id, '100', key(), 'XYZ').expect(400);
      expect(cur.body.errors).toEqual([expect.objectContaining({ field: 'currency' })]);
      const nokey = await t.http.post('/admin/ledger/deposits').set(auth).send({ memberId: m.id, amount: '1', currency: 'EUR' }).expect(400);
      expect(nokey.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      await deposit('7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11', '100').expect(404);
    });

    it('never lets a member account go negative; transfers fund a project and show on its public page', async () => {
      const [m1, m2] = [await member('Funder One'), await member('Funder Two')];
      await deposit(m1.id, '1000').expect(201);
      const shortKey = key('wd');
      const withdraw1001 = () => t.http.post('/admin/ledger/withdrawals').set(auth).set('Idempotency-Key', shortKey).send({ memberId: m1.id, amount: '1001', currency: 'EUR' });
      const short = await withdraw1001().expect(409);
      expect(short.body).toMatchObject({ code: 'insufficient_funds' });
      expect(short.body.detail).toContain('holds 1000 and cannot pay 1001');
      // The refusal is recorded against the key: a retry gets the same answer, even though the
      // money would now be there.
      await deposit(m1.id, '5').expect(201);
      const retried = await withdraw1001().expect(409);
      expect(retried.body.detail).toContain('refused before; use a new key');
      await t.http.post('/admin/ledger/withdrawals').set(auth).set('Idempotency-Key', key()).send({ memberId: m1.id, amount: '5', currency: 'EUR' }).expect(201);
      await t.http.post('/admin/ledger/withdrawals').set(auth).set('Idempotency-Key', key()).send({ memberId: m1.id, amount: '400', currency: 'EUR' }).expect(201);
      expect(await balance(m1.id)).toBe('600');

      const project = await t.db.query<{ id: string }>(
        `INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES (gen_random_uuid(), 'Funded', 'rnd', 'active', 'wf-' || gen_random_uuid(), 'coordinator') RETURNING id`,
      );
      const projectId = project[0].id;
      const give = (memberId: string, amount: string) =>
        t.http.post('/admin/ledger/transfers').set(auth).set('Idempotency-Key', key()).send({ from: { kind: 'member', ownerId: memberId }, to: { kind: 'project', ownerId: projectId }, amount, currency: 'EUR' });
      await give(m1.id, '600').expect(201);
      await deposit(m2.id, '250').expect(201);
      await give(m2.id, '250').expect(201);
      await give(m2.id, '1').expect(409);
      const pub = await t.http.get(`/public/projects/${projectId}/funding`).expect(200);
      expect(pub.body.totals).toEqual([{ currency: 'EUR', raised: '850', contributors: 2 }]);
      await t.http.get('/public/projects/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11/funding').expect(404);
    });
  });
});
