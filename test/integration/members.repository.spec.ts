/** MembersRepository and LocationsRepository (the registry's people and places) against a real PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation, LocationsRepository, MembersRepository } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const members = () => new MembersRepository(t.ds);
const email = () => `m-${randomUUID()}@example.org`;

describe('MembersRepository', () => {
  it('an email is one member’s (a second is a unique violation); an update keeps what it does not change', async () => {
    const e = email();
    const ada = await members().create({ name: 'Ada', email: e, status: 'active' });
    const second = await members().create({ name: 'Other', email: e, status: 'active' }).catch((err: unknown) => err);
    expect(isUniqueViolation(second)).toBe(true);
    await members().update(ada, { name: 'Ada L.' });
    expect(await members().findById(ada.id)).toMatchObject({ name: 'Ada L.', email: e, status: 'active' });
  });

  it('tells which of some ids are active members', async () => {
    const active = await members().create({ name: 'A', email: email(), status: 'active' });
    const suspended = await members().create({ name: 'S', email: email(), status: 'suspended' });
    expect(await members().activeIds([active.id, suspended.id, randomUUID()])).toEqual(new Set([active.id]));
    expect(await members().activeIds([])).toEqual(new Set());
    expect(await members().exists(suspended.id)).toBe(true);
  });

  it('lists by status and email, newest first', async () => {
    const e = email();
    const m = await members().create({ name: 'Find me', email: e, status: 'suspended' });
    expect(await members().list({ email: e, limit: 10, offset: 0 })).toEqual({ items: [expect.objectContaining({ id: m.id })], total: 1 });
    const suspended = await members().list({ status: 'suspended', limit: 10, offset: 0 });
    expect(suspended.items.every((x) => x.status === 'suspended')).toBe(true);
  });
});

describe('LocationsRepository', () => {
  it('creates, updates and lists places by kind and name', async () => {
    const locations = new LocationsRepository(t.ds);
    const b = await locations.create({ name: 'B park', kind: 'industrial-park', address: 'Street 2' });
    await locations.create({ name: 'A park', kind: 'industrial-park', address: 'Street 1' });
    await locations.create({ name: 'Lab', kind: 'fab-lab', address: 'Street 3' });
    await locations.update(b, { address: 'Street 22' });
    expect(await locations.findById(b.id)).toMatchObject({ address: 'Street 22' });
    const parks = await locations.list({ kind: 'industrial-park', limit: 10, offset: 0 });
    expect(parks.items.map((l) => l.name)).toEqual(['A park', 'B park']);
    expect(await locations.exists(randomUUID())).toBe(false);
  });
});
