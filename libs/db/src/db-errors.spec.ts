import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, sqlStateOf } from './db-errors';

const pgError = (code: string, message = 'x') => {
  const e = new DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
};
const queryFailed = (code: string) => new QueryFailedError('SELECT 1', [], pgError(code));
const socket = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

describe('database errors', () => {
  it.each([
    ['a refused connection', socket('ECONNREFUSED')],
    ['a reset connection', socket('ECONNRESET')],
    ['a server shutting down (57P01)', queryFailed('57P01')],
    ['a server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', queryFailed('08006')],
    ['a statement cancelled at statement_timeout (57014)', queryFailed('57014')],
    ['too many connections (53300)', pgError('53300')],
    ['the pool giving up', new Error('timeout exceeded when trying to connect')],
    ['a connect that timed out', new Error('timeout expired')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['all addresses of a host refused', Object.assign(new AggregateError([socket('ECONNREFUSED'), socket('ECONNREFUSED')]), {})],
  ])('%s means unavailable', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a data exception', queryFailed('22021')],
    ['a unique violation', queryFailed('23505')],
    ['a deadlock', queryFailed('40P01')],
    ['a bug', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('%s does not', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('reads the SQLSTATE through TypeORM and causes', () => {
    expect(sqlStateOf(queryFailed('22021'))).toBe('22021');
    expect(sqlStateOf(new Error('outer', { cause: pgError('23505') }))).toBe('23505');
    expect(sqlStateOf(socket('ECONNREFUSED'))).toBeUndefined();
    expect(sqlStateOf(socket('EPIPE'))).toBeUndefined();
    expect(sqlStateOf(pgError('P0001'))).toBe('P0001');
  });
});
