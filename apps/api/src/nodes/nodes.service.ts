import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { LocationsRepository, MembersRepository, NodeEntity, NodesRepository, TokensRepository, WebhookAttemptEntity } from '@app/db';
import { WebhookSender } from '@app/nodes';
import { issueBearerToken } from '../auth/bearer-token';
import { Page, pageOf, PageQuery, rejectNulls } from '../common/dto';
import { ProblemException, Problems } from '../common/problem';
import { CreateNodeDto, ListNodesQuery, PingResultDto, UpdateNodeDto } from './nodes.dto';

/** How long the previous secret keeps signing after a rotation, so receivers can switch over. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

@Injectable()
export class NodesService {
  constructor(
    private readonly nodes: NodesRepository,
    private readonly members: MembersRepository,
    private readonly locations: LocationsRepository,
    private readonly tokens: TokensRepository,
    private readonly webhooks: WebhookSender,
  ) {}

  private async assertRefs(ownerMemberId?: string, locationId?: string | null, servedLocationIds?: string[]): Promise<void> {
    if (ownerMemberId && !(await this.members.exists(ownerMemberId))) throw Problems.notFound('member', ownerMemberId);
    if (locationId && !(await this.locations.exists(locationId))) throw Problems.notFound('location', locationId);
    // A carrier serving a place that does not exist would be offered legs it can never match: 422 naming it.
    for (const [i, id] of (servedLocationIds ?? []).entries()) {
      if (!(await this.locations.exists(id))) throw new ProblemException(422, 'unknown_location', `location ${id} does not exist`, [{ field: `servedLocationIds.${i}`, code: 'unknown_location', message: 'no such location' }]);
    }
  }

  async create(dto: CreateNodeDto): Promise<{ node: NodeEntity; secret: string }> {
    await this.assertRefs(dto.ownerMemberId, dto.locationId, dto.servedLocationIds);
    const secret = newWebhookSecret();
    const node = await this.nodes.create({
      name: dto.name,
      ownerMemberId: dto.ownerMemberId,
      locationId: dto.locationId ?? null,
      automationLevel: dto.automationLevel,
      capabilities: dto.capabilities,
      flowTypes: dto.flowTypes ?? [],
      servedLocationIds: dto.servedLocationIds ?? [],
      webhookUrl: dto.webhookUrl,
      webhookSecret: secret,
    });
    return { node, secret };
  }

  async get(id: string): Promise<NodeEntity> {
    const n = await this.nodes.findById(id);
    if (!n) throw Problems.notFound('node', id);
    return n;
  }

  async update(id: string, dto: UpdateNodeDto): Promise<NodeEntity> {
    const node = await this.get(id);
    await this.assertRefs(undefined, dto.locationId, dto.servedLocationIds);
    const changes: Partial<NodeEntity> = { ...rejectNulls(dto, ['locationId']) };
    // Reactivated by the coordinator: the count of expired offers starts again.
    if (dto.status === 'active' && node.status !== 'active') Object.assign(changes, { expiredOffersInRow: 0, lastExpiredOfferId: null });
    // A new URL is a fresh start for an endpoint disabled by a 410.
    if (dto.webhookUrl !== undefined && dto.webhookUrl !== node.webhookUrl) Object.assign(changes, { webhookDisabledAt: null, webhookDisabledReason: null });
    await this.nodes.update(node, changes);
    return this.get(id);
  }

  /** Sends a signed `node.ping` (one attempt, now): does the endpoint verify and answer? */
  async ping(id: string): Promise<PingResultDto> {
    await this.get(id);
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const r = await this.webhooks.deliver(id, { id: eventId, type: 'node.ping', data: { nodeId: id } });
    return { eventId, outcome: r.outcome, statusCode: r.statusCode, latencyMs: r.latencyMs, error: r.error };
  }

  async attempts(id: string, q: PageQuery): Promise<Page<WebhookAttemptEntity>> {
    await this.get(id);
    const { limit, offset } = pageOf(q);
    const { items, total } = await this.nodes.attempts(id, { limit, offset });
    return { items, total, limit, offset };
  }

  /** A new secret, shown once; the old one keeps signing (alongside) for SECRET_ROTATION_GRACE_MS. */
  async rotateSecret(id: string): Promise<{ node: NodeEntity; secret: string }> {
    const secret = newWebhookSecret();
    if (!(await this.nodes.rotateSecret(id, secret, new Date(Date.now() + SECRET_ROTATION_GRACE_MS)))) throw Problems.notFound('node', id);
    return { node: await this.get(id), secret };
  }

  async list(q: ListNodesQuery): Promise<Page<NodeEntity>> {
    const { limit, offset } = pageOf(q);
    const { items, total } = await this.nodes.list({
      capability: q.capability,
      automationLevel: q.automationLevel,
      locationId: q.locationId,
      ownerMemberId: q.ownerMemberId,
      status: q.status,
      limit,
      offset,
    });
    return { items, total, limit, offset };
  }

  /** A node API token (shown once) for /nodes/me/*. */
  async issueToken(id: string, name: string): Promise<{ id: string; name: string; token: string }> {
    if (!(await this.nodes.exists(id))) throw Problems.notFound('node', id);
    const { saved, token } = await issueBearerToken(this.tokens, 'node', id, name);
    return { id: saved.id, name: saved.name, token };
  }

  async revokeToken(id: string, tokenId: string): Promise<void> {
    if (!(await this.tokens.revoke('node', id, tokenId))) throw Problems.notFound('node token', tokenId);
  }
}
