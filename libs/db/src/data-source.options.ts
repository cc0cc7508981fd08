import { Client, ClientConfig } from 'pg';
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
    // pg Pool options. `statement_timeout` is sent to the server with each new connection.
    extra: { max: 10, application_name: 'dpn', ...(timeouts ? boundedPool(timeouts) : {}) },
  };
}

/**
 * Two bounds that pg's pool would otherwise give one value (`connectionTimeoutMillis`): opening a
 * connection (short: a server that does not answer is down) and waiting for a free one of the
 * pool's 10 (as long as a statement may run: under a burst, requests queue rather than fail).
 */
function boundedPool(timeouts: { connectTimeoutMs: number; statementTimeoutMs: number }) {
  class BoundedConnectClient extends Client {
    constructor(config?: ClientConfig) {
      super({ ...config, connectionTimeoutMillis: timeouts.connectTimeoutMs });
    }
  }
  return {
    Client: BoundedConnectClient,
    connectionTimeoutMillis: timeouts.statementTimeoutMs + timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
  };
}
