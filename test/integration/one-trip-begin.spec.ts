/**
 * `beginWith` against a real PostgreSQL: BEGIN and the first statements in one round trip, each
 * statement with its own snapshot, commit and rollback, a failing statement rolling back the
 * whole; `uuidLiteral` writes nothing but a uuid into SQL.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beginWith, dataSourceOptions, inTransactionBegunWith, integerLiteral, isUuid, uuidLiteral } from '@app/db';
import { createTestDatabase, TestDatabase } from '../support/stack';

describe('beginWith (a transaction begun in one round trip)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const table = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource({ ...dataSourceOptions(db.url), extra: { max: 4 } }).initialize();
    await ds.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, n int NOT NULL)`);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const count = async (id: string) => ((await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])) as Array<{ n: number }>)[0].n;

  it('returns each statement’s rows, keeps the transaction open for the manager, and commits', async () => {
    const id = randomUUID();
    const out = await inTransactionBegunWith(ds, [`INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(id)}, 1)`, `SELECT n FROM ${table} WHERE id = ${uuidLiteral(id)}`], async (tx) => {
      expect(tx.rows).toEqual([[], [{ n: 1 }]]);
      // Not visible outside until the commit.
      expect(await count(id)).toBe(0);
      await tx.manager.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1`, [id]);
      return 'done';
    });
    expect(out).toBe('done');
    expect(((await ds.query(`SELECT n FROM ${table} WHERE id = $1`, [id])) as Array<{ n: number }>)[0].n).toBe(2);
  });

  it('rolls back what the work threw on, and what a failing statement began', async () => {
    const id = randomUUID();
    await expect(
      inTransactionBegunWith(ds, [`INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(id)}, 1)`], async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await count(id)).toBe(0);
    await expect(beginWith(ds, [`INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(id)}, 1)`, `INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(id)}, 2)`])).rejects.toThrow(/duplicate key/);
    expect(await count(id)).toBe(0);
    // Every connection went back to the pool, out of any transaction.
    const idle = (await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)) as Array<{ n: number }>;
    expect(idle[0].n).toBe(0);
  });

  it('commits with the last statements in one round trip (commitWith), or rolls back all when one of them fails', async () => {
    const id = randomUUID();
    const out = await inTransactionBegunWith(ds, [`INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(id)}, 1)`], async (tx) => {
      await tx.manager.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1`, [id]);
      return tx.commitWith([`UPDATE ${table} SET n = n + ${integerLiteral(10n)} WHERE id = ${uuidLiteral(id)} RETURNING n`, `SELECT 7 AS seven`]);
    });
    expect(out).toEqual([[{ n: 12 }], [{ seven: 7 }]]);
    expect(((await ds.query(`SELECT n FROM ${table} WHERE id = $1`, [id])) as Array<{ n: number }>)[0].n).toBe(12);

    const other = randomUUID();
    await expect(
      inTransactionBegunWith(ds, [`INSERT INTO ${table} (id, n) VALUES (${uuidLiteral(other)}, 1)`], (tx) =>
        // The second statement fails: the first is rolled back with everything before it, and COMMIT never runs.
        tx.commitWith([`UPDATE ${table} SET n = 5 WHERE id = ${uuidLiteral(other)}`, `SELECT ('not a number: ' || n)::int FROM ${table} WHERE id = ${uuidLiteral(other)}`]),
      ),
    ).rejects.toThrow(/invalid input syntax/);
    expect(await count(other)).toBe(0);
    const idle = (await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)) as Array<{ n: number }>;
    expect(idle[0].n).toBe(0);
    expect(() => integerLiteral(0.5)).toThrow(/not a safe integer/);
    expect(integerLiteral(-12n)).toBe('-12');
  });

  it('gives each statement its own snapshot: one that waited on a lock sees what the holder committed', async () => {
    const id = randomUUID();
    await ds.query(`INSERT INTO ${table} (id, n) VALUES ($1, 1)`, [id]);
    const holder = ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended(${uuidLiteral(id)}, 0))`);
    const waiting = beginWith(ds, [`SELECT pg_advisory_xact_lock_shared(hashtextextended(${uuidLiteral(id)}, 0))`, `SELECT n FROM ${table} WHERE id = ${uuidLiteral(id)}`]);
    await new Promise((r) => setTimeout(r, 200));
    await holder.query(`UPDATE ${table} SET n = 5 WHERE id = $1`, [id]);
    await holder.commitTransaction();
    await holder.release();
    const tx = await waiting;
    expect(tx.rows[1]).toEqual([{ n: 5 }]);
    await tx.commit();
  });

  it('writes only a uuid into SQL', () => {
    const id = randomUUID();
    expect(uuidLiteral(id.toUpperCase())).toBe(`'${id}'`);
    expect(isUuid(id)).toBe(true);
    for (const bad of [`${id}'; DROP TABLE members; --`, `'${id}'`, '', 'x', `${id} `, `${id}\n`]) {
      expect(isUuid(bad)).toBe(false);
      expect(() => uuidLiteral(bad)).toThrow(/not a uuid/);
    }
  });
});
