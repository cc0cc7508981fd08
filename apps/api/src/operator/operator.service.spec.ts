import { AssetEntity, AssetsRepository, JobContextsRepository, JobEntity, NodeEntity, NodeOperatorRepository, NodeTokenEntity, OutputCreditEntity, OutputCreditsRepository, OwnedNodeRow } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { hashToken } from '../auth/token-hash';
import { Problems } from '../common/problem';
import { JobsService } from '../jobs/jobs.service';
import { OperatorService } from './operator.service';

const job = (over: Partial<JobEntity> = {}) =>
  Object.assign(new JobEntity(), {
    id: 'j1',
    workflowId: 'job-j1',
    status: 'offered',
    capability: 'cnc-milling',
    quantity: 40,
    unit: 'parts',
    specUrl: 'https://spec.test/1',
    dueAt: new Date('2031-01-01T00:00:00Z'),
    recipientType: 'member',
    recipientId: 'm1',
    demandType: 'project',
    demandId: 'p1',
    nodeId: null,
    offers: [{ offerId: 'j1:1', nodeId: 'n1', answer: null }],
    offerCount: 1,
    runs: [],
    progress: null,
    firstOfferedAt: null,
    acceptedAt: null,
    completedAt: null,
    confirmedAt: null,
    parentJobId: null,
    ...over,
  });
const owned = (id = 'n1') => ({ node: Object.assign(new NodeEntity(), { id, status: 'active' }), locationName: null, load: 0 }) as unknown as OwnedNodeRow;

function setup() {
  const operators = strictMock<NodeOperatorRepository>();
  const contexts = strictMock<JobContextsRepository>({ jobContexts: jest.fn(async () => new Map()) });
  const jobs = strictMock<JobsService>();
  const credits = strictMock<OutputCreditsRepository>({ byJobs: jest.fn(async () => new Map()) });
  const assets = strictMock<AssetsRepository>();
  return { operators, contexts, jobs, credits, assets, service: new OperatorService(operators, contexts, jobs, credits, assets) };
}

describe('OperatorService', () => {
  it('shows a job the node holds or is offered now, with the offer it may answer; another node’s job and no job are the same 404', async () => {
    const s = setup();
    s.jobs.find.mockResolvedValueOnce(job());
    s.jobs.live.mockResolvedValueOnce(null);
    await expect(s.service.job('n1', 'j1')).resolves.toMatchObject({ id: 'j1', openOfferId: 'j1:1' });
    s.jobs.find.mockResolvedValueOnce(job({ offers: [{ offerId: 'j1:1', nodeId: 'n2', answer: null }] as never }));
    await expect(s.service.job('n1', 'j1')).rejects.toMatchObject({ status: 404, detail: 'job j1 is not one of this node’s jobs' });
    s.jobs.find.mockRejectedValueOnce(Problems.notFound('job', 'j9'));
    await expect(s.service.job('n1', 'j9')).rejects.toMatchObject({ status: 404, detail: 'job j9 is not one of this node’s jobs' });
    s.jobs.find.mockRejectedValueOnce(new Error('database down'));
    await expect(s.service.job('n1', 'j1')).rejects.toThrow('database down');
  });

  it('says in words what a job paid in output pays, and where its credit stands', async () => {
    const s = setup();
    const credit = Object.assign(new OutputCreditEntity(), { jobId: 'j1', assetId: 'a1', productId: 'tomatoes', quarter: '2027-Q2', units: 20, status: 'promised', holderMemberId: null });
    s.jobs.find.mockResolvedValueOnce(Object.assign(job(), { credit }));
    s.jobs.live.mockResolvedValueOnce(null);
    s.assets.findById.mockResolvedValue(Object.assign(new AssetEntity(), { id: 'a1', name: 'Community greenhouse', outputCatalogue: [{ id: 'tomatoes', name: 'Tomatoes', unit: 'kg', capacityPerUnit: 2, leadTimeDays: 60, capability: 'greenhouse' }] }));
    await expect(s.service.job('n1', 'j1')).resolves.toMatchObject({
      paidInOutput: 'Paid in output: 20 kg tomatoes of Community greenhouse, 2027-Q2 (yours once the delivery is confirmed)',
      creditPrice: { assetId: 'a1', productId: 'tomatoes', quarter: '2027-Q2', units: 20, status: 'promised' },
    });
    // A job without a credit says nothing of it.
    s.jobs.find.mockResolvedValueOnce(Object.assign(job(), { credit: null }));
    s.jobs.live.mockResolvedValueOnce(null);
    await expect(s.service.job('n1', 'j1')).resolves.toMatchObject({ paidInOutput: null, creditPrice: null });
  });

  it('answers an offer through the node API’s own path, as this node, after checking the job is its own', async () => {
    const s = setup();
    s.jobs.find.mockResolvedValue(job());
    s.jobs.answer.mockResolvedValue(null);
    await s.service.accept(owned(), 'j1', { offerId: 'j1:1' });
    expect(s.jobs.answer).toHaveBeenCalledWith('j1', { kind: 'accept', nodeId: 'n1', offerId: 'j1:1' }, owned().node);
    await s.service.reject(owned(), 'j1', { offerId: 'j1:1', reason: 'busy' });
    expect(s.jobs.answer).toHaveBeenLastCalledWith('j1', { kind: 'reject', nodeId: 'n1', offerId: 'j1:1', reason: 'busy' }, owned().node);
    // A counter-offer carries its price (minor units, a digit string) as the node API's does.
    await s.service.counter(owned(), 'j1', { offerId: 'j1:1', price: 51_000n } as never);
    expect(s.jobs.answer).toHaveBeenLastCalledWith('j1', { kind: 'counter', nodeId: 'n1', offerId: 'j1:1', dueAt: undefined, quantity: undefined, note: undefined, price: '51000' }, owned().node);
    // A node that does not hold the job and is not offered it changes nothing.
    await expect(s.service.accept(owned('n2'), 'j1', { offerId: 'j1:1' })).rejects.toMatchObject({ status: 404 });
    expect(s.jobs.answer).toHaveBeenCalledTimes(3);
  });

  it('issues a node token once: only its hash is stored, the token itself is answered with the node prefix', async () => {
    const s = setup();
    s.operators.issueToken.mockImplementation(async (nodeId, name) => Object.assign(new NodeTokenEntity(), { id: 't1', nodeId, name, createdAt: new Date('2030-01-01T00:00:00Z') }));
    const issued = await s.service.issueToken('n1', 'laptop');
    expect(issued).toMatchObject({ id: 't1', name: 'laptop', createdAt: '2030-01-01T00:00:00.000Z' });
    expect(issued.token).toMatch(/^dpn_node_/);
    expect(s.operators.issueToken).toHaveBeenCalledWith('n1', 'laptop', hashToken(issued.token));
  });

  it('revokes only the node’s own tokens (404 otherwise)', async () => {
    const s = setup();
    s.operators.revokeToken.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    await expect(s.service.revokeToken('n1', 't1')).resolves.toBeUndefined();
    await expect(s.service.revokeToken('n1', 't-other')).rejects.toMatchObject({ status: 404 });
    expect(s.operators.revokeToken).toHaveBeenLastCalledWith('n1', 't-other');
  });

  it('groups the node’s work with each job’s names looked up once for all', async () => {
    const s = setup();
    const group = (...items: JobEntity[]) => ({ items, total: items.length });
    s.operators.nodeWork.mockResolvedValue({ offers: group(job()), inHand: group(job({ id: 'j2', status: 'accepted', nodeId: 'n1' })), delivered: group(), ended: group() });
    s.contexts.jobContexts.mockResolvedValueOnce(new Map([['j2', { title: 'Brackets', forWhat: 'Rack', deliverable: null } as never]]));
    const work = await s.service.work('n1');
    expect(s.contexts.jobContexts).toHaveBeenCalledTimes(1);
    expect(s.contexts.jobContexts).toHaveBeenCalledWith(['j1', 'j2']);
    expect(work.inHand.items[0]).toMatchObject({ id: 'j2', title: 'Brackets', forWhat: 'Rack', openOfferId: null });
    expect(work.offers.total).toBe(1);
  });
});
