export * from './entities';
export * from './data-source.options';
export * from './db.module';
export * from './projects/projects.repository';
export { runMigrations } from './migrate';
export * from './hash';
export * from './ledger/ledger.service';
export * from './ownership/ownership.service';
export * from './decisions/decisions.repository';
