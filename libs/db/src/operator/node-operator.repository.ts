import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { JobEntity } from '../entities/job.entity';
import { NodeEntity } from '../entities/node.entity';
import { NodeTokenEntity } from '../entities/node-token.entity';

/** A node as its operator's list shows it: where it is, and how much work it holds. */
export interface OwnedNodeRow {
  node: NodeEntity;
  locationName: string | null;
  /** Jobs accepted and not yet delivered (what counts against the WIP limit). */
  load: number;
  /** Offers waiting for the node's answer now. */
  openOffers: number;
}

/**
 * What a node's operator (the member who owns it) reads and changes on the node pages of the web
 * app: their nodes, one node checked against its owner, its work, and its API tokens.
 * Everything else (offers, jobs, the webhook endpoint) goes through the job and node services.
 */
@Injectable()
export class NodeOperatorRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The member's nodes, by name (a member runs a handful; bounded anyway). */
  ownedNodes(memberId: string, limit = 100): Promise<OwnedNodeRow[]> {
    return this.owned(memberId, null, limit);
  }

  /** The node, if this member owns it; null for another's node and for no node at all (alike). */
  async ownedNode(nodeId: string, memberId: string): Promise<OwnedNodeRow | null> {
    return (await this.owned(memberId, nodeId, 1))[0] ?? null;
  }

  private async owned(memberId: string, nodeId: string | null, limit: number): Promise<OwnedNodeRow[]> {
    const qb = this.ds
      .getRepository(NodeEntity)
      .createQueryBuilder('n')
      .leftJoin('locations', 'l', 'l.id = n.location_id')
      .addSelect('l.name', 'location_name')
      .addSelect(`(SELECT COUNT(*)::int FROM jobs j WHERE j.node_id = n.id AND j.status IN ('accepted', 'in-progress'))`, 'load')
      .addSelect(`(SELECT COUNT(*)::int FROM jobs j WHERE j.status = 'offered' AND j.offers -> -1 ->> 'nodeId' = n.id::text)`, 'open_offers')
      .where('n.owner_member_id = :memberId', { memberId });
    if (nodeId) qb.andWhere('n.id = :nodeId', { nodeId });
    const rows = await qb.orderBy('n.name', 'ASC').addOrderBy('n.id', 'ASC').limit(limit).getRawAndEntities<{ location_name: string | null; load: number; open_offers: number }>();
    return rows.entities.map((node, i) => ({ node, locationName: rows.raw[i].location_name, load: rows.raw[i].load, openOffers: rows.raw[i].open_offers }));
  }

  /** The node's tokens that still work, newest first. */
  tokens(nodeId: string): Promise<NodeTokenEntity[]> {
    return this.ds.getRepository(NodeTokenEntity).find({ where: { nodeId, revokedAt: IsNull() }, order: { createdAt: 'DESC', id: 'DESC' }, take: 100 });
  }

  /** Stores a new token by its hash (the caller shows the token itself once). */
  issueToken(nodeId: string, name: string, tokenHash: string): Promise<NodeTokenEntity> {
    return this.ds.getRepository(NodeTokenEntity).save({ nodeId, name, tokenHash, revokedAt: null });
  }

  /** Revokes one of the node's tokens; false when the node has no such token. Revoking twice is harmless. */
  async revokeToken(nodeId: string, tokenId: string): Promise<boolean> {
    const repo = this.ds.getRepository(NodeTokenEntity);
    if (!(await repo.existsBy({ id: tokenId, nodeId }))) return false;
    await repo.update({ id: tokenId, nodeId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return true;
  }

  /**
   * A node's work, in the groups its page shows, each bounded (`limit`, with the total): offers
   * waiting for its answer and jobs in hand (soonest due first), deliveries awaiting confirmation,
   * and what ended lately (latest first). A node sees the jobs it holds and the ones offered to it
   * now, as in the node API (`JobsService.list`).
   */
  async nodeWork(nodeId: string, limit = 50): Promise<Record<'offers' | 'inHand' | 'delivered' | 'ended', { items: JobEntity[]; total: number }>> {
    const group = async (where: string, order: 'due' | 'latest') => {
      const [items, total] = await this.ds
        .getRepository(JobEntity)
        .createQueryBuilder('j')
        .where(where, { nodeId, nodeIdText: nodeId })
        .orderBy(order === 'due' ? 'j.dueAt' : 'j.updatedAt', order === 'due' ? 'ASC' : 'DESC')
        .addOrderBy('j.id', 'ASC')
        .take(limit)
        .getManyAndCount();
      return { items, total };
    };
    const [offers, inHand, delivered, ended] = await Promise.all([
      group(`j.status = 'offered' AND j.offers -> -1 ->> 'nodeId' = :nodeIdText`, 'due'),
      group(`j.nodeId = :nodeId AND j.status IN ('accepted', 'in-progress')`, 'due'),
      group(`j.nodeId = :nodeId AND j.status = 'delivered'`, 'latest'),
      group(`j.nodeId = :nodeId AND j.status IN ('confirmed', 'cancelled', 'failed')`, 'latest'),
    ]);
    return { offers, inHand, delivered, ended };
  }
}
