import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MemberEntity } from '../entities/member.entity';
import { SessionSubjectType, SignInRequestEntity, WebSessionEntity } from '../entities/web-session.entity';

export interface SessionSubject {
  type: SessionSubjectType;
  id: string;
}

/** A session found by its cookie, and whether it still holds. */
export type FoundSession = { state: 'active'; session: WebSessionEntity } | { state: 'expired'; session: WebSessionEntity } | { state: 'unknown' };

/**
 * Sessions of the web app, the record of emailed links already used to sign in, and the count of
 * sign-in links asked for. Secrets are stored only as their SHA-256.
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async create(subject: SessionSubject, tokenHash: string, csrfToken: string, expiresAt: Date): Promise<WebSessionEntity> {
    return this.ds.getRepository(WebSessionEntity).save({ tokenHash, subjectType: subject.type, subjectId: subject.id, csrfToken, expiresAt, revokedAt: null });
  }

  async find(tokenHash: string): Promise<FoundSession> {
    const session = await this.ds.getRepository(WebSessionEntity).findOneBy({ tokenHash });
    if (!session) return { state: 'unknown' };
    if (session.revokedAt || session.expiresAt.getTime() <= Date.now()) return { state: 'expired', session };
    return { state: 'active', session };
  }

  async revoke(id: string): Promise<void> {
    await this.ds.query('UPDATE web_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  }

  /**
   * Records that an emailed link signed someone in. `true` the first time; `false` when it had
   * already been used (the primary key decides, so two tabs racing with one link get one session).
   */
  async useLink(linkHash: string, subject: SessionSubject, expiresAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO used_links (link_hash, subject_type, subject_id, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (link_hash) DO NOTHING RETURNING link_hash`,
      [linkHash, subject.type, subject.id, expiresAt],
    );
    return rows.length === 1;
  }

  /**
   * Counts a sign-in link asked for, unless `limit` were already asked for within `windowMinutes`.
   * Answers the request's id, or null when over the limit (the caller then sends nothing). The
   * subject's row lock serialises concurrent requests for one person.
   */
  async countSignInRequest(subject: SessionSubject, limit: number, windowMinutes: number): Promise<string | null> {
    return this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`sign-in:${subject.id}`]);
      const [{ n }]: Array<{ n: number }> = await m.query(
        `SELECT COUNT(*)::int AS n FROM sign_in_requests WHERE subject_id = $1 AND requested_at > now() - make_interval(mins => $2)`,
        [subject.id, windowMinutes],
      );
      if (n >= limit) return null;
      const row = await m.getRepository(SignInRequestEntity).save({ subjectType: subject.type, subjectId: subject.id });
      return row.id;
    });
  }

  /** An active member by email (emails are stored lower-case). */
  async activeMemberByEmail(email: string): Promise<MemberEntity | null> {
    return this.ds.getRepository(MemberEntity).findOneBy({ email: email.trim().toLowerCase(), status: 'active' });
  }

  async member(id: string): Promise<MemberEntity | null> {
    return this.ds.getRepository(MemberEntity).findOneBy({ id });
  }
}
