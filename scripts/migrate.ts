/** Applies pending TypeORM migrations to DATABASE_URL (production: the `migrate` compose service). */
import { loadConfig, runMain } from '@app/config';
import { runMigrations } from '@app/db';

runMain('migrate', async () => {
  const config = loadConfig(process.env);
  const applied = await runMigrations(config.databaseUrl);
  process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database schema is up to date\n');
});
