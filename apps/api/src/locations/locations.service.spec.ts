import { LocationEntity, LocationsRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { LocationsService } from './locations.service';

describe('LocationsService', () => {
  const setup = () => {
    const locations = strictMock<LocationsRepository>();
    return { locations, service: new LocationsService(locations) };
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
});
