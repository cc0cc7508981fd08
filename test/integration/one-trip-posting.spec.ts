/**
 * `LedgerService.oneTripPosting` against a real PostgreSQL: the posting as statements a caller
 * sends with COMMIT in one round trip. It writes what `post` writes; whenever `post` would not
 * simply post (a key used before, too little money, another currency, a missing account) it fails
 * the transaction whole with the mark `isOneTripFallback` knows; racing payers never overdraw.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beginWith, dataSourceOptions, LedgerService, requestHash } from '@app/db';
import { LedgerError, movement } from '@app/domain';
import { createTestDatabase, TestDatabase } from '../support/stack';

describe('LedgerService.oneTripPosting (a posting sent with COMMIT in one round trip)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  let ext: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ ...dataSourceOptions(db.url), extra: { max: 12 } }).initialize();
    ledger = new LedgerService(ds);
    ext = (await ledger.account('external', null, 'EUR')).id;
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** A member's account with `money` in it. */
  async function wallet(money: bigint, currency: 'EUR' | 'USD' = 'EUR'): Promise<string> {
    const id = (await ledger.account('member', randomUUID(), currency)).id;
    const from = currency === 'EUR' ? ext : (await ledger.account('external', null, currency)).id;
    if (money > 0n) await ledger.post({ idempotencyKey: `seed-${randomUUID()}`, kind: 'deposit', currency, entries: movement(from, id, money) });
    return id;
  }
  const send = async (statements: string[]) => {
    const tx = await beginWith(ds, []);
    return tx.commitWith(statements);
  };
  const posted = async (key: string) =>
    (await ds.query(`SELECT id, request_hash, kind, currency, memo, external_reference, status FROM ledger_transactions WHERE idempotency_key = $1`, [key])) as Array<
      Record<string, string | null>
    >;
  const entriesOf = async (key: string) =>
    (
      (await ds.query(`SELECT e.account_id, e.amount::text FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.idempotency_key = $1 ORDER BY e.account_id`, [
        key,
      ])) as Array<{ account_id: string; amount: string }>
    ).map((e) => `${e.account_id} ${e.amount}`);

  it('writes what post writes (the transaction row and its entries), and moves the balances', async () => {
    const [a, b, c, d] = [await wallet(1_000n), await wallet(0n), await wallet(1_000n), await wallet(0n)];
    const req = (key: string, from: string, to: string) => ({ idempotencyKey: key, kind: 'pledge-hold', currency: 'EUR' as const, entries: movement(from, to, 300n), memo: "it's a memo \\ with quotes" });
    const first = req(`one-${randomUUID()}`, a, b);
    const one = ledger.oneTripPosting(first);
    await send(one.statements);
    one.committed();
    const viaPost = req(`post-${randomUUID()}`, c, d);
    await ledger.post(viaPost);
    const [x] = await posted(first.idempotencyKey);
    const [y] = await posted(viaPost.idempotencyKey);
    // The same columns; the request's hash as post computes it (the entries differ by account).
    expect({ ...x, id: undefined, request_hash: undefined }).toEqual({ ...y, id: undefined, request_hash: undefined });
    expect(x.request_hash).toBe(requestHash({ kind: first.kind, currency: first.currency, entries: first.entries, memo: first.memo, ref: null }));
    expect(y.request_hash).toBe(requestHash({ kind: viaPost.kind, currency: viaPost.currency, entries: viaPost.entries, memo: viaPost.memo, ref: null }));
    expect(x.memo).toBe("it's a memo \\ with quotes");
    expect(await ledger.balance(a)).toBe(700n);
    expect(await ledger.balance(b)).toBe(300n);
    expect(await entriesOf(first.idempotencyKey)).toEqual([`${a} -300`, `${b} 300`].sort());
  });

  it('dpn_ledger_request_hash (a posting built in SQL) hashes as requestHash does, odd memos included', async () => {
    const memos = [null, 'funding round 1', 'it\'s "quoted" \\ back\nline\ttab \u0001 ünïcode € 🎉', ''];
    for (const memo of memos) {
      for (const ref of [null, 'ext-1']) {
        const entries = movement(randomUUID(), randomUUID(), 123_456_789_012n).concat([{ accountId: randomUUID(), amount: 0n }]);
        const [{ h }] = (await ds.query(`SELECT dpn_ledger_request_hash($1, $2, $3::uuid[], $4::bigint[], $5, $6) AS h`, [
          'pledge-hold',
          'EUR',
          entries.map((e) => e.accountId),
          entries.map((e) => String(e.amount)),
          memo,
          ref,
        ])) as Array<{ h: string }>;
        expect(h).toBe(requestHash({ kind: 'pledge-hold', currency: 'EUR', entries, memo, ref }));
      }
    }
  });

  it('declines, writing nothing, where post would not simply post: a used key, too little money, another currency, a missing account', async () => {
    const [a, b] = [await wallet(500n), await wallet(0n)];
    const usd = await wallet(0n, 'USD');
    const key = `used-${randomUUID()}`;
    await ledger.post({ idempotencyKey: key, kind: 'transfer', currency: 'EUR', entries: movement(a, b, 100n) });
    const cases = [
      { idempotencyKey: key, kind: 'transfer', currency: 'EUR' as const, entries: movement(a, b, 100n) },
      { idempotencyKey: `poor-${randomUUID()}`, kind: 'transfer', currency: 'EUR' as const, entries: movement(a, b, 401n) },
      { idempotencyKey: `usd-${randomUUID()}`, kind: 'transfer', currency: 'EUR' as const, entries: movement(a, usd, 1n) },
      { idempotencyKey: `gone-${randomUUID()}`, kind: 'transfer', currency: 'EUR' as const, entries: movement(a, randomUUID(), 1n) },
    ];
    for (const req of cases) {
      const err = await send(ledger.oneTripPosting(req).statements).then(
        () => null,
        (e: unknown) => e,
      );
      expect(LedgerService.isOneTripFallback(err)).toBe(true);
      if (req.idempotencyKey !== key) expect(await posted(req.idempotencyKey)).toEqual([]);
    }
    expect(await ledger.balance(a)).toBe(400n);
    expect(await ledger.balance(b)).toBe(100n);
    // What needs no database is refused at once, as post refuses it.
    expect(() => ledger.oneTripPosting({ idempotencyKey: 'x', kind: 'transfer', currency: 'EUR', entries: [{ accountId: a, amount: -1n }, { accountId: b, amount: 2n }] })).toThrow(LedgerError);
    // Nothing but a declined statement fails with the mark.
    expect(LedgerService.isOneTripFallback(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });

  it('racing payers of one account never overdraw it: each sees what the one before it committed', async () => {
    const a = await wallet(1_000n);
    const sinks = await Promise.all(Array.from({ length: 10 }, () => wallet(0n)));
    const results = await Promise.allSettled(
      sinks.map((s) => send(ledger.oneTripPosting({ idempotencyKey: `race-${randomUUID()}`, kind: 'transfer', currency: 'EUR', entries: movement(a, s, 300n) }).statements)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(3);
    for (const r of results) if (r.status === 'rejected') expect(LedgerService.isOneTripFallback(r.reason)).toBe(true);
    expect(await ledger.balance(a)).toBe(100n);
    expect((await ledger.trialBalance()).EUR).toBe(0n);
  });
});
