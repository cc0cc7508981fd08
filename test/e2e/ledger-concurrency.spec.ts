/**
 * Many concurrent money postings and share sales, each sent twice at once with the same
 * Idempotency-Key, against the real API and PostgreSQL: afterwards every balance and every
 * fraction must be exactly what the accepted requests add up to, nothing lost or counted twice.
 */
import { ADMIN_TOKEN, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const MEMBERS = 6;
const OPERATIONS = 120;
const START_BALANCE = 10_000n;
const TOTAL_PARTS = 600n;

/** Small deterministic PRNG so a failure can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

describe('concurrent postings and share sales', () => {
  const t = useTestSystem({ worker: false });

  it('end with exact balances and fractions: each key executed once, the books at zero', async () => {
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      members.push((await t.http.post('/admin/members').set(auth).send({ name: `M${i}`, email: `m${i}@conc.example` }).expect(201)).body.id);
      await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `seed-${i}`).send({ memberId: members[i], amount: START_BALANCE.toString(), currency: 'EUR' }).expect(201);
    }
    const asset = await t.http
      .post('/admin/assets')
      .set(auth)
      .send({ name: 'Shared press', kind: 'press', identifier: 'CONC-1', totalParts: TOTAL_PARTS.toString(), owners: members.map((m) => ({ memberId: m, parts: (TOTAL_PARTS / BigInt(MEMBERS)).toString() })) })
      .expect(201);

    const pick = rng(Number(process.env.DPN_CONCURRENCY_SEED ?? 20261121));
    type Op = { kind: 'transfer' | 'sale'; key: string; from: number; to: number; amount: bigint; parts: bigint };
    const ops: Op[] = Array.from({ length: OPERATIONS }, (_, i) => {
      const from = pick(MEMBERS);
      const to = (from + 1 + pick(MEMBERS - 1)) % MEMBERS;
      return { kind: pick(3) === 0 ? 'sale' : 'transfer', key: `op-${i}`, from, to, amount: BigInt(1 + pick(4000)), parts: BigInt(1 + pick(60)) };
    });
    const send = (op: Op) =>
      op.kind === 'transfer'
        ? t.http
            .post('/admin/ledger/transfers')
            .set(auth)
            .set('Idempotency-Key', op.key)
            .send({ from: { kind: 'member', ownerId: members[op.from] }, to: { kind: 'member', ownerId: members[op.to] }, amount: op.amount.toString(), currency: 'EUR' })
        : t.http
            .post(`/admin/assets/${asset.body.id}/ownership/transfers`)
            .set(auth)
            .set('Idempotency-Key', op.key)
            .send({ fromMemberId: members[op.from], toMemberId: members[op.to], parts: op.parts.toString(), price: op.amount.toString(), currency: 'EUR' });

    // Every operation twice, all at once: the duplicates race their originals.
    const responses = await Promise.all(ops.flatMap((op) => [send(op), send(op)]));
    const byOp = ops.map((op, i) => ({ op, a: responses[2 * i], b: responses[2 * i + 1] }));

    // The same key gives the same answer, whichever of the two got there first: the same
    // transaction, or the same refusal.
    for (const { a, b } of byOp) {
      expect([201, 409]).toContain(a.status);
      expect(b.status).toBe(a.status);
      if (a.status === 201) expect(b.body.id).toBe(a.body.id);
      else {
        expect(['insufficient_funds', 'insufficient_parts']).toContain(a.body.code);
        expect(b.body.code).toBe(a.body.code);
      }
    }
    const accepted = byOp.filter((x) => x.a.status === 201).map((x) => x.op);
    expect(accepted.length).toBeGreaterThan(OPERATIONS / 3); // the mix really moved things
    expect(accepted.length).toBeLessThan(OPERATIONS); // and really hit the guards

    const expectedMoney = members.map(() => START_BALANCE);
    const expectedParts = members.map(() => TOTAL_PARTS / BigInt(MEMBERS));
    for (const op of accepted) {
      expectedMoney[op.from] += op.kind === 'transfer' ? -op.amount : op.amount; // a sale pays the seller
      expectedMoney[op.to] += op.kind === 'transfer' ? op.amount : -op.amount;
      if (op.kind === 'sale') {
        expectedParts[op.from] -= op.parts;
        expectedParts[op.to] += op.parts;
      }
    }

    for (let i = 0; i < MEMBERS; i++) {
      const accounts = await t.http.get('/admin/ledger/accounts').query({ ownerId: members[i], kind: 'member' }).set(auth).expect(200);
      expect(BigInt(accounts.body[0].balance)).toBe(expectedMoney[i]);
      expect(expectedMoney[i] >= 0n).toBe(true);
    }
    const detail = await t.http.get(`/admin/assets/${asset.body.id}`).set(auth).expect(200);
    const parts = new Map<string, bigint>(detail.body.owners.map((o: { memberId: string; parts: string }) => [o.memberId, BigInt(o.parts)]));
    members.forEach((m, i) => expect(parts.get(m) ?? 0n).toBe(expectedParts[i]));
    const sums = detail.body.owners.reduce(
      (s: { p: bigint; o: bigint }, o: { parts: string; outputParts: string }) => ({ p: s.p + BigInt(o.parts), o: s.o + BigInt(o.outputParts) }),
      { p: 0n, o: 0n },
    );
    expect(sums).toEqual({ p: TOTAL_PARTS, o: TOTAL_PARTS });

    const [{ count: txCount }] = await t.db.query<{ count: string }>("SELECT COUNT(*)::text AS count FROM ledger_transactions WHERE status = 'posted' AND kind IN ('transfer', 'share-sale')");
    const paidSales = accepted.filter((o) => o.kind === 'sale').length;
    expect(Number(txCount)).toBe(accepted.length); // every accepted transfer or paid sale posted exactly once
    const [{ count: saleCount }] = await t.db.query<{ count: string }>("SELECT COUNT(*)::text AS count FROM share_transfers WHERE status = 'done'");
    expect(Number(saleCount)).toBe(paidSales);
    const trial = await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200);
    expect(trial.body).toEqual({ EUR: '0' });
  });
});
