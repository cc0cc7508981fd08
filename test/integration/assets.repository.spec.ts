/** AssetsRepository (with the ownership table it is created with) against a real PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { AssetsRepository, FundingRepository, LedgerService, MembersRepository, OwnershipService } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const ownership = () => new OwnershipService(t.ds, new LedgerService(t.ds), new FundingRepository(t.ds, new LedgerService(t.ds)));
const assets = () => new AssetsRepository(t.ds, ownership());
const newAsset = () => ({ name: `Greenhouse ${randomUUID().slice(0, 4)}`, kind: 'greenhouse', identifier: `GH-${randomUUID()}`, nodeId: null, portable: true, totalParts: 10n });

let ada: string;
let bo: string;
beforeAll(async () => {
  const members = new MembersRepository(t.ds);
  ada = (await members.create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' })).id;
  bo = (await members.create({ name: 'Bo', email: `bo-${randomUUID()}@example.org`, status: 'active' })).id;
});

describe('AssetsRepository', () => {
  it('creates an asset with its ownership table in one transaction: a table that is not one whole leaves no asset', async () => {
    const good = await assets().create(newAsset(), [
      { memberId: ada, parts: 7n, outputParts: 7n },
      { memberId: bo, parts: 3n, outputParts: 3n },
    ]);
    expect(await ownership().namedTable(good.id)).toEqual([
      { memberName: 'Ada', parts: 7n, outputParts: 7n },
      { memberName: 'Bo', parts: 3n, outputParts: 3n },
    ]);
    const bad = newAsset();
    await expect(assets().create(bad, [{ memberId: ada, parts: 4n, outputParts: 4n }])).rejects.toThrow();
    expect((await t.db.query('SELECT 1 FROM assets WHERE identifier = $1', [bad.identifier])).length).toBe(0);
    const awaiting = await assets().create(newAsset(), []);
    expect(await ownership().namedTable(awaiting.id)).toEqual([]);
  });

  it('lists an owner’s assets (parts > 0 only) and keeps the movement trail in order', async () => {
    const mine = await assets().create(newAsset(), [{ memberId: bo, parts: 10n, outputParts: 10n }]);
    const page = await assets().list({ ownerMemberId: bo, limit: 50, offset: 0 });
    expect(page.items.map((a) => a.id)).toContain(mine.id);
    expect((await assets().list({ ownerMemberId: randomUUID(), limit: 50, offset: 0 })).total).toBe(0);
    await assets().addMovement({ assetId: mine.id, locationId: null, place: 'second', movedAt: new Date('2030-02-01T00:00:00Z') });
    await assets().addMovement({ assetId: mine.id, locationId: null, place: 'first', movedAt: new Date('2030-01-01T00:00:00Z') });
    expect((await assets().movements(mine.id)).map((m) => m.place)).toEqual(['first', 'second']);
  });
});
