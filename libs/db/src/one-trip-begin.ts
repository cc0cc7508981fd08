import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is a uuid: the only values `uuidLiteral` writes into SQL. */
export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * A uuid as a SQL literal, for the statements `beginWith` sends in one round trip (PostgreSQL's
 * simple protocol, the only one that takes several statements, takes no parameters). Anything but
 * a uuid is refused, so nothing a caller passes can change the statement.
 */
export function uuidLiteral(id: string): string {
  if (!isUuid(id)) throw new Error(`not a uuid: ${JSON.stringify(id).slice(0, 60)}`);
  return `'${id.toLowerCase()}'`;
}

/** A whole number as a SQL literal (a bigint or a safe integer): digits and a sign, nothing else. */
export function integerLiteral(n: bigint | number): string {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new Error(`not a safe integer: ${n}`);
  return String(n);
}

/** A transaction opened by `beginWith`: its manager, and `commit`/`rollback` that also release the connection. */
export interface OpenedTransaction {
  manager: EntityManager;
  /** The rows of each statement sent with BEGIN, in order. */
  rows: unknown[][];
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /**
   * Runs the last statements and COMMIT in one round trip (`s1; …; COMMIT`: the simple protocol
   * again, so literals only) and answers each statement's rows. If one fails, nothing after it
   * runs: the transaction is rolled back and the error thrown. The connection is released either way.
   */
  commitWith(statements: string[]): Promise<unknown[][]>;
}

type PgClient = { query(sql: string): Promise<Array<{ rows: unknown[] }> | { rows: unknown[] }> };
const rowsOf = (out: Array<{ rows: unknown[] }> | { rows: unknown[] }) => (Array.isArray(out) ? out : [out]).map((r) => r.rows);

/**
 * Begins a READ COMMITTED transaction and runs its first statements in the same round trip
 * (`BEGIN; s1; s2; …`). On a hot path every round trip to PostgreSQL is a socket write and a
 * wake-up of both processes: a pledge's gate, its round and its pledge row used to take four.
 * Each statement still gets its own snapshot, so a statement that waits on a lock sees what the
 * holder committed in the statements after it. If one fails, the transaction is rolled back and
 * the error thrown.
 */
export async function beginWith(ds: DataSource, statements: string[]): Promise<OpenedTransaction> {
  const qr: QueryRunner = ds.createQueryRunner();
  // The pg client itself: TypeORM's `query` keeps only single results.
  const client = (await qr.connect()) as PgClient;
  let open = false;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await qr.release();
  };
  const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
    try {
      if (open) await client.query(sql);
    } finally {
      open = false;
      await release();
    }
  };
  const commitWith = async (last: string[]): Promise<unknown[][]> => {
    if (!open) throw new Error('the transaction is no longer open');
    let rows: unknown[][];
    try {
      rows = rowsOf(await client.query([...last, 'COMMIT'].join(';\n')));
    } catch (err) {
      // A statement failed: the ones after it, COMMIT included, did not run.
      await end('ROLLBACK').catch(() => undefined);
      throw err;
    }
    open = false;
    await release();
    return rows.slice(0, last.length);
  };
  try {
    open = true;
    const results = rowsOf(await client.query(['BEGIN', ...statements].join(';\n')));
    return { manager: qr.manager, rows: results.slice(1), commit: () => end('COMMIT'), rollback: () => end('ROLLBACK'), commitWith };
  } catch (err) {
    await end('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Runs `work` in a transaction begun by `beginWith`: committed if it returns (unless `work` committed
 * it itself with `commitWith`), rolled back if it throws.
 */
export async function inTransactionBegunWith<T>(ds: DataSource, statements: string[], work: (tx: OpenedTransaction) => Promise<T>): Promise<T> {
  const tx = await beginWith(ds, statements);
  let result: T;
  try {
    result = await work(tx);
  } catch (err) {
    await tx.rollback().catch(() => undefined);
    throw err;
  }
  await tx.commit();
  return result;
}

/**
 * A statement on a hot path (every member request's token lookup, every pledge), sent straight to
 * the driver's pool as a named prepared statement: PostgreSQL parses and plans it once per pooled
 * connection instead of on every call, and TypeORM's query runner is skipped. `name` must be
 * unique to `text`.
 */
export async function preparedQuery<T>(ds: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (ds.driver as unknown as { master: { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> } }).master;
  return (await pool.query({ name, text, values })).rows;
}
