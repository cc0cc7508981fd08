import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { LocationEntity, MemberEntity, NodeEntity, WebhookAttemptEntity } from '@app/db';
import { WebhookSender } from '@app/nodes';
import { Page, pageOf, PageQuery, rejectNulls } from '../common/dto';
import { Problems } from '../common/problem';
import { CreateNodeDto, ListNodesQuery, PingResultDto, UpdateNodeDto } from './nodes.dto';

/** How long the previous secret keeps signing after a rotation, so receivers can switch over. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

@Injectable()
export class NodesService {
  private readonly repo: Repository<NodeEntity>;
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly webhooks: WebhookSender,
  ) {
    this.repo = ds.getRepository(NodeEntity);
  }

  private async assertRefs(ownerMemberId?: string, locationId?: string | null): Promise<void> {
    if (ownerMemberId && !(await this.ds.getRepository(MemberEntity).existsBy({ id: ownerMemberId }))) {
      throw Problems.notFound('member', ownerMemberId);
    }
    if (locationId && !(await this.ds.getRepository(LocationEntity).existsBy({ id: locationId }))) {
      throw Problems.notFound('location', locationId);
    }
  }

  async create(dto: CreateNodeDto): Promise<{ node: NodeEntity; secret: string }> {
    await this.assertRefs(dto.ownerMemberId, dto.locationId);
    const secret = newWebhookSecret();
    const saved = await this.repo.save(this.repo.create({ ...dto, locationId: dto.locationId ?? null, webhookSecret: secret, status: 'active' }));
    return { node: await this.get(saved.id), secret };
  }

  async get(id: string): Promise<NodeEntity> {
    const n = await this.repo.findOneBy({ id });
    if (!n) throw Problems.notFound('node', id);
    return n;
  }

  async update(id: string, dto: UpdateNodeDto): Promise<NodeEntity> {
    const node = await this.get(id);
    await this.assertRefs(undefined, dto.locationId);
    const changes: Partial<NodeEntity> = { ...rejectNulls(dto, ['locationId']) };
    // Reactivated by the coordinator: the count of expired offers starts again.
    if (dto.status === 'active' && node.status !== 'active') Object.assign(changes, { expiredOffersInRow: 0, lastExpiredOfferId: null });
    // A new URL is a fresh start for an endpoint disabled by a 410.
    if (dto.webhookUrl !== undefined && dto.webhookUrl !== node.webhookUrl) Object.assign(changes, { webhookDisabledAt: null, webhookDisabledReason: null });
    await this.repo.save(this.repo.merge(node, changes));
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
    const [items, total] = await this.ds.getRepository(WebhookAttemptEntity).findAndCount({ where: { nodeId: id }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit, skip: offset });
    return { items, total, limit, offset };
  }

  /** A new secret, shown once; the old one keeps signing (alongside) for SECRET_ROTATION_GRACE_MS. */
  async rotateSecret(id: string): Promise<{ node: NodeEntity; secret: string }> {
    const secret = newWebhookSecret();
    await this.ds.transaction(async (m) => {
      const node = await m.findOne(NodeEntity, { where: { id }, select: { id: true, webhookSecret: true }, lock: { mode: 'pessimistic_write' } });
      if (!node) throw Problems.notFound('node', id);
      await m.update(NodeEntity, { id }, {
        webhookSecret: secret,
        previousWebhookSecret: node.webhookSecret,
        previousSecretExpiresAt: new Date(Date.now() + SECRET_ROTATION_GRACE_MS),
      });
    });
    return { node: await this.get(id), secret };
  }

  async list(q: ListNodesQuery): Promise<Page<NodeEntity>> {
    const { limit, offset } = pageOf(q);
    const qb = this.repo.createQueryBuilder('n').orderBy('n.name', 'ASC').addOrderBy('n.id', 'ASC').take(limit).skip(offset);
    if (q.capability) qb.andWhere('n.capabilities @> :cap::jsonb', { cap: JSON.stringify([{ function: q.capability }]) });
    if (q.automationLevel) qb.andWhere('n.automation_level = :level', { level: q.automationLevel });
    if (q.locationId) qb.andWhere('n.location_id = :loc', { loc: q.locationId });
    if (q.ownerMemberId) qb.andWhere('n.owner_member_id = :owner', { owner: q.ownerMemberId });
    if (q.status) qb.andWhere('n.status = :status', { status: q.status });
    const [items, total] = await qb.getManyAndCount();
    return { items, total, limit, offset };
  }
}
