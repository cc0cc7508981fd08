export * from './entities';
export * from './data-source.options';
export * from './db.module';
export * from './projects/projects.repository';
export { runMigrations } from './migrate';
