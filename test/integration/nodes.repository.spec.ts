/** NodesRepository against a real PostgreSQL: candidates for an offer, the expired-offer count, upgrades, secrets, attempts. */
import { randomUUID } from 'node:crypto';
import { JobsRepository, MembersRepository, NewNode, NodesRepository } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const nodes = () => new NodesRepository(t.ds);
let ownerId: string;
const newNode = (over: Partial<NewNode> = {}): NewNode => ({
  name: `Shop ${randomUUID().slice(0, 4)}`,
  ownerMemberId: ownerId,
  locationId: null,
  automationLevel: 'conventional',
  capabilities: [{ function: 'welding', capacity: 5, unit: 'parts/week' }],
  webhookUrl: 'https://shop.example/hook',
  webhookSecret: 'whsec_one',
  ...over,
});

beforeAll(async () => {
  ownerId = (await new MembersRepository(t.ds).create({ name: 'Owner', email: `o-${randomUUID()}@example.org`, status: 'active' })).id;
});

describe('NodesRepository', () => {
  it('candidates: capable, active, enabled and not excluded; higher automation first; busy at the WIP limit', async () => {
    const manual = await nodes().create(newNode({ automationLevel: 'conventional' }));
    const robot = await nodes().create(newNode({ automationLevel: 'automated' }));
    const other = await nodes().create(newNode({ capabilities: [{ function: 'sewing', capacity: 1, unit: 'x' }] }));
    const disabled = await nodes().create(newNode({ automationLevel: 'automated' }));
    await nodes().disableWebhook(disabled.id, '410 Gone');
    // The robot holds two jobs: its WIP limit (2 by default).
    const jobs = new JobsRepository(t.ds);
    for (let i = 0; i < 2; i++) {
      const id = randomUUID();
      await jobs.create({ id, capability: 'welding', quantity: 1, unit: 'x', specUrl: 'https://s', dueAt: '2030-01-01T00:00:00Z', recipient: { type: 'member', id: ownerId }, demand: { type: 'project', id: randomUUID() }, createdBy: 'c' });
      await t.db.query(`UPDATE jobs SET status = 'accepted', node_id = $2 WHERE id = $1`, [id, robot.id]);
    }
    const found = await nodes().candidates({ jobId: randomUUID(), capability: 'welding', locationId: null, exclude: [] });
    expect(found).toEqual([
      { id: robot.id, busy: true },
      { id: manual.id, busy: false },
    ]);
    expect(found.map((c) => c.id)).not.toContain(other.id);
    expect(await nodes().candidates({ jobId: randomUUID(), capability: 'welding', locationId: null, exclude: [robot.id] })).toEqual([{ id: manual.id, busy: false }]);
    expect(await nodes().candidates({ jobId: randomUUID(), capability: 'welding', locationId: null, exclude: [], only: [manual.id] })).toEqual([{ id: manual.id, busy: false }]);
  });

  it('candidates for a transport leg: carriers of its flow type serving both locations (a location not known matches any carrier of the type)', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const carrier = async (flowTypes: string[], served: string[]) => {
      const n = await nodes().create(newNode({ capabilities: [{ function: 'transport', capacity: 5, unit: 'legs/week' }] }));
      await t.db.query(`UPDATE nodes SET flow_types = $2, served_location_ids = $3 WHERE id = $1`, [n.id, JSON.stringify(flowTypes), JSON.stringify(served)]);
      return n.id;
    };
    const both = await carrier(['crate', 'pallet'], [a, b]);
    const onlyA = await carrier(['crate'], [a]);
    const pallets = await carrier(['pallet'], [a, b, c]);
    const pick = async (flowType: string, from: string | null, to: string | null) =>
      (await nodes().candidates({ jobId: randomUUID(), capability: 'transport', locationId: null, exclude: [], transport: { flowType, fromLocationId: from, toLocationId: to } })).map((n) => n.id).sort();
    expect(await pick('crate', a, b)).toEqual([both]);
    expect(await pick('crate', a, null)).toEqual([both, onlyA].sort());
    expect(await pick('pallet', b, c)).toEqual([pallets]);
    expect(await pick('cold-chain', a, b)).toEqual([]);
    // Without a transport need every transport node is a candidate, as before.
    const all = (await nodes().candidates({ jobId: randomUUID(), capability: 'transport', locationId: null, exclude: [] })).map((n) => n.id);
    expect(all).toEqual(expect.arrayContaining([both, onlyA, pallets]));
  });

  it('counts an expired offer once however often retried, suspends at the limit, and an answer resets the count', async () => {
    const n = await nodes().create(newNode());
    expect(await nodes().countExpiredOffer(n.id, 'j:1', 2)).toMatchObject({ expiredInRow: 1, status: 'active', ownerMemberId: ownerId });
    expect(await nodes().countExpiredOffer(n.id, 'j:1', 2)).toMatchObject({ expiredInRow: 1, status: 'active' });
    expect(await nodes().countExpiredOffer(n.id, 'j:2', 2)).toMatchObject({ expiredInRow: 2, status: 'suspended' });
    expect(await nodes().resetExpiredOffers(n.id)).toMatchObject({ expiredInRow: 0, status: 'suspended' });
    await expect(nodes().resetExpiredOffers(randomUUID())).rejects.toThrow('does not exist');
  });

  it('an upgrade is applied under the row lock with what the caller computes from the current row', async () => {
    const n = await nodes().create(newNode());
    const changed = await nodes().upgrade(n.id, (cur) => ({ automationLevel: 'computer-aided', capabilities: [...cur.capabilities, { function: 'laser', capacity: 3, unit: 'm2' }] }));
    expect(changed?.from.automationLevel).toBe('conventional');
    expect(await nodes().findById(n.id)).toMatchObject({ automationLevel: 'computer-aided', capabilities: [{ function: 'welding' }, { function: 'laser', capacity: 3 }] });
    expect(await nodes().upgrade(randomUUID(), (cur) => cur)).toBeNull();
  });

  it('secrets are read only on purpose; a rotation keeps the old one with its expiry; attempts page newest first', async () => {
    const n = await nodes().create(newNode());
    expect((await nodes().findById(n.id))?.webhookSecret).toBeUndefined();
    const until = new Date('2030-06-01T00:00:00Z');
    expect(await nodes().rotateSecret(n.id, 'whsec_two', until)).toBe(true);
    expect(await nodes().withSecrets(n.id)).toMatchObject({ webhookSecret: 'whsec_two', previousWebhookSecret: 'whsec_one', previousSecretExpiresAt: until });
    expect(await nodes().rotateSecret(randomUUID(), 'x', until)).toBe(false);
    for (const eventId of ['e1', 'e2']) {
      await nodes().recordAttempt({ nodeId: n.id, eventId, eventType: 'node.ping', attempt: 1, url: 'https://shop.example/hook', statusCode: 204, latencyMs: 3, outcome: 'delivered', error: null });
    }
    const page = await nodes().attempts(n.id, { limit: 1, offset: 0 });
    expect(page).toMatchObject({ total: 2, items: [{ eventId: 'e2' }] });
  });

  it('lists by capability (jsonb containment) and owner', async () => {
    const sewing = await nodes().create(newNode({ capabilities: [{ function: 'upholstery', capacity: 2, unit: 'x' }] }));
    const page = await nodes().list({ capability: 'upholstery', ownerMemberId: ownerId, limit: 10, offset: 0 });
    expect(page.items.map((n) => n.id)).toEqual([sewing.id]);
  });
});
