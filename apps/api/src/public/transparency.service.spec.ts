import { AssetEntity, AssetsRepository, OwnershipService, ProjectEntity, ProjectPhasesRepository, ProjectsRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { TransparencyService } from './transparency.service';

function setup() {
  const assets = strictMock<AssetsRepository>();
  const ownership = strictMock<OwnershipService>();
  const projects = strictMock<ProjectsRepository>();
  const phases = strictMock<ProjectPhasesRepository>();
  return { assets, ownership, projects, phases, service: new TransparencyService(assets, ownership, projects, phases) };
}

describe('TransparencyService', () => {
  it('shows owners by name with their fractions of the whole, as exact digit strings', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(Object.assign(new AssetEntity(), { id: 'a1', name: 'GH', kind: 'greenhouse', identifier: 'GH-1', totalParts: 3n }));
    s.ownership.namedTable.mockResolvedValue([
      { memberName: 'Ada', parts: 2n, outputParts: 3n },
      { memberName: 'Bo', parts: 1n, outputParts: 0n },
    ]);
    const view = await s.service.ownership('a1');
    expect(view).toMatchObject({ totalParts: '3', owners: [{ memberName: 'Ada', parts: '2', outputParts: '3' }, { memberName: 'Bo', parts: '1', outputParts: '0' }] });
    expect(view.owners[0].fraction).not.toBe(view.owners[1].fraction);
  });

  it('an unknown asset or project is a 404', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValue(null);
    await expect(s.service.ownership('a9')).rejects.toMatchObject({ status: 404 });
    s.projects.findById.mockResolvedValue(null);
    await expect(s.service.funding('p9')).rejects.toMatchObject({ status: 404 });
    await expect(s.service.outputs('p9')).rejects.toMatchObject({ status: 404 });
  });

  it('funding totals are digit strings per currency', async () => {
    const s = setup();
    s.projects.findById.mockResolvedValue(Object.assign(new ProjectEntity(), { id: 'p1', name: 'Rack', phase: 'rnd', status: 'active' }));
    s.projects.fundingTotals.mockResolvedValue([{ currency: 'EUR', raised: 12_345_678_901_234_567_890n, contributors: 3 }]);
    await expect(s.service.funding('p1')).resolves.toEqual({ projectId: 'p1', name: 'Rack', phase: 'rnd', status: 'active', totals: [{ currency: 'EUR', raised: '12345678901234567890', contributors: 3 }] });
  });
});
