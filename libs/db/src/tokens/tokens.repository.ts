import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { MemberTokenEntity } from '../entities/member-token.entity';
import { MemberEntity, MemberStatus } from '../entities/member.entity';
import { NodeTokenEntity } from '../entities/node-token.entity';
import { NodeEntity } from '../entities/node.entity';
import { preparedQuery } from '../one-trip-begin';

/** Member tokens (`dpn_mbr_…`, the member API) and node tokens (`dpn_node_…`, the node API). */
export type TokenKind = 'member' | 'node';

/** Whom a token of each kind speaks for. */
export interface TokenHolders {
  member: MemberEntity;
  node: NodeEntity;
}

export interface FoundToken<K extends TokenKind> {
  tokenId: string;
  revokedAt: Date | null;
  /** When it was last used (member tokens; node tokens do not track it: always null). */
  lastUsedAt: Date | null;
  holder: TokenHolders[K];
}

/** A member token's use is noted at most this often (`TokensRepository.find`): coarse, so reads rarely write. */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

export type TokenEntities = { member: MemberTokenEntity; node: NodeTokenEntity };

const TABLES = {
  member: { entity: MemberTokenEntity, holderColumn: 'memberId' },
  node: { entity: NodeTokenEntity, holderColumn: 'nodeId' },
} as const;

/**
 * API tokens of members and nodes, stored only as their SHA-256 and found by an exact index match
 * (no timing leak on the secret). Revoked tokens are kept, with `revoked_at`, for the audit trail.
 */
@Injectable()
export class TokensRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The token with this hash and its holder, or null: one indexed query (every member or node
   * request passes here). A member token's use is noted by the same statement (no round trip of
   * its own on a request), at most once a minute (`TOKEN_USE_RESOLUTION_MS`: reads rarely write), and
   * only when the token would be admitted: not revoked, its member active.
   */
  find<K extends TokenKind>(kind: K, tokenHash: string): Promise<FoundToken<K> | null> {
    return (kind === 'member' ? this.memberToken(tokenHash) : this.nodeToken(tokenHash)) as Promise<FoundToken<K> | null>;
  }

  private async memberToken(tokenHash: string): Promise<FoundToken<'member'> | null> {
    // `found` reads the row as it was: the use noted now shows from the next lookup on.
    const [row] = (await preparedQuery(
      this.ds,
      'dpn_member_token',
      `WITH found AS (
         SELECT t.id AS token_id, t.revoked_at, t.last_used_at, m.id, m.name, m.email, m.status, m.created_at, m.updated_at
           FROM member_tokens t JOIN members m ON m.id = t.member_id WHERE t.token_hash = $1
       ), used AS (
         UPDATE member_tokens SET last_used_at = now()
          WHERE id = (SELECT token_id FROM found WHERE revoked_at IS NULL AND status = 'active' AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 millisecond'))
       )
       SELECT * FROM found`,
      [tokenHash, TOKEN_USE_RESOLUTION_MS],
    )) as Array<{ token_id: string; revoked_at: Date | null; last_used_at: Date | null; id: string; name: string; email: string; status: MemberStatus; created_at: Date; updated_at: Date }>;
    if (!row) return null;
    const holder = Object.assign(new MemberEntity(), { id: row.id, name: row.name, email: row.email, status: row.status, createdAt: row.created_at, updatedAt: row.updated_at });
    return { tokenId: row.token_id, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at, holder };
  }

  private async nodeToken(tokenHash: string): Promise<FoundToken<'node'> | null> {
    const token = await this.ds.getRepository(NodeTokenEntity).findOne({ where: { tokenHash }, relations: { node: true } });
    return token?.node ? { tokenId: token.id, revokedAt: token.revokedAt, lastUsedAt: null, holder: token.node } : null;
  }

  /** Notes that a member token was used just now. */
  async markUsed(tokenId: string): Promise<void> {
    await this.ds.getRepository(MemberTokenEntity).update({ id: tokenId }, { lastUsedAt: new Date() });
  }

  /** Stores a new token by its hash (the caller shows the token itself once). */
  async issue<K extends TokenKind>(kind: K, holderId: string, name: string, tokenHash: string): Promise<TokenEntities[K]> {
    const { entity, holderColumn } = TABLES[kind];
    const repo = this.ds.getRepository<MemberTokenEntity | NodeTokenEntity>(entity);
    return (await repo.save(repo.create({ [holderColumn]: holderId, name, tokenHash, revokedAt: null, ...(kind === 'member' ? { lastUsedAt: null } : {}) }))) as TokenEntities[K];
  }

  /** A member's tokens, oldest first (revoked ones included). */
  memberTokens(memberId: string): Promise<MemberTokenEntity[]> {
    return this.ds.getRepository(MemberTokenEntity).find({ where: { memberId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Revokes one of the holder's tokens; false when it has no such token. Revoking twice is harmless. */
  async revoke(kind: TokenKind, holderId: string, tokenId: string): Promise<boolean> {
    const { entity, holderColumn } = TABLES[kind];
    const repo = this.ds.getRepository<MemberTokenEntity | NodeTokenEntity>(entity);
    if (!(await repo.existsBy({ id: tokenId, [holderColumn]: holderId }))) return false;
    await repo.update({ id: tokenId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return true;
  }
}
