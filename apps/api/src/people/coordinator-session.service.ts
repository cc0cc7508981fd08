import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@app/config';
import { CoordinatorEntity, CoordinatorsRepository, SessionsRepository, WebSessionEntity } from '@app/db';
import { CoordinatorLinks, MailOutbox, renderCoordinatorSignInMail } from '@app/mail';
import { ProblemException } from '../common/problem';
import { CONSOLE_SESSION_HOURS, consoleSessionTokenFrom, newSecret, sha256 } from '../session/session-cookie';

/** At most this many sign-in links per coordinator in SIGN_IN_WINDOW_MINUTES; more asks are silently dropped. */
const SIGN_IN_LIMIT = 5;
const SIGN_IN_WINDOW_MINUTES = 15;

export interface OpenedConsoleSession {
  coordinator: CoordinatorEntity;
  session: WebSessionEntity;
  /** The cookie value: shown once, stored as its SHA-256; null when the browser already had this session. */
  token: string | null;
}

/**
 * The console's sign-in, the members' way: an emailed link (an invitation, or one asked for by
 * email) opens a coordinator session once; the first one accepts the invitation. Asking never
 * tells whether an email belongs to a coordinator.
 */
@Injectable()
export class CoordinatorSessionService {
  private readonly logger = new Logger(CoordinatorSessionService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly coordinators: CoordinatorsRepository,
    private readonly links: CoordinatorLinks,
    private readonly outbox: MailOutbox,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Answers the same whatever happens; the lookup and the mail happen after the answer. */
  requestLink(email: string): void {
    void this.mailLink(email).catch((err: unknown) => this.logger.error(`console sign-in link not sent: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async mailLink(email: string): Promise<void> {
    const c = await this.coordinators.signableByEmail(email);
    if (!c) return;
    const requestId = await this.sessions.countSignInRequest({ type: 'coordinator', id: c.id }, SIGN_IN_LIMIT, SIGN_IN_WINDOW_MINUTES);
    if (!requestId) {
      this.logger.warn(`coordinator ${c.id} asked for more than ${SIGN_IN_LIMIT} sign-in links in ${SIGN_IN_WINDOW_MINUTES} minutes: not sending`);
      return;
    }
    await this.outbox.enqueue({ key: `console-sign-in:${requestId}`, to: c.email, ...renderCoordinatorSignInMail({ name: c.name, link: this.links.signIn(c.id) }) });
  }

  /** Exchanges an emailed console link for a session (once per link); the first accepts the invitation. */
  async open(linkToken: string, req: Request): Promise<OpenedConsoleSession> {
    const v = this.links.verify(linkToken);
    if (v.ok === false) {
      if (v.reason === 'expired') throw new ProblemException(410, 'link_expired', 'This link has expired. Ask for a fresh one with your email address.');
      throw invalidLink();
    }
    const found = await this.coordinators.findById(v.coordinatorId);
    if (!found) throw invalidLink();
    if (found.status === 'disabled') throw new ProblemException(403, 'coordinator_disabled', 'This coordinator account is disabled: ask another coordinator.');
    const current = await this.current(req);
    const first = await this.sessions.useLink(sha256(linkToken), { type: 'coordinator', id: found.id }, v.expiresAt);
    if (!first) {
      if (current?.coordinator.id === found.id) return { ...current, token: null };
      throw new ProblemException(409, 'link_used', 'This link has already been used to sign in. Ask for a fresh one with your email address.');
    }
    const coordinator = (await this.coordinators.activate(found.id)) ?? found;
    if (current) await this.sessions.revoke(current.session.id);
    const token = newSecret();
    const session = await this.sessions.create({ type: 'coordinator', id: coordinator.id }, sha256(token), newSecret(), new Date(Date.now() + CONSOLE_SESSION_HOURS * 3_600_000));
    return { coordinator, session, token };
  }

  async current(req: Request): Promise<{ coordinator: CoordinatorEntity; session: WebSessionEntity } | null> {
    const found = await this.lookup(req);
    return found?.state === 'active' ? { coordinator: found.coordinator, session: found.session } : null;
  }

  /** The console cookie's session in any state: `expired` covers signed-out, timed-out and disabled accounts. */
  async lookup(req: Request): Promise<{ state: 'active' | 'expired'; coordinator: CoordinatorEntity; session: WebSessionEntity } | null> {
    const token = consoleSessionTokenFrom(req, this.config);
    if (!token) return null;
    const found = await this.sessions.find(sha256(token));
    if (found.state === 'unknown' || found.session.subjectType !== 'coordinator') return null;
    const coordinator = await this.coordinators.findById(found.session.subjectId);
    if (!coordinator) return null;
    return { state: found.state === 'active' && coordinator.status !== 'disabled' ? 'active' : 'expired', coordinator, session: found.session };
  }

  async close(req: Request): Promise<void> {
    const found = await this.lookup(req);
    if (found) await this.sessions.revoke(found.session.id);
  }
}

function invalidLink(): ProblemException {
  return new ProblemException(400, 'link_invalid', 'This link is not valid: it is incomplete or was changed. Open it again from the email, or ask for a new one.');
}
