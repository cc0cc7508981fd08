/**
 * DataSource for the TypeORM CLI (`npm run migration:generate -- libs/db/src/migrations/<Name>`).
 * Application code uses `dataSourceOptions` through DbModule instead.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is required to run the TypeORM CLI');
}
export default new DataSource(dataSourceOptions(url));
