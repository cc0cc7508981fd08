import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { escapeLiteral } from 'pg';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AccountKind, AccountState, assertBalanced, assertPostable, Currency, EntryDraft, LedgerError, NON_NEGATIVE_KINDS } from '@app/domain';
import { metrics } from '@app/observability';
import { LedgerAccountEntity, LedgerEntryEntity, LedgerTransactionEntity, NETWORK_OWNER_ID } from '../entities/ledger.entity';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { integerLiteral, uuidLiteral } from '../one-trip-begin';

/** Marks the error a one-trip posting fails with when it cannot post as `post` would (see `oneTripPosting`). */
const ONE_TRIP_MARK = 'dpn-ledger-one-trip:';

/** The account kinds that may not go below zero, as a SQL literal for the one-trip functions (the rule's one source is `NON_NEGATIVE_KINDS`). */
const NON_NEGATIVE_LITERAL = `ARRAY[${NON_NEGATIVE_KINDS.map((k) => escapeLiteral(k)).join(', ')}]::text[]`;

/** A posting written as statements for a caller's one round trip (`LedgerService.oneTripPosting`). */
export interface OneTripPosting {
  /** Claim and lock; then check and write the entries. Send them in this order, in one transaction. */
  statements: string[];
  /** Call once the transaction has committed (counts the posting as `post` does). */
  committed(): void;
}

export interface PostingRequest {
  idempotencyKey: string;
  /** deposit, withdrawal, transfer, share-sale, ... */
  kind: string;
  currency: Currency;
  entries: EntryDraft[];
  memo?: string | null;
  externalReference?: string | null;
}

export interface PostingResult {
  transaction: LedgerTransactionEntity;
  entries: LedgerEntryEntity[];
  /** True when the key had been posted before: the first result is returned, nothing moved. */
  replayed: boolean;
}

/**
 * The double-entry ledger. Every posting is one database transaction that
 *   1. claims its idempotency key (a concurrent request with the same key waits, then replays),
 *   2. locks the accounts it pays from in a fixed order (no deadlocks between postings),
 *   3. derives their balances from the entries and checks the rules (balanced, same currency,
 *      no non-external account below zero; an account that only receives cannot break them),
 *   4. writes the entries.
 * Used by the API and by activities (funding holds, captures, payouts).
 */
/** The refusal stored for a key, thrown again to a retry. */
export function replayedRejection(code: string | null, message: string | null): LedgerError {
  return new LedgerError(
    (code ?? 'unbalanced') as LedgerError['code'],
    `${message ?? 'refused'} (this Idempotency-Key was refused before; use a new key to try again)`,
  );
}

@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The account of an owner for a kind and currency (and a scope: a hold's round), created on
   * first use.
   */
  async account(kind: AccountKind, ownerId: string | null, currency: Currency, m: EntityManager = this.ds.manager, scopeId: string | null = null): Promise<LedgerAccountEntity> {
    const owner = ownerId ?? NETWORK_OWNER_ID;
    const found = (await m.query(`SELECT id, created_at FROM ledger_accounts WHERE kind = $1 AND owner_id = $2 AND currency = $3 AND scope_id IS NOT DISTINCT FROM $4`, [
      kind,
      owner,
      currency,
      scopeId,
    ])) as Array<{ id: string; created_at: Date }>;
    if (found.length === 1) return Object.assign(new LedgerAccountEntity(), { id: found[0].id, kind, ownerId: owner, currency, scopeId, createdAt: found[0].created_at });
    const rows = (await m.query(
      `INSERT INTO ledger_accounts (kind, owner_id, currency, scope_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, owner_id, currency, scope_id) DO NOTHING
       RETURNING id, kind, owner_id, currency, scope_id, created_at`,
      [kind, owner, currency, scopeId],
    )) as Array<{ id: string; created_at: Date }>;
    if (rows.length === 1) return Object.assign(new LedgerAccountEntity(), { id: rows[0].id, kind, ownerId: owner, currency, scopeId, createdAt: rows[0].created_at });
    return m.findOneByOrFail(LedgerAccountEntity, { kind, ownerId: owner, currency, scopeId: scopeId ?? IsNull() });
  }

  /** The accounts of many owners of one kind and currency (no scope), created on first use: owner id → account id. */
  async accounts(kind: AccountKind, ownerIds: string[], currency: Currency, m: EntityManager = this.ds.manager): Promise<Map<string, string>> {
    const owners = [...new Set(ownerIds)].sort();
    await m.query(
      `INSERT INTO ledger_accounts (kind, owner_id, currency) SELECT $1, o, $3 FROM unnest($2::uuid[]) AS o
       ON CONFLICT (kind, owner_id, currency, scope_id) DO NOTHING`,
      [kind, owners, currency],
    );
    const rows = (await m.query(`SELECT id, owner_id FROM ledger_accounts WHERE kind = $1 AND owner_id = ANY($2::uuid[]) AND currency = $3 AND scope_id IS NULL`, [
      kind,
      owners,
      currency,
    ])) as Array<{ id: string; owner_id: string }>;
    return new Map(rows.map((r) => [r.owner_id, r.id]));
  }

  /**
   * Posts the transaction. Without `m` it runs in its own database transaction; a refusal by the
   * ledger's rules (insufficient funds...) is recorded against the key and committed before it is
   * thrown, so a retry with the same key gets the same refusal. With `m` it joins the caller's
   * transaction (to move money and records together) and throws refusals for the caller to handle.
   */
  async post(req: PostingRequest, m?: EntityManager): Promise<PostingResult> {
    const outcome = m ? await this.postIn(m, req) : await this.ds.transaction((tx) => this.postIn(tx, req));
    // Counted once written (or refused); a caller's transaction that then rolls back still counts.
    metrics.ledgerPostings.inc({ kind: req.kind, outcome: outcome instanceof LedgerError ? 'refused' : outcome.replayed ? 'replayed' : 'posted' });
    if (outcome instanceof LedgerError) throw outcome;
    return outcome;
  }

  private async postIn(m: EntityManager, req: PostingRequest): Promise<PostingResult | LedgerError> {
    const hash = requestHash({ kind: req.kind, currency: req.currency, entries: req.entries, memo: req.memo ?? null, ref: req.externalReference ?? null });
    // Only an account that pays (a negative entry) can break a rule: it alone is locked (in id
    // order, so postings never deadlock) and has its balance summed, after the lock. An account
    // that only receives is neither locked nor summed: many postings into one account (a round's
    // captures, a project's income) never queue behind each other, and its rule cannot break
    // (balances are derived from committed entries, so a concurrent credit can only make a later
    // check stricter). NO KEY UPDATE: a posting into a locked account (its entry's foreign-key
    // check takes KEY SHARE on the account row) does not wait for the payer's lock either.
    const ids = [...new Set(req.entries.map((e) => e.accountId))];
    const paying = [...new Set(req.entries.filter((e) => e.amount < 0n).map((e) => e.accountId))].sort();
    // The key is claimed and, once it is, the payers are locked, in one statement (one round trip
    // on every posting). A concurrent request with the same key waits on the insert until the
    // first one commits, then claims nothing and locks nothing.
    const claimed = (await m.query(
      `WITH claimed AS (
         INSERT INTO ledger_transactions (idempotency_key, request_hash, kind, currency, memo, external_reference)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id, created_at
       ), locked AS (
         SELECT id FROM ledger_accounts WHERE id = ANY($7::uuid[]) AND EXISTS (SELECT 1 FROM claimed) ORDER BY id FOR NO KEY UPDATE
       )
       SELECT c.id, c.created_at, (SELECT count(*) FROM locked)::int AS locked FROM claimed c`,
      [req.idempotencyKey, hash, req.kind, req.currency, req.memo ?? null, req.externalReference ?? null, paying],
    )) as Array<{ id: string; created_at: Date; locked: number }>;
    if (claimed.length === 0) {
      const existing = await m.findOneByOrFail(LedgerTransactionEntity, { idempotencyKey: req.idempotencyKey });
      if (existing.requestHash !== hash) throw new IdempotencyConflictError(req.idempotencyKey);
      if (existing.status === 'rejected') return replayedRejection(existing.errorCode, existing.errorMessage);
      return { transaction: existing, entries: await m.find(LedgerEntryEntity, { where: { transactionId: existing.id }, order: { id: 'ASC' } }), replayed: true };
    }
    const transactionId = claimed[0].id;
    const known = (await m.query(
      `SELECT a.id, a.kind, a.currency,
              CASE WHEN a.id = ANY($2::uuid[]) THEN (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id) ELSE 0 END::text AS balance
         FROM ledger_accounts a WHERE a.id = ANY($1::uuid[])`,
      [ids, paying],
    )) as Array<{ id: string; kind: AccountKind; currency: Currency; balance: string }>;
    const missing = ids.find((id) => !known.some((a) => a.id === id));
    if (missing) throw new RecordNotFoundError('ledger account', missing);
    const accounts = new Map<string, AccountState>(known.map((a) => [a.id, { id: a.id, kind: a.kind, currency: a.currency, balance: BigInt(a.balance) }]));
    try {
      assertPostable(req.entries, accounts, req.currency);
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      await m.update(LedgerTransactionEntity, { id: transactionId }, { status: 'rejected', errorCode: err.code, errorMessage: err.message });
      return err;
    }
    const params: unknown[] = [transactionId];
    const values = req.entries.map((e) => {
      params.push(e.accountId, String(e.amount));
      return `($1, $${params.length - 1}, $${params.length})`;
    });
    const inserted = (await m.query(`INSERT INTO ledger_entries (transaction_id, account_id, amount) VALUES ${values.join(', ')} RETURNING id`, params)) as Array<{ id: string }>;
    const entries = req.entries.map((e, i) => Object.assign(new LedgerEntryEntity(), { id: String(inserted[i].id), transactionId, accountId: e.accountId, amount: e.amount }));
    const transaction = Object.assign(new LedgerTransactionEntity(), {
      id: transactionId,
      idempotencyKey: req.idempotencyKey,
      requestHash: hash,
      kind: req.kind,
      currency: req.currency,
      memo: req.memo ?? null,
      status: 'posted' as const,
      errorCode: null,
      errorMessage: null,
      externalReference: req.externalReference ?? null,
      createdAt: claimed[0].created_at,
    });
    return { transaction, entries, replayed: false };
  }

  /**
   * The posting as one statement (literals only: PostgreSQL's simple protocol, so a caller can send
   * it with others and COMMIT in one round trip, e.g. `OpenedTransaction.commitWith`), for a hot
   * path where `post`'s three round trips inside the caller's transaction are what it costs. It
   * calls `dpn_ledger_post_one_trip` (migration PledgeFunctions), which the pledge path calls too:
   * it claims the key, locks the paying accounts in id order and, with a snapshot taken after the
   * locks, checks the rules on their balances and writes the entries, as `post` does when it posts.
   * It only ever posts: when `post` would not (the key was used before, an account is missing or
   * in another currency, a payer lacks the money), it raises, so the caller's transaction rolls
   * back whole, and `isOneTripFallback(err)` says to run the same work again through `post`, which
   * replays, refuses or records exactly as it always has. Rules that need no database are checked here.
   */
  oneTripPosting(req: PostingRequest): OneTripPosting {
    assertBalanced(req.entries);
    const hash = requestHash({ kind: req.kind, currency: req.currency, entries: req.entries, memo: req.memo ?? null, ref: req.externalReference ?? null });
    const text = (v: string | null) => (v === null ? 'NULL' : escapeLiteral(v));
    const accounts = `ARRAY[${req.entries.map((e) => uuidLiteral(e.accountId)).join(', ')}]::uuid[]`;
    const amounts = `ARRAY[${req.entries.map((e) => integerLiteral(e.amount)).join(', ')}]::bigint[]`;
    const statement = `SELECT dpn_ledger_post_one_trip(${text(req.idempotencyKey)}, ${text(hash)}, ${text(req.kind)}, ${text(req.currency)}, ${text(req.memo ?? null)}, ${text(
      req.externalReference ?? null,
    )}, ${accounts}, ${amounts}, ${NON_NEGATIVE_LITERAL})`;
    return { statements: [statement], committed: () => metrics.ledgerPostings.inc({ kind: req.kind, outcome: 'posted' }) };
  }

  /** Whether `err` is a one-trip posting declining (see `oneTripPosting`): run the work again through `post`. */
  static isOneTripFallback(err: unknown): boolean {
    return err instanceof Error && err.message.includes(ONE_TRIP_MARK);
  }

  /** One posted transaction with its entries, or null. */
  async findTransaction(id: string): Promise<{ transaction: LedgerTransactionEntity; entries: LedgerEntryEntity[] } | null> {
    const transaction = await this.ds.getRepository(LedgerTransactionEntity).findOneBy({ id });
    if (!transaction) return null;
    return { transaction, entries: await this.ds.getRepository(LedgerEntryEntity).find({ where: { transactionId: id }, order: { id: 'ASC' } }) };
  }

  /** Balance of one account, derived from its entries. */
  async balance(accountId: string, m: EntityManager = this.ds.manager): Promise<bigint> {
    const [row] = await m.query(`SELECT COALESCE(SUM(amount), 0)::text AS balance FROM ledger_entries WHERE account_id = $1`, [accountId]);
    return BigInt(row.balance);
  }

  /** Accounts of an owner (or of the network) with their balances. */
  async accountsWithBalances(filter: { ownerId?: string; kind?: AccountKind }): Promise<Array<LedgerAccountEntity & { balance: bigint }>> {
    const rows: Array<{ id: string; kind: AccountKind; owner_id: string; currency: string; created_at: Date; balance: string }> = await this.ds.query(
      `SELECT a.id, a.kind, a.owner_id, a.currency, a.created_at, COALESCE(SUM(e.amount), 0)::text AS balance
         FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
        WHERE ($1::uuid IS NULL OR a.owner_id = $1) AND ($2::text IS NULL OR a.kind = $2)
        GROUP BY a.id ORDER BY a.kind, a.currency, a.id`,
      [filter.ownerId ?? null, filter.kind ?? null],
    );
    return rows.map((r) => Object.assign(new LedgerAccountEntity(), { id: r.id, kind: r.kind, ownerId: r.owner_id, currency: r.currency, createdAt: r.created_at, balance: BigInt(r.balance) }));
  }

  /** Sum of every entry per currency: zero in a sound ledger (checked by tests and /health later). */
  async trialBalance(): Promise<Record<string, bigint>> {
    const rows: Array<{ currency: string; total: string }> = await this.ds.query(
      `SELECT a.currency, SUM(e.amount)::text AS total FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.currency`,
    );
    return Object.fromEntries(rows.map((r) => [r.currency, BigInt(r.total)]));
  }
}
