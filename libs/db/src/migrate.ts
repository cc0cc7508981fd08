import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';

/** Applies pending migrations and returns their names. Safe to run on every start. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(databaseUrl));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
