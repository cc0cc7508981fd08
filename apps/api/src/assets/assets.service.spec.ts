import { QueryFailedError } from 'typeorm';
import { AssetEntity, AssetsRepository, LocationsRepository, NodeEntity, NodesRepository, OwnershipService } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { CreateAssetDto } from './assets.dto';
import { AssetsService, DEFAULT_TOTAL_PARTS } from './assets.service';

const asset = (over: Partial<AssetEntity> = {}) => Object.assign(new AssetEntity(), { id: 'a1', identifier: 'GH-1', portable: false, totalParts: 1000n, ...over });
const dto = (over: Partial<CreateAssetDto> = {}) => ({ name: 'Greenhouse', kind: 'greenhouse', identifier: 'GH-1', ...over }) as CreateAssetDto;

function setup() {
  const assets = strictMock<AssetsRepository>();
  const nodes = strictMock<NodesRepository>();
  const locations = strictMock<LocationsRepository>();
  const ownership = strictMock<OwnershipService>();
  return { assets, nodes, locations, ownership, service: new AssetsService(assets, nodes, locations, ownership) };
}

describe('AssetsService.create', () => {
  it('by default the node’s owner owns all of it; named owners get their output share = parts unless given', async () => {
    const s = setup();
    s.nodes.findById.mockResolvedValue(Object.assign(new NodeEntity(), { id: 'n1', ownerMemberId: 'owner' }));
    s.assets.create.mockResolvedValue(asset());
    await s.service.create(dto({ nodeId: 'n1' }));
    expect(s.assets.create.mock.calls[0]).toEqual([
      { name: 'Greenhouse', kind: 'greenhouse', identifier: 'GH-1', nodeId: 'n1', portable: false, totalParts: DEFAULT_TOTAL_PARTS },
      [{ memberId: 'owner', parts: DEFAULT_TOTAL_PARTS, outputParts: DEFAULT_TOTAL_PARTS }],
    ]);
    await s.service.create(dto({ totalParts: 10n, owners: [{ memberId: 'a', parts: 6n }, { memberId: 'b', parts: 4n, outputParts: 0n }] }));
    expect(s.assets.create.mock.calls[1][1]).toEqual([
      { memberId: 'a', parts: 6n, outputParts: 6n },
      { memberId: 'b', parts: 4n, outputParts: 0n },
    ]);
  });

  it('an asset awaiting its round has no owners (and may not be given any); without a node, owners are required', async () => {
    const s = setup();
    s.assets.create.mockResolvedValue(asset());
    await s.service.create(dto({ awaitingFunding: true }));
    expect(s.assets.create.mock.calls[0][1]).toEqual([]);
    await expect(s.service.create(dto({ awaitingFunding: true, owners: [{ memberId: 'a', parts: 1n }] }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'owners' }] });
    await expect(s.service.create(dto())).rejects.toMatchObject({ status: 400, errors: [{ field: 'owners' }] });
    s.nodes.findById.mockResolvedValue(null);
    await expect(s.service.create(dto({ nodeId: 'n9' }))).rejects.toMatchObject({ status: 404 });
  });

  it('a taken identifier is a 409', async () => {
    const s = setup();
    s.assets.create.mockRejectedValue(new QueryFailedError('INSERT', [], Object.assign(new Error('dup'), { code: '23505' })));
    await expect(s.service.create(dto({ awaitingFunding: true }))).rejects.toMatchObject({ status: 409, code: 'identifier_taken' });
  });
});

describe('AssetsService: movements', () => {
  it('only a portable asset moves, to a known location or a described place', async () => {
    const s = setup();
    s.assets.findById.mockResolvedValueOnce(asset());
    await expect(s.service.move('a1', {})).rejects.toMatchObject({ status: 409, code: 'asset_not_portable' });
    s.assets.findById.mockResolvedValue(asset({ portable: true }));
    await expect(s.service.move('a1', {})).rejects.toMatchObject({ status: 400 });
    s.locations.exists.mockResolvedValueOnce(false);
    await expect(s.service.move('a1', { locationId: 'l9' })).rejects.toMatchObject({ status: 404 });
    s.assets.addMovement.mockImplementation(async (m) => m as never);
    await expect(s.service.move('a1', { place: 'on the truck', movedAt: '2027-02-01T10:00:00Z' })).resolves.toEqual({
      assetId: 'a1',
      locationId: null,
      place: 'on the truck',
      movedAt: new Date('2027-02-01T10:00:00Z'),
    });
  });
});
