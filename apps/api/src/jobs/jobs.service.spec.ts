import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '@app/config';
import { JobRejection, jobWorkflowId } from '@app/contracts';
import { CreditRefusal, JobEntity, JobPaymentsRepository, JobsRepository, LedgerAccountEntity, LedgerService, MemberEntity, MembersRepository, NodeEntity, NodesRepository, OutputCreditsRepository, ProjectEntity, ProjectsRepository } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import type { CreateJobDto } from './jobs.dto';
import { JobsService } from './jobs.service';

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_TASK_QUEUE: 'unit-queue' });
const inTwoDays = () => new Date(Date.now() + 48 * 3_600_000).toISOString();
const project = (status: ProjectEntity['status'] = 'active') => Object.assign(new ProjectEntity(), { id: 'p1', status });
const job = (over: Partial<JobEntity> = {}) =>
  Object.assign(new JobEntity(), { id: 'j1', workflowId: jobWorkflowId('j1'), status: 'offered', quantity: 4, nodeId: null, offers: [{ offerId: 'j1:2', nodeId: 'n1' }], ...over });
const createDto = (over: Partial<CreateJobDto> = {}) =>
  ({ capability: 'cnc-milling', quantity: 4, unit: 'parts', specUrl: 'https://spec.example/1', dueAt: inTwoDays(), recipient: { type: 'member', id: 'm1' }, demand: { type: 'project', id: 'p1' }, ...over }) as CreateJobDto;
const refused = (type: string) => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('refused', type));

function setup() {
  const jobs = strictMock<JobsRepository>();
  const projects = strictMock<ProjectsRepository>();
  const members = strictMock<MembersRepository>();
  const nodes = strictMock<NodesRepository>();
  const ledger = strictMock<LedgerService>();
  const payments = strictMock<JobPaymentsRepository>();
  const credits = strictMock<OutputCreditsRepository>();
  credits.findByJob.mockResolvedValue(null);
  credits.byJobs.mockResolvedValue(new Map());
  const t = temporalClientMock();
  const service = new JobsService(jobs, projects, members, nodes, ledger, payments, credits, t.client as never, config);
  return { service, jobs, projects, members, nodes, ledger, credits, ...t };
}

describe('JobsService.create', () => {
  it('is paid in money or in output, not both (422 price_and_credit), and writes nothing', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    const creditPrice = { assetId: 'a1', productId: 'tomatoes', quarter: '2031-Q2', units: 20 };
    await expect(s.service.create(createDto({ price: { amount: 100n, currency: 'EUR' }, creditPrice }), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'price_and_credit' });
    expect(s.jobs.create).not.toHaveBeenCalled();
    expect(s.workflow.start).not.toHaveBeenCalled();
  });

  it('writes a job paid in output through the credit (one transaction); a refused credit is its problem, with the figures, and no workflow starts', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    const creditPrice = { assetId: 'a1', productId: 'tomatoes', quarter: '2031-Q2', units: 20 };
    s.credits.createJobWithCredit.mockRejectedValueOnce(new CreditRefusal('credit_over_capacity', 'too much', { capacity: '100', promised: '90', available: '10', asked: '20' }));
    await expect(s.service.create(createDto({ creditPrice }), 'coordinator')).rejects.toMatchObject({
      status: 409,
      code: 'credit_over_capacity',
      errors: [{ field: 'creditPrice.units' }],
      extensions: { capacity: '100', promised: '90', available: '10', asked: '20' },
    });
    s.credits.createJobWithCredit.mockRejectedValueOnce(new CreditRefusal('quarter_closed', 'planned'));
    await expect(s.service.create(createDto({ creditPrice }), 'coordinator')).rejects.toMatchObject({ status: 409, code: 'quarter_closed' });
    expect(s.workflow.start).not.toHaveBeenCalled();
    s.credits.createJobWithCredit.mockResolvedValueOnce();
    s.workflow.start.mockResolvedValue({});
    s.jobs.findById.mockImplementation(async (id) => job({ id }));
    const created = await s.service.create(createDto({ creditPrice }), 'coordinator');
    expect(s.credits.createJobWithCredit).toHaveBeenLastCalledWith(expect.objectContaining({ id: created.id, price: null }), creditPrice);
    expect(s.jobs.create).not.toHaveBeenCalled();
    // The workflow knows no credit: its projection grants or cancels it.
    expect(s.workflow.start.mock.calls[0][1].args[0]).not.toHaveProperty('price');
  });

  it('needs a real, active demand and a due date at least an hour ahead; writes nothing otherwise', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValueOnce(null);
    await expect(s.service.create(createDto(), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'unknown_demand' });
    s.projects.findById.mockResolvedValueOnce(project('completed'));
    await expect(s.service.create(createDto(), 'coordinator')).rejects.toMatchObject({ status: 409, code: 'project_not_active' });
    s.projects.findById.mockResolvedValueOnce(project());
    await expect(s.service.create(createDto({ dueAt: new Date(Date.now() + 30 * 60_000).toISOString() }), 'coordinator')).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('refuses a recipient that is not an active member (422 on recipient.id)', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'suspended' }));
    await expect(s.service.create(createDto(), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'unknown_recipient', errors: [{ field: 'recipient.id' }] });
  });

  it('for a node recipient, its owner confirms and its location is preferred; the workflow gets the defaults', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.nodes.findById.mockResolvedValue(Object.assign(new NodeEntity(), { id: 'n9', ownerMemberId: 'owner-1', locationId: 'loc-1' }));
    s.jobs.create.mockResolvedValue();
    s.workflow.start.mockResolvedValue({});
    s.jobs.findById.mockImplementation(async (id) => job({ id }));
    const created = await s.service.create(createDto({ recipient: { type: 'node', id: 'n9' } }), 'coordinator');
    const row = s.jobs.create.mock.calls[0][0];
    expect(row).toMatchObject({ id: created.id, capability: 'cnc-milling', recipient: { type: 'node', id: 'n9' }, demand: { type: 'project', id: 'p1' }, createdBy: 'coordinator' });
    const [type, opts] = s.workflow.start.mock.calls[0];
    expect(type).toBe('jobWorkflow');
    expect(opts).toMatchObject({ taskQueue: 'unit-queue', workflowId: jobWorkflowId(created.id) });
    expect(opts.args[0]).toMatchObject({
      jobId: created.id,
      recipient: { type: 'node', id: 'n9', confirmerId: 'owner-1' },
      locationId: 'loc-1',
      offerTimeoutMs: 86_400_000,
      maxDelayMs: 72 * 3_600_000,
      confirmWithinMs: 168 * 3_600_000,
      allowPartial: false,
    });
  });

  it('removes the row again when the workflow cannot start, and writes nothing while Temporal is unreachable', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    s.jobs.create.mockResolvedValue();
    s.jobs.delete.mockResolvedValue();
    s.workflow.start.mockRejectedValue(new Error('start failed'));
    await expect(s.service.create(createDto(), 'coordinator')).rejects.toThrow('start failed');
    expect(s.jobs.delete).toHaveBeenCalledWith(s.jobs.create.mock.calls[0][0].id);

    const down = setup();
    down.projects.findById.mockResolvedValue(project());
    down.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    down.workflowService.getSystemInfo.mockRejectedValue(new Error('14 UNAVAILABLE'));
    await expect(down.service.create(createDto(), 'coordinator')).rejects.toMatchObject({ status: 503, code: 'temporal_unavailable' });
    expect(down.jobs.create).not.toHaveBeenCalled();
  });
});

describe('JobsService: the node API', () => {
  it('a suspended node may decline but not accept; an answer is one Update per offer, kind and node', async () => {
    const s = setup();
    await expect(s.service.answer('j1', { kind: 'accept', nodeId: 'n1' }, { id: 'n1', status: 'suspended' })).rejects.toMatchObject({ status: 409, code: 'node_suspended' });
    s.jobs.findById.mockResolvedValue(job());
    s.handle.executeUpdate.mockResolvedValue({ status: 'offered' });
    await s.service.answer('j1', { kind: 'reject', nodeId: 'n1', reason: 'busy' }, { id: 'n1', status: 'suspended' });
    expect(s.workflow.getHandle).toHaveBeenCalledWith(jobWorkflowId('j1'));
    expect(s.handle.executeUpdate.mock.calls[0][1]).toMatchObject({ updateId: 'answer:j1:2:reject:n1' });
  });

  it('progress goes to the row; only the first report of a run (job still accepted) reaches the workflow, named by the run’s offer', async () => {
    const s = setup();
    s.jobs.findById.mockResolvedValue(job({ status: 'in-progress', nodeId: 'n1' }));
    s.jobs.recordProgress.mockResolvedValueOnce({ status: 'accepted', offerId: 'j1:2' });
    s.handle.executeUpdate.mockResolvedValue({ status: 'in-progress' });
    await s.service.progress('j1', 'n1', { percent: 10 });
    expect(s.handle.executeUpdate.mock.calls[0][1]).toMatchObject({ updateId: 'progress:j1:2', args: [{ nodeId: 'n1', percent: 10 }] });
    s.jobs.recordProgress.mockResolvedValueOnce({ status: 'in-progress', offerId: 'j1:2' });
    await s.service.progress('j1', 'n1', { percent: 20 });
    expect(s.handle.executeUpdate).toHaveBeenCalledTimes(1);
  });

  it.each([
    [{ nodeId: 'n2', status: 'accepted' as const }, 'job_not_yours'],
    [{ nodeId: null, status: 'offered' as const }, 'job_not_accepted'],
    [{ nodeId: 'n1', status: 'confirmed' as const }, 'job_closed'],
  ])('a report the row does not take is a 409 that says why (%p → %s)', async (row, code) => {
    const s = setup();
    s.jobs.recordProgress.mockResolvedValue(null);
    s.jobs.findById.mockResolvedValue(job(row));
    await expect(s.service.progress('j1', 'n1', { percent: 50 })).rejects.toMatchObject({ status: 409, code });
  });

  it('a completion beyond the business bound is a 400 before the workflow; a repeat answers null (the row)', async () => {
    const s = setup();
    s.jobs.findById.mockResolvedValue(job({ status: 'in-progress', nodeId: 'n1' }));
    await expect(s.service.complete('j1', 'n1', { made: 41, scrapped: 0 })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    expect(s.handle.executeUpdate).not.toHaveBeenCalled();
    s.handle.executeUpdate.mockRejectedValue(refused(JobRejection.Repeat));
    await expect(s.service.complete('j1', 'n1', { made: 4, scrapped: 1 })).resolves.toBeNull();
    expect(s.handle.executeUpdate.mock.calls[0][1]).toMatchObject({ updateId: 'complete:j1:2' });
  });

  it('a second completion of a run with other figures is a 409', async () => {
    const s = setup();
    s.jobs.findById.mockResolvedValue(job({ status: 'delivered', nodeId: 'n1' }));
    s.handle.executeUpdate.mockResolvedValue({ status: 'delivered', runs: [{ made: 4, scrapped: 0 }] });
    await expect(s.service.complete('j1', 'n1', { made: 3, scrapped: 0 })).rejects.toMatchObject({ status: 409, code: 'job_closed' });
  });
});

describe('JobsService: reads', () => {
  it('lists a page with the node’s filter, and maps every offer of a job to its wire shape', async () => {
    const s = setup();
    s.jobs.list.mockResolvedValue({ items: [job()], total: 7 });
    await expect(s.service.list({ limit: 5, offset: 5, status: 'offered' }, { nodeId: 'n1' })).resolves.toMatchObject({ total: 7, limit: 5, offset: 5 });
    expect(s.jobs.list).toHaveBeenCalledWith({ status: 'offered', nodeId: 'n1', limit: 5, offset: 5 });

    s.jobs.findById.mockResolvedValue(job());
    const offeredAt = new Date('2027-01-02T03:04:05Z');
    s.jobs.offers.mockResolvedValue({ items: [{ offerId: 'j1:1', jobId: 'j1', n: 1, nodeId: 'n1', offeredAt, answer: null, reason: null, answeredAt: null }], total: 1 });
    const page = await s.service.offers('j1', {});
    expect(page.items).toEqual([{ offerId: 'j1:1', nodeId: 'n1', offeredAt: '2027-01-02T03:04:05.000Z', answer: null, reason: null, answeredAt: null }]);
  });

  it('an unknown job is a 404', async () => {
    const s = setup();
    s.jobs.findById.mockResolvedValue(null);
    await expect(s.service.find('nope')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('JobsService: paid work', () => {
  const account = (currency: string) => Object.assign(new LedgerAccountEntity(), { id: `acc-${currency}`, kind: 'project', ownerId: 'p1', currency, balance: 0n });
  const priced = (over: Partial<CreateJobDto> = {}) => createDto({ price: { amount: 48_000n, currency: 'EUR' }, ...over } as Partial<CreateJobDto>);

  it("pays from the project's account: the row names it, the workflow gets the price, ceiling and progress rule as digit strings", async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    s.ledger.accountsWithBalances.mockResolvedValue([account('EUR') as never]);
    s.ledger.account.mockResolvedValue(account('EUR'));
    s.jobs.create.mockResolvedValue();
    s.workflow.start.mockResolvedValue({});
    s.jobs.findById.mockImplementation(async (id) => job({ id }));
    await s.service.create(priced({ priceCeiling: 52_000n, payProgressOnCancel: true } as Partial<CreateJobDto>), 'coordinator');
    expect(s.ledger.account.mock.calls[0].slice(0, 3)).toEqual(['project', 'p1', 'EUR']);
    expect(s.jobs.create.mock.calls[0][0].price).toEqual({ amount: 48_000n, currency: 'EUR', ceiling: 52_000n, payerAccountId: 'acc-EUR', payProgressOnCancel: true });
    expect(s.workflow.start.mock.calls[0][1].args[0]).toMatchObject({ price: { amount: '48000', currency: 'EUR' }, priceCeiling: '52000', payProgressOnCancel: true });
  });

  it('refuses a price in another currency than the project pays in (422 currency_mismatch), a ceiling below the price and a ceiling without a price (400); writes nothing', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(project());
    s.members.findById.mockResolvedValue(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    s.ledger.accountsWithBalances.mockResolvedValue([account('GBP') as never]);
    await expect(s.service.create(priced(), 'coordinator')).rejects.toMatchObject({ status: 422, code: 'currency_mismatch', errors: [{ field: 'price.currency' }] });
    await expect(s.service.create(priced({ priceCeiling: 47_999n } as Partial<CreateJobDto>), 'coordinator')).rejects.toMatchObject({ status: 400, errors: [{ field: 'priceCeiling' }] });
    await expect(s.service.create(createDto({ priceCeiling: 5n } as Partial<CreateJobDto>), 'coordinator')).rejects.toMatchObject({ status: 400, errors: [{ field: 'price' }] });
    expect(s.jobs.create).not.toHaveBeenCalled();
    expect(s.workflow.start).not.toHaveBeenCalled();
  });

  it('refuses a counter-offer above the ceiling, or a price counter on a job whose price is not negotiable, with 422 counter_above_ceiling and no Update; within the ceiling it goes to the workflow', async () => {
    const s = setup();
    const node = { id: 'n1', status: 'active' } as NodeEntity;
    s.jobs.findById.mockResolvedValue(job({ priceAmount: 48_000n, priceCurrency: 'EUR', priceCeiling: 52_000n }));
    await expect(s.service.answer('j1', { kind: 'counter', nodeId: 'n1', price: '52001' }, node)).rejects.toMatchObject({ status: 422, code: 'counter_above_ceiling', errors: [{ field: 'price' }] });
    s.jobs.findById.mockResolvedValue(job({ priceAmount: 48_000n, priceCurrency: 'EUR', priceCeiling: null }));
    await expect(s.service.answer('j1', { kind: 'counter', nodeId: 'n1', price: '1' }, node)).rejects.toMatchObject({ status: 422, code: 'counter_above_ceiling' });
    expect(s.handle.executeUpdate).not.toHaveBeenCalled();
    s.jobs.findById.mockResolvedValue(job({ priceAmount: 48_000n, priceCurrency: 'EUR', priceCeiling: 52_000n }));
    s.handle.executeUpdate.mockResolvedValue({ status: 'accepted' });
    await s.service.answer('j1', { kind: 'counter', nodeId: 'n1', price: '52000' }, node);
    expect(s.handle.executeUpdate.mock.calls[0][1]).toMatchObject({ args: [{ kind: 'counter', price: '52000' }], updateId: 'answer:j1:2:counter:n1:52000' });
  });
});
