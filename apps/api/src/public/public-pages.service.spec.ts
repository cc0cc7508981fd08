import { AssetEntity, FundingRoundEntity, MemberPagesRepository, ProjectEntity, PublicPagesRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { PublicPagesService } from './public-pages.service';

const project = (over: Partial<ProjectEntity> = {}) =>
  Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack', description: 'A rack', phase: 'prototyping', status: 'active', createdAt: new Date('2030-01-01T00:00:00Z'), ...over });
const round = Object.assign(new FundingRoundEntity(), {
  id: 'r1',
  phase: 'prototyping',
  status: 'open',
  goal: 100_000n,
  total: 40_000n,
  currency: 'EUR',
  backers: 4,
  minPledge: 500n,
  deadline: new Date('2031-01-01T00:00:00Z'),
  documents: [{ title: 'Budget', url: 'https://x.test/b.pdf', contentHash: 'sha256:1', uploadedBy: 'coordinator' }],
  createdBy: 'coordinator@x.test',
});
const span = (phase: string, over: Record<string, unknown> = {}) => ({ phase, enteredAt: null, leftAt: null, leftBy: null, work: null, ...over });

function setup() {
  const pages = strictMock<PublicPagesRepository>();
  const members = strictMock<MemberPagesRepository>();
  return { pages, members, service: new PublicPagesService(pages, members) };
}

describe('PublicPagesService', () => {
  it('a project’s page: each phase done, skipped, current or ahead; rounds with amounts as digits and no one’s email', async () => {
    const s = setup();
    s.pages.project.mockResolvedValue(project());
    s.pages.phaseSpans.mockResolvedValue([
      span('rnd', { enteredAt: new Date('2030-01-01T00:00:00Z'), leftAt: new Date('2030-03-01T00:00:00Z'), leftBy: 'advanced', work: 'done' }),
      span('prototyping', { enteredAt: new Date('2030-03-01T00:00:00Z'), work: 'funding' }),
      span('node-buildout'),
      span('upgrade'),
    ]);
    s.pages.rounds.mockResolvedValue([round]);
    s.pages.outputs.mockResolvedValue([]);
    const page = await s.service.project('p1');
    expect(page.phases.map((p) => p.state)).toEqual(['done', 'current', 'ahead', 'ahead']);
    expect(page.phases[0]).toMatchObject({ startedAt: '2030-01-01T00:00:00.000Z', endedAt: '2030-03-01T00:00:00.000Z', work: 'done' });
    expect(page.rounds).toEqual([
      { roundId: 'r1', phase: 'prototyping', status: 'open', goal: '100000', total: '40000', currency: 'EUR', backers: 4, minPledge: '500', deadline: '2031-01-01T00:00:00.000Z', documents: [{ title: 'Budget', url: 'https://x.test/b.pdf', contentHash: 'sha256:1' }] },
    ]);
    expect(JSON.stringify(page)).not.toContain('coordinator@');
  });

  it('a skipped phase says so, and a completed project shows every phase done; an unknown project is 404', async () => {
    const s = setup();
    s.pages.project.mockResolvedValueOnce(project({ phase: 'completed', status: 'completed' }));
    s.pages.phaseSpans.mockResolvedValue([span('rnd', { leftAt: new Date(), leftBy: 'skipped' }), span('prototyping'), span('node-buildout'), span('upgrade')]);
    s.pages.rounds.mockResolvedValue([]);
    s.pages.outputs.mockResolvedValue([]);
    const page = await s.service.project('p1');
    expect(page.phases.map((p) => p.state)).toEqual(['skipped', 'done', 'done', 'done']);
    s.pages.project.mockResolvedValueOnce(null);
    await expect(s.service.project('p9')).rejects.toMatchObject({ status: 404 });
  });

  it('the project list: how many phases are behind each project and its current round', async () => {
    const s = setup();
    s.pages.activeProjects.mockResolvedValue({ items: [project(), project({ id: 'p2', phase: 'upgrade' })], total: 2 });
    s.pages.currentRound.mockResolvedValueOnce(round).mockResolvedValueOnce(null);
    const list = await s.service.projects({ limit: 20, offset: 0 });
    expect(list).toMatchObject({ total: 2, limit: 20, offset: 0 });
    expect(list.items.map((p) => [p.id, p.phasesDone, p.round?.roundId ?? null])).toEqual([
      ['p1', 1, 'r1'],
      ['p2', 3, null],
    ]);
  });

  it('an asset’s page names owners (never ids) with their shares of parts and of output', async () => {
    const s = setup();
    s.members.asset.mockResolvedValue(Object.assign(new AssetEntity(), { id: 'a1', name: 'Greenhouse', kind: 'greenhouse', identifier: null, totalParts: 4n, quarterlyCapacity: null, capacityUnit: null, timeZone: 'UTC', outputCatalogue: [] }));
    s.members.owners.mockResolvedValue([
      { memberId: 'm1', name: 'Ada', parts: 3n, outputParts: 1n },
      { memberId: 'm2', name: 'Bo', parts: 1n, outputParts: 1n },
    ]);
    s.members.latestPlan.mockResolvedValue(null);
    const page = await s.service.asset('a1');
    expect(page.owners.map((o) => [o.memberName, o.parts])).toEqual([
      ['Ada', '3'],
      ['Bo', '1'],
    ]);
    expect(page.owners[0].percent).toMatch(/^75/);
    expect(page.owners[0].outputPercent).toMatch(/^50/);
    expect(JSON.stringify(page)).not.toContain('m1');
    expect(page.thisQuarter).toBeNull();
    s.members.asset.mockResolvedValue(null);
    await expect(s.service.asset('a9')).rejects.toMatchObject({ status: 404 });
  });
});
