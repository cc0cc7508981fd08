import { LocationsRepository, MembersRepository, NodeEntity, NodesRepository, TokensRepository } from '@app/db';
import { WebhookSender } from '@app/nodes';
import { strictMock } from '../../../../test/support/strict-mock';
import { hashToken } from '../auth/token-hash';
import { CreateNodeDto } from './nodes.dto';
import { NodesService, SECRET_ROTATION_GRACE_MS } from './nodes.service';

const node = (over: Partial<NodeEntity> = {}) => Object.assign(new NodeEntity(), { id: 'n1', status: 'active', webhookUrl: 'https://a.example/hook', ...over });
const createDto = { name: 'Shop', ownerMemberId: 'm1', automationLevel: 'conventional', capabilities: [{ function: 'cnc', capacity: 5, unit: 'parts/week' }], webhookUrl: 'https://a.example/hook' } as CreateNodeDto;

function setup() {
  const nodes = strictMock<NodesRepository>();
  const members = strictMock<MembersRepository>();
  const locations = strictMock<LocationsRepository>();
  const tokens = strictMock<TokensRepository>();
  const webhooks = strictMock<WebhookSender>();
  return { nodes, members, locations, tokens, webhooks, service: new NodesService(nodes, members, locations, tokens, webhooks) };
}

describe('NodesService', () => {
  it('registers a node only for an existing owner and location, with a fresh secret shown once', async () => {
    const s = setup();
    s.members.exists.mockResolvedValueOnce(false);
    await expect(s.service.create(createDto)).rejects.toMatchObject({ status: 404, detail: 'member m1 does not exist' });
    s.members.exists.mockResolvedValue(true);
    s.locations.exists.mockResolvedValueOnce(false);
    await expect(s.service.create({ ...createDto, locationId: 'l9' })).rejects.toMatchObject({ status: 404, detail: 'location l9 does not exist' });
    s.nodes.create.mockImplementation(async (n) => node(n));
    const { node: created, secret } = await s.service.create(createDto);
    expect(secret).toMatch(/^whsec_/);
    expect(s.nodes.create.mock.calls[0][0]).toMatchObject({ name: 'Shop', locationId: null, webhookSecret: secret });
    expect(created.webhookSecret).toBe(secret);
  });

  it('reactivating a node resets its count of expired offers; a new URL re-enables a disabled endpoint', async () => {
    const s = setup();
    s.nodes.findById.mockResolvedValue(node({ status: 'suspended' }));
    s.nodes.update.mockResolvedValue();
    await s.service.update('n1', { status: 'active', webhookUrl: 'https://b.example/hook' });
    expect(s.nodes.update.mock.calls[0][1]).toEqual({
      status: 'active',
      webhookUrl: 'https://b.example/hook',
      expiredOffersInRow: 0,
      lastExpiredOfferId: null,
      webhookDisabledAt: null,
      webhookDisabledReason: null,
    });
    await s.service.update('n1', { name: 'Renamed', webhookUrl: 'https://a.example/hook' });
    expect(s.nodes.update.mock.calls[1][1]).toEqual({ name: 'Renamed', webhookUrl: 'https://a.example/hook' });
  });

  it('rotating keeps the old secret signing for the grace period; an unknown node is a 404', async () => {
    const s = setup();
    s.nodes.rotateSecret.mockResolvedValueOnce(false);
    await expect(s.service.rotateSecret('n9')).rejects.toMatchObject({ status: 404 });
    s.nodes.rotateSecret.mockResolvedValueOnce(true);
    s.nodes.findById.mockResolvedValue(node());
    const before = Date.now();
    const { secret } = await s.service.rotateSecret('n1');
    const [, newSecret, expires] = s.nodes.rotateSecret.mock.calls[1];
    expect(newSecret).toBe(secret);
    expect(expires.getTime()).toBeGreaterThanOrEqual(before + SECRET_ROTATION_GRACE_MS);
  });

  it('a ping is one signed node.ping with a fresh event id, answered as the delivery went', async () => {
    const s = setup();
    s.nodes.findById.mockResolvedValue(node());
    s.webhooks.deliver.mockResolvedValue({ outcome: 'rejected', statusCode: 400, latencyMs: 12, error: 'HTTP 400', retryAfterMs: null });
    const r = await s.service.ping('n1');
    expect(r).toMatchObject({ outcome: 'rejected', statusCode: 400, error: 'HTTP 400' });
    expect(s.webhooks.deliver).toHaveBeenCalledWith('n1', { id: r.eventId, type: 'node.ping', data: { nodeId: 'n1' } });
    expect(r.eventId).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('node tokens: issued only for a registered node (hash stored), revoking another node’s token is a 404', async () => {
    const s = setup();
    s.nodes.exists.mockResolvedValueOnce(false);
    await expect(s.service.issueToken('n9', 'x')).rejects.toMatchObject({ status: 404 });
    s.nodes.exists.mockResolvedValue(true);
    s.tokens.issue.mockImplementation(async (_k, _n, name) => ({ id: 't1', name }) as never);
    const issued = await s.service.issueToken('n1', 'server');
    expect(issued).toMatchObject({ id: 't1', name: 'server', token: expect.stringMatching(/^dpn_node_/) });
    expect(s.tokens.issue).toHaveBeenCalledWith('node', 'n1', 'server', hashToken(issued.token));
    s.tokens.revoke.mockResolvedValue(false);
    await expect(s.service.revokeToken('n1', 't2')).rejects.toMatchObject({ status: 404, detail: 'node token t2 does not exist' });
  });
});
