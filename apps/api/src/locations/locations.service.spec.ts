import { LocationEntity, LocationsRepository, MemberEntity, MembersRepository, PickupPointsRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { LocationsService } from './locations.service';

describe('LocationsService', () => {
  const setup = () => {
    const locations = strictMock<LocationsRepository>();
    const pickups = strictMock<PickupPointsRepository>();
    const members = strictMock<MembersRepository>();
    return { locations, pickups, members, service: new LocationsService(locations, pickups, members) };
  };

  it('updates only a location that exists, never nulling a field', async () => {
    const s = setup();
    s.locations.findById.mockResolvedValueOnce(null);
    await expect(s.service.update('l9', { name: 'x' })).rejects.toMatchObject({ status: 404 });
    const found = Object.assign(new LocationEntity(), { id: 'l1', name: 'Old', kind: 'fab-lab', address: 'A' });
    s.locations.findById.mockResolvedValue(found);
    await expect(s.service.update('l1', { address: null as unknown as string })).rejects.toMatchObject({ status: 400 });
    s.locations.update.mockImplementation(async (l, changes) => Object.assign(l, changes));
    await expect(s.service.update('l1', { name: 'New' })).resolves.toMatchObject({ name: 'New', address: 'A' });
  });

  it('pages by kind', async () => {
    const s = setup();
    s.locations.list.mockResolvedValue({ items: [], total: 0 });
    await expect(s.service.list({ kind: 'farm' })).resolves.toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    expect(s.locations.list).toHaveBeenCalledWith({ kind: 'farm', limit: 20, offset: 0 });
  });

  it('adds a pickup point only to a location that exists, kept by an active member; otherwise writes nothing', async () => {
    const s = setup();
    const dto = { name: 'Desk', keeperMemberId: 'm1', days: ['tue' as const], hours: undefined };
    s.locations.findById.mockResolvedValueOnce(null);
    await expect(s.service.addPickupPoint('l9', dto)).rejects.toMatchObject({ status: 404 });
    const loc = Object.assign(new LocationEntity(), { id: 'l1', name: 'Hall', kind: 'fab-lab', address: 'A' });
    s.locations.findById.mockResolvedValue(loc);
    s.members.findById.mockResolvedValueOnce(Object.assign(new MemberEntity(), { id: 'm1', status: 'suspended' }));
    await expect(s.service.addPickupPoint('l1', dto)).rejects.toMatchObject({ status: 422, code: 'unknown_keeper' });
    expect(s.pickups.create).not.toHaveBeenCalled();
    s.members.findById.mockResolvedValueOnce(Object.assign(new MemberEntity(), { id: 'm1', status: 'active' }));
    s.pickups.create.mockResolvedValueOnce({ id: 'p1' } as never);
    await s.service.addPickupPoint('l1', dto);
    expect(s.pickups.create).toHaveBeenCalledWith({ locationId: 'l1', name: 'Desk', keeperMemberId: 'm1', days: ['tue'], hours: null });
  });
});
