import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { AutomationLevel } from '@app/contracts';
import { NodeCapability, NodeEntity, NodeStatus } from '../entities/node.entity';
import { WebhookAttemptEntity } from '../entities/webhook-attempt.entity';
import { RecordNotFoundError } from '../hash';

export type NewNode = Pick<NodeEntity, 'name' | 'ownerMemberId' | 'locationId' | 'automationLevel' | 'capabilities' | 'webhookUrl' | 'webhookSecret'> & Partial<Pick<NodeEntity, 'flowTypes' | 'servedLocationIds'>>;

export interface NodeListFilter {
  capability?: string;
  automationLevel?: AutomationLevel;
  locationId?: string;
  ownerMemberId?: string;
  status?: NodeStatus;
  limit: number;
  offset: number;
}

/** A node a job may be offered to next. */
export interface NodeCandidate {
  id: string;
  /** At its work-in-progress limit (jobs held plus offers open). */
  busy: boolean;
}

/** What a node's offer outcome did to its count of expired offers in a row. */
export interface OfferOutcomeRow {
  expiredInRow: number;
  status: NodeStatus;
  ownerMemberId: string;
  name: string;
}

export type NewWebhookAttempt = Pick<WebhookAttemptEntity, 'nodeId' | 'eventId' | 'eventType' | 'attempt' | 'url' | 'statusCode' | 'latencyMs' | 'outcome' | 'error'>;

/** What an upgrade may change of a node: its automation level and capabilities. */
export type NodeRegistryEntry = Pick<NodeEntity, 'automationLevel' | 'capabilities'>;

const AUTOMATION_RANK = `CASE n.automation_level WHEN 'automated' THEN 3 WHEN 'computer-aided' THEN 2 WHEN 'conventional' THEN 1 ELSE 0 END`;

/**
 * The node registry (`nodes`) and every webhook delivery attempt to a node (`webhook_attempts`,
 * what its operator debugs with). Webhook secrets are read only by `withSecrets`.
 */
@Injectable()
export class NodesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository(NodeEntity);
  }

  async create(node: NewNode): Promise<NodeEntity> {
    const saved = await this.repo.save(this.repo.create({ ...node, status: 'active' }));
    return this.repo.findOneByOrFail({ id: saved.id });
  }

  findById(id: string): Promise<NodeEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The node, or an `EntityNotFoundError` (for callers whose node must exist). */
  get(id: string): Promise<NodeEntity> {
    return this.repo.findOneByOrFail({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.repo.existsBy({ id });
  }

  findByIds(ids: string[]): Promise<NodeEntity[]> {
    return ids.length ? this.repo.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  /** Saves changes to a node read before (only the changed columns are written). */
  async update(node: NodeEntity, changes: Partial<NodeEntity>): Promise<void> {
    await this.repo.save(this.repo.merge(node, changes));
  }

  async list(f: NodeListFilter): Promise<{ items: NodeEntity[]; total: number }> {
    const qb = this.repo.createQueryBuilder('n').orderBy('n.name', 'ASC').addOrderBy('n.id', 'ASC').take(f.limit).skip(f.offset);
    if (f.capability) qb.andWhere('n.capabilities @> :cap::jsonb', { cap: JSON.stringify([{ function: f.capability }]) });
    if (f.automationLevel) qb.andWhere('n.automation_level = :level', { level: f.automationLevel });
    if (f.locationId) qb.andWhere('n.location_id = :loc', { loc: f.locationId });
    if (f.ownerMemberId) qb.andWhere('n.owner_member_id = :owner', { owner: f.ownerMemberId });
    if (f.status) qb.andWhere('n.status = :status', { status: f.status });
    const [items, total] = await qb.getManyAndCount();
    return { items, total };
  }

  /** The node with its webhook secrets (for signing), or an `EntityNotFoundError`. */
  withSecrets(id: string): Promise<NodeEntity> {
    return this.repo.createQueryBuilder('n').addSelect(['n.webhookSecret', 'n.previousWebhookSecret']).where('n.id = :id', { id }).getOneOrFail();
  }

  /**
   * Sets a new webhook secret; the old one keeps signing until `previousExpiresAt`. The node's row
   * is locked, so two rotations never lose a secret. False when the node does not exist.
   */
  async rotateSecret(id: string, secret: string, previousExpiresAt: Date): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const node = await m.findOne(NodeEntity, { where: { id }, select: { id: true, webhookSecret: true }, lock: { mode: 'pessimistic_write' } });
      if (!node) return false;
      await m.update(NodeEntity, { id }, { webhookSecret: secret, previousWebhookSecret: node.webhookSecret, previousSecretExpiresAt: previousExpiresAt });
      return true;
    });
  }

  async disableWebhook(id: string, reason: string): Promise<void> {
    await this.repo.update({ id }, { webhookDisabledAt: new Date(), webhookDisabledReason: reason });
  }

  async enableWebhook(id: string): Promise<void> {
    await this.repo.update({ id }, { webhookDisabledAt: null, webhookDisabledReason: null });
  }

  /**
   * The nodes a job may be offered to next: active, endpoint enabled, with the capability, not
   * excluded (and among `only`, if given); higher automation first, then the recipient's
   * location, then the least busy. Work in progress counts the jobs a node holds and the offers
   * open to it now (the job's own offer aside).
   */
  async candidates(job: { jobId: string; capability: string; locationId: string | null; exclude: string[]; only?: string[] }): Promise<NodeCandidate[]> {
    const wip = `(SELECT COUNT(*) FROM jobs j WHERE j.node_id = n.id AND j.status IN ('accepted', 'in-progress')
                  OR (j.status = 'offered' AND j.id <> $4::uuid AND j.offers -> (jsonb_array_length(j.offers) - 1) ->> 'nodeId' = n.id::text))`;
    return this.ds.query(
      `SELECT n.id, ${wip} >= n.wip_limit AS busy
         FROM nodes n
        WHERE n.status = 'active' AND n.webhook_disabled_at IS NULL
          AND n.capabilities @> $1::jsonb AND NOT (n.id = ANY($2::uuid[]))
          AND ($5::uuid[] IS NULL OR n.id = ANY($5::uuid[]))
        ORDER BY ${AUTOMATION_RANK} DESC,
                 (n.location_id IS NOT DISTINCT FROM $3::uuid) DESC,
                 ${wip} ASC,
                 n.id ASC`,
      [JSON.stringify([{ function: job.capability }]), job.exclude, job.locationId, job.jobId, job.only ?? null],
    );
  }

  /** An answered offer: the count of expired offers in a row starts again. */
  async resetExpiredOffers(id: string): Promise<OfferOutcomeRow> {
    // For an UPDATE, TypeORM's query() answers [rows, affected].
    const [rows] = await this.ds.query(
      `UPDATE nodes SET expired_offers_in_row = 0, last_expired_offer_id = NULL WHERE id = $1
       RETURNING expired_offers_in_row, status, owner_member_id, name`,
      [id],
    );
    return outcomeRow(rows, id);
  }

  /**
   * An offer that expired: counted once per offer (however often retried); at `suspendAt` in a
   * row the node is suspended.
   */
  async countExpiredOffer(id: string, offerId: string, suspendAt: number): Promise<OfferOutcomeRow> {
    const [rows] = await this.ds.query(
      `UPDATE nodes SET expired_offers_in_row = expired_offers_in_row + CASE WHEN last_expired_offer_id IS DISTINCT FROM $2 THEN 1 ELSE 0 END,
              last_expired_offer_id = $2,
              status = CASE WHEN expired_offers_in_row + 1 >= $3 AND last_expired_offer_id IS DISTINCT FROM $2 THEN 'suspended' ELSE status END
        WHERE id = $1 RETURNING expired_offers_in_row, status, owner_member_id, name`,
      [id, offerId, suspendAt],
    );
    return outcomeRow(rows, id);
  }

  /**
   * Raises a node in the registry under its row lock: `raise` gets the current level and
   * capabilities and answers the new ones. Null when the node does not exist.
   */
  async upgrade(id: string, raise: (current: NodeRegistryEntry) => NodeRegistryEntry): Promise<{ from: NodeRegistryEntry; to: NodeRegistryEntry } | null> {
    return this.ds.transaction(async (m) => {
      const [node]: Array<{ automation_level: AutomationLevel; capabilities: NodeCapability[] }> = await m.query(`SELECT automation_level, capabilities FROM nodes WHERE id = $1 FOR UPDATE`, [id]);
      if (!node) return null;
      const from = { automationLevel: node.automation_level, capabilities: node.capabilities };
      const to = raise(from);
      await m.query(`UPDATE nodes SET automation_level = $2, capabilities = $3, updated_at = now() WHERE id = $1`, [id, to.automationLevel, JSON.stringify(to.capabilities)]);
      return { from, to };
    });
  }

  async recordAttempt(a: NewWebhookAttempt): Promise<void> {
    await this.ds.getRepository(WebhookAttemptEntity).insert(a);
  }

  /** A node's webhook attempts, newest first. */
  async attempts(nodeId: string, page: { limit: number; offset: number }): Promise<{ items: WebhookAttemptEntity[]; total: number }> {
    const [items, total] = await this.ds.getRepository(WebhookAttemptEntity).findAndCount({ where: { nodeId }, order: { createdAt: 'DESC', id: 'DESC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }
}

function outcomeRow(rows: Array<{ expired_offers_in_row: number; status: NodeStatus; owner_member_id: string; name: string }>, id: string): OfferOutcomeRow {
  const r = rows[0];
  if (!r) throw new RecordNotFoundError('node', id);
  return { expiredInRow: r.expired_offers_in_row, status: r.status, ownerMemberId: r.owner_member_id, name: r.name };
}
