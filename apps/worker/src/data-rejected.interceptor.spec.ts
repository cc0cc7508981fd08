import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { DATA_REJECTED } from '@app/contracts';
import { sqlStateOf } from '@app/db';
import { ACTIVITY_INTERCEPTORS, CONSTRAINT_ATTEMPTS, isDataRejection } from './data-rejected.interceptor';

/** The error TypeORM throws when PostgreSQL refuses a statement (as the pg driver builds it). */
function pgFailure(code: string, message: string): QueryFailedError {
  const driverError = new DatabaseError(message, message.length, 'error');
  driverError.code = code;
  return new QueryFailedError('INSERT INTO decisions (title) VALUES ($1)', ['a\u0000b'], driverError);
}

async function runActivity(fail: unknown, attempt = 1): Promise<unknown> {
  const env = new MockActivityEnvironment({ attempt, activityType: 'openDecision' }, { interceptors: ACTIVITY_INTERCEPTORS });
  return env.run(async () => {
    throw fail;
  }).then(
    () => 'no error',
    (err: unknown) => err,
  );
}

describe('DataRejectedInterceptor', () => {
  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22003', 'value "99999999999" is out of range for type integer'],
  ])('makes a data exception (%s) non-retryable DataRejected at once', async (code, message) => {
    const err = await runActivity(pgFailure(code, message));
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f).toMatchObject({ type: DATA_REJECTED, nonRetryable: true, details: [{ sqlState: code, activityType: 'openDecision' }] });
    expect(f.message).toContain(message);
    expect(f.cause).toBeInstanceOf(QueryFailedError);
  });

  it('gives an integrity-constraint violation a few attempts (a race resolves on retry), then stops', async () => {
    const unique = () => pgFailure('23505', 'duplicate key value violates unique constraint "uq_x"');
    expect(await runActivity(unique(), 1)).toBeInstanceOf(QueryFailedError);
    expect(await runActivity(unique(), CONSTRAINT_ATTEMPTS - 1)).toBeInstanceOf(QueryFailedError);
    expect(await runActivity(unique(), CONSTRAINT_ATTEMPTS)).toMatchObject({ type: DATA_REJECTED, nonRetryable: true });
  });

  it('leaves every other failure to the retry policy, and typed failures as they are', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(await runActivity(down, 50)).toBe(down);
    const shutdown = pgFailure('57P01', 'terminating connection due to administrator command');
    expect(await runActivity(shutdown, 50)).toBe(shutdown);
    const deadlock = pgFailure('40P01', 'deadlock detected');
    expect(await runActivity(deadlock, 50)).toBe(deadlock);
    const typed = ApplicationFailure.nonRetryable('not enough money', 'InsufficientFunds');
    expect(await runActivity(typed)).toBe(typed);
  });

  it('finds the SQLSTATE through wrappers and causes', () => {
    expect(sqlStateOf(new Error('outer', { cause: pgFailure('22021', 'x') }))).toBe('22021');
    expect(sqlStateOf(Object.assign(new Error('econn'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(sqlStateOf(undefined)).toBeUndefined();
    expect(isDataRejection(undefined, 99)).toBe(false);
  });
});
