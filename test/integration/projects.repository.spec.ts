/** The read-model repository against a real PostgreSQL, migrated by the real migrations. */
import { DataSource } from 'typeorm';
import type { ProjectTransition, RecordProjectTransitionInput } from '@app/contracts';
import { dataSourceOptions, LedgerService, MembersRepository, ProjectsRepository } from '@app/db';
import { createTestDatabase, TestDatabase } from '../support/database';

const projectId = '0b6f1d2e-3c4a-4b5c-8d6e-7f8091a2b3c4';
const t = (seq: number, kind: ProjectTransition['kind'], fromPhase: ProjectTransition['fromPhase'], toPhase: ProjectTransition['toPhase'], status: ProjectTransition['status'] = 'active'): RecordProjectTransitionInput => ({
  projectId,
  name: 'Projection test',
  workflowId: `project-${projectId}`,
  transition: { seq, kind, fromPhase, toPhase, status, actor: 'coordinator', note: null, at: new Date(Date.UTC(2026, 0, seq)).toISOString() },
});

describe('ProjectsRepository.applyTransition', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: ProjectsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    repo = new ProjectsRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates the row when it is missing, writes each event once, and only moves forward', async () => {
    expect(await repo.applyTransition(t(1, 'started', null, 'rnd'))).toEqual({ applied: true });
    expect(await repo.applyTransition(t(1, 'started', null, 'rnd'))).toEqual({ applied: false });
    await repo.applyTransition(t(3, 'advanced', 'prototyping', 'node-buildout'));
    // seq 2 arrives late (a retried activity): recorded in the timeline, but the row stays at seq 3.
    await repo.applyTransition(t(2, 'advanced', 'rnd', 'prototyping'));
    const project = await repo.findById(projectId);
    expect(project).toMatchObject({ phase: 'node-buildout', status: 'active', lastSeq: 3, name: 'Projection test' });
    expect((await repo.events(projectId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('survives concurrent duplicate writes', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => repo.applyTransition(t(4, 'advanced', 'node-buildout', 'upgrade'))));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const applied = results.filter((r) => r.status === 'fulfilled' && r.value.applied);
    expect(applied).toHaveLength(1);
    expect(await db.query('SELECT seq FROM project_events WHERE project_id = $1 AND seq = 4', [projectId])).toHaveLength(1);
  });
});

describe('ProjectsRepository.fundingTotals', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('sums what each currency account of the project received and counts the members who paid in', async () => {
    const repo = new ProjectsRepository(ds);
    const ledger = new LedgerService(ds);
    const members = new MembersRepository(ds);
    await repo.applyTransition(t(1, 'started', null, 'rnd'));
    expect(await repo.exists(projectId)).toBe(true);
    const [ada, bo] = [await members.create({ name: 'Ada', email: 'ada@funders.example', status: 'active' }), await members.create({ name: 'Bo', email: 'bo@funders.example', status: 'active' })];
    const ext = await ledger.account('external', null, 'EUR');
    const project = await ledger.account('project', projectId, 'EUR');
    let posted = '';
    for (const [m, amount] of [[ada, 700n], [bo, 300n], [ada, 5n]] as const) {
      const wallet = await ledger.account('member', m.id, 'EUR');
      await ledger.post({ idempotencyKey: `in-${m.id}-${amount}`, kind: 'deposit', currency: 'EUR', entries: [{ accountId: ext.id, amount: -amount }, { accountId: wallet.id, amount }] });
      posted = (await ledger.post({ idempotencyKey: `fund-${m.id}-${amount}`, kind: 'transfer', currency: 'EUR', entries: [{ accountId: wallet.id, amount: -amount }, { accountId: project.id, amount }] })).transaction.id;
    }
    expect(await repo.fundingTotals(projectId)).toEqual([{ currency: 'EUR', raised: 1005n, contributors: 2 }]);
    expect((await ledger.findTransaction(posted))?.entries.map((e) => e.amount)).toEqual([-5n, 5n]);
    expect(await ledger.findTransaction('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});

describe('migrations', () => {
  it('produce exactly the schema the entities describe (no pending changes)', async () => {
    const db = await createTestDatabase();
    const ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});
