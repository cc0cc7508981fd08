/** JobsRepository against a real PostgreSQL: the first write, the projection (only forward), progress, the reads. */
import { randomUUID } from 'node:crypto';
import type { JobOffer, JobView } from '@app/contracts';
import { JobsRepository, NewJobRow } from '@app/db';
import { seedNodeWithOwner, useTestDataSource } from '../support/database';
import { jobProjection as projection } from '../support/job-input';

const t = useTestDataSource();
const jobs = () => new JobsRepository(t.ds);
const projectId = randomUUID();
const newJob = (over: Partial<NewJobRow> = {}): NewJobRow => ({
  id: randomUUID(),
  capability: 'cnc-milling',
  quantity: 4,
  unit: 'parts',
  specUrl: 'https://spec.example/1',
  dueAt: '2030-01-10T00:00:00Z',
  recipient: { type: 'member', id: randomUUID() },
  demand: { type: 'project', id: projectId },
  createdBy: 'coordinator',
  ...over,
});
const offer = (jobId: string, n: number, nodeId: string, answer: JobOffer['answer'] = null): JobOffer =>
  ({ offerId: `${jobId}:${n}`, nodeId, offeredAt: `2030-01-0${n}T00:00:00.000Z`, answer, reason: null, answeredAt: answer ? `2030-01-0${n}T01:00:00.000Z` : null }) as JobOffer;

let nodeId: string;
beforeAll(async () => {
  ({ nodeId } = await seedNodeWithOwner(t.ds));
});

describe('JobsRepository', () => {
  it('writes a job’s first row once (a retry changes nothing), and the rest of a partial counter as a copy with its parent', async () => {
    const row = newJob({ phase: 'rnd', taskKey: 'design' });
    await jobs().create(row);
    await jobs().create({ ...row, quantity: 99 });
    const parent = (await jobs().findById(row.id))!;
    expect(parent).toMatchObject({ quantity: 4, status: 'searching', workflowId: `job-${row.id}`, phase: 'rnd', taskKey: 'design', recordSeq: 0 });
    const restId = randomUUID();
    await jobs().createRemainder(parent, restId, 3);
    await jobs().createRemainder(parent, restId, 3);
    expect(await jobs().findById(restId)).toMatchObject({ quantity: 3, parentJobId: row.id, capability: 'cnc-milling', phase: 'rnd', taskKey: 'design', demandId: projectId });
  });

  it('projects the workflow only forward; keeps runs before the view’s window; every offer lands in job_offers', async () => {
    const row = newJob();
    await jobs().create(row);
    const id = row.id;
    const o1 = offer(id, 1, nodeId, 'rejected');
    const o2 = offer(id, 2, nodeId);
    const runs = (n: number) => Array.from({ length: n }, (_, i) => ({ made: i + 1 })) as unknown as JobView['runs'];
    expect(await jobs().record(projection(id, 2, { offers: [o1, o2], offerCount: 2, runs: runs(3), firstOfferedAt: o1.offeredAt }))).toEqual({ applied: true });
    // A late retry of an older write changes nothing.
    expect(await jobs().record(projection(id, 1, { status: 'cancelled' }))).toEqual({ applied: false });
    // The view now holds the last run only: the two before it stay from the row.
    const accepted = { ...o2, answer: 'accepted', answeredAt: '2030-01-02T02:00:00.000Z' } as JobOffer;
    await jobs().record(projection(id, 3, { status: 'accepted', nodeId, offers: [accepted], offerCount: 2, runs: [{ made: 9 }] as unknown as JobView['runs'], runsKept: 2, firstOfferedAt: accepted.offeredAt, acceptedAt: accepted.answeredAt }));
    const j = (await jobs().findById(id))!;
    expect(j).toMatchObject({ status: 'accepted', nodeId, recordSeq: 3, offerCount: 2 });
    expect(j.runs.map((r) => (r as unknown as { made: number }).made)).toEqual([1, 2, 9]);
    expect(j.firstOfferedAt?.toISOString()).toBe(o1.offeredAt); // set once
    const page = await jobs().offers(id, { limit: 10, offset: 0 });
    expect(page.total).toBe(2);
    expect(page.items.map((o) => [o.n, o.answer])).toEqual([
      [1, 'rejected'],
      [2, 'accepted'],
    ]);
  });

  it('takes progress only from the node that holds the job, counts the reports, and a later projection keeps it while held', async () => {
    const row = newJob();
    await jobs().create(row);
    expect(await jobs().recordProgress(row.id, nodeId, { percent: 10 })).toBeNull(); // not accepted yet
    await jobs().record(projection(row.id, 1, { status: 'accepted', nodeId, offers: [offer(row.id, 1, nodeId, 'accepted')], offerCount: 1 }));
    expect(await jobs().recordProgress(row.id, randomUUID(), { percent: 10 })).toBeNull(); // another node
    expect(await jobs().recordProgress(row.id, nodeId, { percent: 10 })).toEqual({ status: 'accepted', offerId: `${row.id}:1` });
    await jobs().recordProgress(row.id, nodeId, { percent: 30, note: 'half the blanks cut' });
    await jobs().record(projection(row.id, 2, { status: 'in-progress', nodeId, offers: [offer(row.id, 1, nodeId, 'accepted')], offerCount: 1 }));
    expect(await jobs().snapshot(row.id)).toMatchObject({ status: 'in-progress', nodeId, lastOffer: { offerId: `${row.id}:1` }, progress: { percent: 30, note: 'half the blanks cut', reports: 2 } });
    await jobs().record(projection(row.id, 3, { status: 'delivered', nodeId, offers: [offer(row.id, 1, nodeId, 'accepted')], offerCount: 1 }));
    expect((await jobs().snapshot(row.id))?.progress).toBeNull();
  });

  it('a node’s list is the jobs it holds and the ones offered to it now; the project and capacity reads', async () => {
    const offered = newJob({ phase: 'prototyping', taskKey: 'test' });
    const waiting = newJob({ phase: 'prototyping', taskKey: 'frame' });
    const confirmed = newJob({ phase: 'prototyping', taskKey: 'report' });
    for (const r of [offered, waiting, confirmed]) await jobs().create(r);
    await jobs().record(projection(offered.id, 1, { offers: [offer(offered.id, 1, nodeId)], offerCount: 1, dueAt: '2030-01-01T00:00:00.000Z' }));
    await jobs().record(projection(waiting.id, 1, { status: 'waiting-for-capacity' }));
    await jobs().record(projection(confirmed.id, 1, { status: 'confirmed', nodeId }));
    const mine = await jobs().list({ nodeId, limit: 50, offset: 0 });
    expect(mine.items.map((j) => j.id)).toEqual(expect.arrayContaining([offered.id, confirmed.id]));
    expect(mine.items.map((j) => j.id)).not.toContain(waiting.id);
    expect(mine.items[0].id).toBe(offered.id); // soonest due first
    expect(await jobs().waitingForCapacityOf(nodeId)).toContain(waiting.id);
    expect(await jobs().confirmedTaskKeys(projectId, 'prototyping')).toEqual(['report']);
    // A recipe task whose flow was delivered (in an earlier attempt) is done too; a running one is not.
    const flowRow = (key: string, status: string) =>
      t.ds.query(
        `INSERT INTO flows (workflow_id, recipe, demand_type, demand_id, quantity, unit, due_at, recipient_type, recipient_id, status, created_by, idempotency_key)
         VALUES ($1, '{"name":"r","steps":[]}', 'project', $2, 1, 'pcs', now(), 'member', $2, $3, 'test', $4)`,
        [`flow-${randomUUID()}`, projectId, status, key],
      );
    await flowRow(`phase:${projectId}:prototyping:1:frame-kit`, 'delivered');
    await flowRow(`phase:${projectId}:prototyping:2:casing`, 'running');
    await flowRow(`phase:${projectId}:rnd:1:sketch`, 'delivered');
    expect(await jobs().confirmedTaskKeys(projectId, 'prototyping')).toEqual(['frame-kit', 'report']);
    const phaseJobs = await jobs().ofProjectPhases(projectId);
    expect(phaseJobs.find((j) => j.id === confirmed.id)).toMatchObject({ phase: 'prototyping', taskKey: 'report', nodeName: 'Shop', status: 'confirmed' });
  });

  it('closes only rows whose workflow never wrote them', async () => {
    const never = newJob();
    const started = newJob();
    await jobs().create(never);
    await jobs().create(started);
    await jobs().record(projection(started.id, 1));
    await jobs().discardUnstarted([never.id, started.id]);
    expect((await jobs().findById(never.id))?.status).toBe('cancelled');
    expect((await jobs().findById(started.id))?.status).toBe('offered');
  });
});
