import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * The one place that describes how to reach the database: used by the Nest modules, the migrate
 * script and the TypeORM CLI (data-source.ts). The schema is changed only by versioned
 * migrations, never by `synchronize`. The API and worker pass `timeouts` (a connection or a
 * statement that takes longer fails instead of hanging); migrations run without them.
 */
export function dataSourceOptions(databaseUrl: string, timeouts?: { connectTimeoutMs: number; statementTimeoutMs: number }): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    // gen_random_uuid() is built into PostgreSQL 13+: no uuid-ossp extension needed.
    uuidExtension: 'pgcrypto',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // pg Pool options: `connectionTimeoutMillis` bounds both a new connection and the wait for a
    // free one; `statement_timeout` is sent to the server with each new connection.
    extra: {
      max: 10,
      application_name: 'dpn',
      ...(timeouts ? { connectionTimeoutMillis: timeouts.connectTimeoutMs, statement_timeout: timeouts.statementTimeoutMs } : {}),
    },
  };
}
