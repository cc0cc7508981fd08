import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiGoneResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig } from '@app/config';
import { SIGN_IN_LINK_MINUTES } from '@app/mail';
import { clearSessionCookie, setSessionCookie } from './session-cookie';
import { answerSession, endSession } from './session-endpoints';
import { OpenSessionDto, SessionDto, SignInLinkAcceptedDto, SignInLinkRequestDto } from './session.dto';
import { SessionService } from './session.service';

const ACCEPTED = `If this email belongs to a member, a sign-in link is on its way. It works once, for ${SIGN_IN_LINK_MINUTES} minutes.`;

/**
 * The web app's sign-in: no passwords. A member asks for a link by email (or with an old link),
 * follows it, and the app exchanges it for a session held in an HttpOnly, SameSite=Lax cookie.
 * These routes take JSON only (a cross-site form cannot post JSON without the browser asking
 * first), and are rate limited per client address.
 */
@ApiTags('session')
@UseGuards(ThrottlerGuard)
@Controller('session')
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Post('sign-in-links')
  @HttpCode(202)
  @SkipThrottle({ links: true })
  @ApiOperation({ summary: 'Email a sign-in link (15 minutes, once) to a member, by email or for an old link. The answer is the same whether or not the email is a member’s.' })
  @ApiAcceptedResponse({ type: SignInLinkAcceptedDto })
  @ApiBadRequestResponse({ description: 'validation_failed (no email), link_invalid' })
  @ApiTooManyRequestsResponse({ description: 'too many requests from this address' })
  async requestLink(@Body() dto: SignInLinkRequestDto): Promise<SignInLinkAcceptedDto> {
    await this.sessions.requestLink(dto);
    return { message: ACCEPTED };
  }

  @Post()
  @HttpCode(200)
  @SkipThrottle({ signIn: true })
  @ApiOperation({ summary: 'Open a session with an emailed link (once per link); sets the session cookie' })
  @ApiOkResponse({ type: SessionDto })
  @ApiBadRequestResponse({ description: 'link_invalid' })
  @ApiGoneResponse({ description: 'link_expired' })
  @ApiConflictResponse({ description: 'link_used' })
  @ApiForbiddenResponse({ description: 'member_suspended' })
  async open(@Body() dto: OpenSessionDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const opened = await this.sessions.open(dto.link, req);
    if (opened.token) setSessionCookie(res, this.config, opened.token, opened.session.expiresAt);
    res.setHeader('Cache-Control', 'no-store');
    return { ...view(opened), path: opened.path };
  }

  @Get()
  @SkipThrottle({ signIn: true, links: true })
  @ApiOperation({ summary: 'Who is signed in (member null when nobody), and the CSRF token for this session' })
  @ApiOkResponse({ type: SessionDto })
  async get(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    return answerSession(this.sessions, req, res, (r) => clearSessionCookie(r, this.config), view, (expired) => ({ member: null, expired, csrfToken: null, expiresAt: null }));
  }

  @Delete()
  @SkipThrottle({ signIn: true, links: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out (needs the X-CSRF-Token header)' })
  @ApiNoContentResponse()
  @ApiForbiddenResponse({ description: 'csrf_failed' })
  async close(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await endSession(this.sessions, req, res, (r) => clearSessionCookie(r, this.config));
  }
}

function view(s: { member: { id: string; name: string; email: string }; session: { csrfToken: string; expiresAt: Date } }): SessionDto {
  return { member: { id: s.member.id, name: s.member.name, email: s.member.email }, expired: false, csrfToken: s.session.csrfToken, expiresAt: s.session.expiresAt.toISOString() };
}
