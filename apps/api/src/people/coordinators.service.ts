import { Injectable, Logger } from '@nestjs/common';
import { CoordinatorEntity, CoordinatorsRepository, CoordinatorTokenEntity, SessionsRepository } from '@app/db';
import { CoordinatorLinks, MailOutbox, renderCoordinatorInvitationMail } from '@app/mail';
import { ProblemException, Problems } from '../common/problem';
import { uniqueOr409 } from '../common/unique';
import { AdminPrincipal, COORDINATOR_TOKEN_PREFIX } from '../auth/admin.guard';
import { hashToken, newToken } from '../auth/token-hash';
import { assertMayChange, assertMayGrant, inviterName, inviterOf } from './people-rules';
import type { InviteCoordinatorDto, UpdateCoordinatorDto } from './people.dto';

/** At most this many live personal tokens per coordinator. */
export const MAX_LIVE_TOKENS = 20;
/** Invitations re-sent to one person: at most this many in INVITE_WINDOW_MINUTES. */
const INVITE_LIMIT = 5;
const INVITE_WINDOW_MINUTES = 60;

/** The console's people: invitations, roles, disabling, and each coordinator's personal API tokens. */
@Injectable()
export class CoordinatorsService {
  private readonly logger = new Logger(CoordinatorsService.name);

  constructor(
    private readonly coordinators: CoordinatorsRepository,
    private readonly sessions: SessionsRepository,
    private readonly links: CoordinatorLinks,
    private readonly outbox: MailOutbox,
  ) {}

  list(): Promise<CoordinatorEntity[]> {
    return this.coordinators.list();
  }

  async get(id: string): Promise<CoordinatorEntity> {
    const c = await this.coordinators.findById(id);
    if (!c) throw Problems.notFound('coordinator', id);
    return c;
  }

  /** Creates an invited account and emails the invitation (a link that works once, for 7 days). */
  async invite(dto: InviteCoordinatorDto, by: AdminPrincipal): Promise<CoordinatorEntity> {
    assertMayGrant(by, dto.role);
    const c = await uniqueOr409(
      () => this.coordinators.invite({ name: dto.name, email: dto.email, role: dto.role, invitedBy: inviterOf(by) }),
      'email_taken',
      `a coordinator with email ${dto.email.toLowerCase()} already exists`,
    );
    await this.mailInvitation(c, by, 'first');
    return c;
  }

  /** Sends the invitation again (a fresh link) to an account not yet signed in. */
  async resendInvitation(id: string, by: AdminPrincipal): Promise<CoordinatorEntity> {
    const c = await this.get(id);
    if (c.status !== 'invited') throw Problems.conflict('not_invited', `${c.name} is ${c.status}: only an invited account gets an invitation`);
    const requestId = await this.sessions.countSignInRequest({ type: 'coordinator', id: c.id }, INVITE_LIMIT, INVITE_WINDOW_MINUTES);
    if (!requestId) throw new ProblemException(429, 'too_many_invitations', `${c.name} was sent ${INVITE_LIMIT} invitations within ${INVITE_WINDOW_MINUTES} minutes: wait a while`);
    await this.mailInvitation(c, by, requestId);
    return c;
  }

  private async mailInvitation(c: CoordinatorEntity, by: AdminPrincipal, attempt: string): Promise<void> {
    const mail = renderCoordinatorInvitationMail({ name: c.name, role: c.role, invitedBy: inviterName(by), link: this.links.invitation(c.id) });
    await this.outbox.enqueue({ key: `coordinator-invitation:${c.id}:${attempt}`, to: c.email, ...mail });
    this.logger.log(`invitation to the console queued for coordinator ${c.id} (${c.role})`);
  }

  /** Changes a role or enables/disables an account. Enabling gives back the status it had: active once signed in, else invited. */
  async update(id: string, dto: UpdateCoordinatorDto, by: AdminPrincipal): Promise<CoordinatorEntity> {
    const c = await this.get(id);
    assertMayChange(by, c, dto);
    const status = dto.status === undefined ? undefined : dto.status === 'disabled' ? 'disabled' : c.activatedAt ? 'active' : 'invited';
    const updated = await this.coordinators.update(id, { ...(dto.role ? { role: dto.role } : {}), ...(status ? { status } : {}) });
    if (!updated) throw Problems.notFound('coordinator', id);
    return updated;
  }

  tokens(by: AdminPrincipal): Promise<CoordinatorTokenEntity[]> {
    return this.coordinators.listTokens(personOf(by).id);
  }

  /** A new personal token: shown once, stored as its SHA-256. */
  async issueToken(by: AdminPrincipal, name: string): Promise<{ saved: CoordinatorTokenEntity; token: string }> {
    const me = personOf(by);
    if ((await this.coordinators.liveTokenCount(me.id)) >= MAX_LIVE_TOKENS) {
      throw Problems.conflict('too_many_tokens', `you hold ${MAX_LIVE_TOKENS} live tokens: revoke one first`);
    }
    const token = newToken(COORDINATOR_TOKEN_PREFIX);
    const saved = await this.coordinators.issueToken(me.id, name, hashToken(token));
    return { saved, token };
  }

  async revokeToken(by: AdminPrincipal, tokenId: string): Promise<CoordinatorTokenEntity> {
    const revoked = await this.coordinators.revokeToken(personOf(by).id, tokenId);
    if (!revoked) throw Problems.notFound('personal token', tokenId);
    return revoked;
  }
}

/** Personal tokens belong to people: the bootstrap token has none. */
function personOf(by: AdminPrincipal): CoordinatorEntity {
  if (by.kind !== 'coordinator') throw new ProblemException(403, 'not_a_coordinator', 'personal tokens belong to coordinator accounts: sign in as one (the bootstrap token has none)');
  return by.coordinator;
}
