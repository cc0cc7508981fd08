import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { MemberEntity, SessionsRepository, WebSessionEntity } from '@app/db';
import { isAppPath, MailOutbox, MemberLinks, renderSignInMail } from '@app/mail';
import { ProblemException } from '../common/problem';
import { newSecret, SESSION_DAYS, sessionTokenFrom, sha256 } from './session-cookie';

/** At most this many sign-in links per member in SIGN_IN_WINDOW_MINUTES; more asks are silently dropped. */
const SIGN_IN_LIMIT = 5;
const SIGN_IN_WINDOW_MINUTES = 15;

export interface OpenedSession {
  member: MemberEntity;
  session: WebSessionEntity;
  /** The cookie value: shown once, stored as its SHA-256. */
  token: string | null;
  path: string;
}

/**
 * Passwordless sign-in: a link by email (asked for on the sign-in page, or any link in an email
 * from us) opens a session once. Asking never tells whether an email belongs to a member.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly links: MemberLinks,
    private readonly outbox: MailOutbox,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * Sends a sign-in link to the member with this email, or to the member of an old link. Answers
   * the same whatever happens: the lookup's result never shows in the answer, and the email is
   * queued after the answer (its time is not the caller's to measure); the worker's mail relay
   * sends it.
   */
  async requestLink(by: { email?: string; link?: string; next?: string }): Promise<void> {
    let member: MemberEntity | null = null;
    let path = by.next && isAppPath(by.next) ? by.next : '/me';
    if (by.link !== undefined) {
      const v = this.links.verify(by.link);
      if (v.ok === false && v.reason === 'invalid') throw invalidLink();
      member = await this.sessions.member(v.memberId);
      if (member?.status !== 'active') member = null;
      path = v.path;
    } else if (by.email) {
      member = await this.sessions.activeMemberByEmail(by.email);
    }
    if (!member) return;
    const m = member;
    void this.mailLink(m, path).catch((err: unknown) => this.logger.error(`sign-in link for member ${m.id} not sent: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async mailLink(member: MemberEntity, path: string): Promise<void> {
    const requestId = await this.sessions.countSignInRequest({ type: 'member', id: member.id }, SIGN_IN_LIMIT, SIGN_IN_WINDOW_MINUTES);
    if (!requestId) {
      this.logger.warn(`member ${member.id} asked for more than ${SIGN_IN_LIMIT} sign-in links in ${SIGN_IN_WINDOW_MINUTES} minutes: not sending`);
      return;
    }
    const mail = renderSignInMail({ memberName: member.name, link: this.links.signIn(member.id, path) });
    await this.outbox.enqueue({ key: `sign-in:${requestId}`, to: member.email, ...mail });
  }

  /**
   * Exchanges an emailed link for a session. A link opens a session once; the same link again in
   * the browser that already holds its member's session just goes on with that session.
   */
  async open(linkToken: string, req: Request): Promise<OpenedSession> {
    const v = this.links.verify(linkToken);
    if (v.ok === false) {
      if (v.reason === 'invalid') throw invalidLink();
      throw new ProblemException(410, 'link_expired', 'This link has expired. We can email you a fresh one.');
    }
    const member = await this.sessions.member(v.memberId);
    if (!member) throw invalidLink();
    if (member.status !== 'active') throw new ProblemException(403, 'member_suspended', 'Your membership is suspended: ask the coordinator.');
    const current = await this.current(req);
    const first = await this.sessions.useLink(sha256(linkToken), { type: 'member', id: member.id }, v.expiresAt);
    if (!first) {
      if (current?.member.id === member.id) return { ...current, token: null, path: v.path };
      throw new ProblemException(409, 'link_used', 'This link has already been used to sign in. We can email you a fresh one.');
    }
    if (current) await this.sessions.revoke(current.session.id);
    const token = newSecret();
    const session = await this.sessions.create({ type: 'member', id: member.id }, sha256(token), newSecret(), new Date(Date.now() + SESSION_DAYS * 86_400_000));
    return { member, session, token, path: v.path };
  }

  /** The session of the request's cookie, if it is still good. */
  async current(req: Request): Promise<{ member: MemberEntity; session: WebSessionEntity } | null> {
    const found = await this.lookup(req);
    return found?.state === 'active' ? { member: found.member, session: found.session } : null;
  }

  /** The cookie's session in any state: `expired` covers revoked and timed-out sessions, and suspended members. */
  async lookup(req: Request): Promise<{ state: 'active' | 'expired'; member: MemberEntity; session: WebSessionEntity } | null> {
    const token = sessionTokenFrom(req, this.config);
    if (!token) return null;
    const found = await this.sessions.find(sha256(token));
    if (found.state === 'unknown') return null;
    const member = await this.sessions.member(found.session.subjectId);
    if (!member) return null;
    return { state: found.state === 'active' && member.status === 'active' ? 'active' : 'expired', member, session: found.session };
  }

  async close(req: Request): Promise<void> {
    const found = await this.lookup(req);
    if (found) await this.sessions.revoke(found.session.id);
  }
}

function invalidLink(): ProblemException {
  return new ProblemException(400, 'link_invalid', 'This link is not valid: it is incomplete or was changed. Open it again from the email, or ask for a new one.');
}
