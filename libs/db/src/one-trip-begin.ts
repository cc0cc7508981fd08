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

/** A transaction opened by `beginWith`: its manager, and `commit`/`rollback` that also release the connection. */
export interface OpenedTransaction {
  manager: EntityManager;
  /** The rows of each statement sent with BEGIN, in order. */
  rows: unknown[][];
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

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
  const client = (await qr.connect()) as { query(sql: string): Promise<Array<{ rows: unknown[] }> | { rows: unknown[] }> };
  let open = false;
  const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
    try {
      if (open) await client.query(sql);
    } finally {
      open = false;
      await qr.release();
    }
  };
  try {
    open = true;
    const out = await client.query(['BEGIN', ...statements].join(';\n'));
    const results = Array.isArray(out) ? out : [out];
    return { manager: qr.manager, rows: results.slice(1).map((r) => r.rows), commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  } catch (err) {
    await end('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Runs `work` in a transaction begun by `beginWith`: committed if it returns, rolled back if it throws. */
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
