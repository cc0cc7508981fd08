import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, Not } from 'typeorm';
import { CoordinatorEntity, CoordinatorRole, CoordinatorStatus, CoordinatorTokenEntity } from '../entities/coordinator.entity';

export interface NewCoordinator {
  name: string;
  email: string;
  role: CoordinatorRole;
  invitedBy: string;
}

/** A personal token found by its hash, with its coordinator. */
export interface FoundCoordinatorToken {
  tokenId: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  coordinator: CoordinatorEntity;
}

/** The console's people: coordinator accounts (`coordinators`) and their personal API tokens (`coordinator_tokens`). */
@Injectable()
export class CoordinatorsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository(CoordinatorEntity);
  }

  private get tokens() {
    return this.ds.getRepository(CoordinatorTokenEntity);
  }

  /** A new, invited account (emails lower-cased; a taken email is a unique violation). */
  invite(c: NewCoordinator): Promise<CoordinatorEntity> {
    return this.repo.save(this.repo.create({ ...c, email: c.email.trim().toLowerCase(), status: 'invited', activatedAt: null }));
  }

  findById(id: string): Promise<CoordinatorEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** An account that may sign in (invited or active), by email. */
  signableByEmail(email: string): Promise<CoordinatorEntity | null> {
    return this.repo.findOneBy({ email: email.trim().toLowerCase(), status: Not<CoordinatorStatus>('disabled') });
  }

  /** Everyone, by name (a network has a handful of coordinators; bounded all the same). */
  list(limit = 500): Promise<CoordinatorEntity[]> {
    return this.repo.find({ order: { name: 'ASC', id: 'ASC' }, take: limit });
  }

  /** Changes role and/or status; answers the account after the change, or null when there is none. */
  async update(id: string, changes: { role?: CoordinatorRole; status?: CoordinatorStatus }): Promise<CoordinatorEntity | null> {
    const c = await this.findById(id);
    if (!c) return null;
    return this.repo.save(this.repo.merge(c, changes));
  }

  /** The first sign-in accepts the invitation: invited → active (an active or disabled account stays as it is). */
  async activate(id: string): Promise<CoordinatorEntity | null> {
    await this.ds.query(`UPDATE coordinators SET status = 'active', activated_at = now(), updated_at = now() WHERE id = $1 AND status = 'invited'`, [id]);
    return this.findById(id);
  }

  /** The token with this hash and its coordinator, or null: one indexed query. */
  async findToken(tokenHash: string): Promise<FoundCoordinatorToken | null> {
    const token = await this.tokens.findOne({ where: { tokenHash }, relations: { coordinator: true } });
    return token?.coordinator ? { tokenId: token.id, revokedAt: token.revokedAt, lastUsedAt: token.lastUsedAt, coordinator: token.coordinator } : null;
  }

  async markTokenUsed(tokenId: string): Promise<void> {
    await this.tokens.update({ id: tokenId }, { lastUsedAt: new Date() });
  }

  /** Stores a new token by its hash (the caller shows the token itself once). */
  issueToken(coordinatorId: string, name: string, tokenHash: string): Promise<CoordinatorTokenEntity> {
    return this.tokens.save(this.tokens.create({ coordinatorId, name, tokenHash, lastUsedAt: null, revokedAt: null }));
  }

  /** A coordinator's tokens, newest first (revoked ones included, for the record). */
  listTokens(coordinatorId: string, limit = 200): Promise<CoordinatorTokenEntity[]> {
    return this.tokens.find({ where: { coordinatorId }, order: { createdAt: 'DESC', id: 'ASC' }, take: limit });
  }

  /** How many live (unrevoked) tokens a coordinator holds. */
  liveTokenCount(coordinatorId: string): Promise<number> {
    return this.tokens.countBy({ coordinatorId, revokedAt: IsNull() });
  }

  /** Revokes one of the coordinator's tokens: null when they have no such token. Revoking twice is harmless. */
  async revokeToken(coordinatorId: string, tokenId: string): Promise<CoordinatorTokenEntity | null> {
    if (!(await this.tokens.existsBy({ id: tokenId, coordinatorId }))) return null;
    await this.tokens.update({ id: tokenId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return this.tokens.findOneBy({ id: tokenId });
  }
}
