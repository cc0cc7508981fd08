import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiGoneResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig } from '@app/config';
import { CoordinatorEntity, WebSessionEntity } from '@app/db';
import { SIGN_IN_LINK_MINUTES } from '@app/mail';
import { clearConsoleCookie, setConsoleCookie } from '../session/session-cookie';
import { answerSession, endSession } from '../session/session-endpoints';
import { SignInLinkAcceptedDto } from '../session/session.dto';
import { CoordinatorSessionService } from './coordinator-session.service';
import { setAuditActor } from './audit-trail';
import { CoordinatorDto, CoordinatorSessionDto, CoordinatorSignInLinkDto, OpenCoordinatorSessionDto } from './people.dto';

const ACCEPTED = `If this email belongs to a coordinator, a sign-in link is on its way. It works once, for ${SIGN_IN_LINK_MINUTES} minutes.`;

/**
 * The console's sign-in: the members' passwordless way, with a cookie of its own (`dpn_console`),
 * so a person can be a member and a coordinator in one browser. JSON only, rate limited per
 * client address like the members' sign-in.
 */
@ApiTags('session')
@UseGuards(ThrottlerGuard)
@Controller('session/coordinator')
export class CoordinatorSessionController {
  constructor(
    private readonly sessions: CoordinatorSessionService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Post('sign-in-links')
  @HttpCode(202)
  @SkipThrottle({ links: true })
  @ApiOperation({ summary: 'Email a console sign-in link (15 minutes, once) to a coordinator. The answer is the same whether or not the email is a coordinator’s.' })
  @ApiAcceptedResponse({ type: SignInLinkAcceptedDto })
  @ApiBadRequestResponse({ description: 'validation_failed (no email)' })
  @ApiTooManyRequestsResponse({ description: 'too many requests from this address' })
  requestLink(@Body() dto: CoordinatorSignInLinkDto): SignInLinkAcceptedDto {
    this.sessions.requestLink(dto.email);
    return { message: ACCEPTED };
  }

  @Post()
  @HttpCode(200)
  @SkipThrottle({ signIn: true })
  @ApiOperation({ summary: 'Open a console session with an emailed link (an invitation or a sign-in link; once per link); sets the console cookie' })
  @ApiOkResponse({ type: CoordinatorSessionDto })
  @ApiBadRequestResponse({ description: 'link_invalid' })
  @ApiGoneResponse({ description: 'link_expired' })
  @ApiConflictResponse({ description: 'link_used' })
  @ApiForbiddenResponse({ description: 'coordinator_disabled' })
  async open(@Body() dto: OpenCoordinatorSessionDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CoordinatorSessionDto> {
    const opened = await this.sessions.open(dto.link, req);
    // The trail names who signed in (no guard knew them before this answer).
    setAuditActor(res, { actorType: 'coordinator', actorId: opened.coordinator.id, actorName: opened.coordinator.name, via: 'session' });
    if (opened.token) setConsoleCookie(res, this.config, opened.token, opened.session.expiresAt);
    res.setHeader('Cache-Control', 'no-store');
    return view(opened);
  }

  @Get()
  @SkipThrottle({ signIn: true, links: true })
  @ApiOperation({ summary: 'Who is signed in to the console (null when nobody), and the CSRF token of this session' })
  @ApiOkResponse({ type: CoordinatorSessionDto })
  async get(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CoordinatorSessionDto> {
    return answerSession(this.sessions, req, res, (r) => clearConsoleCookie(r, this.config), view, (expired) => ({ coordinator: null, expired, csrfToken: null, expiresAt: null }));
  }

  @Delete()
  @SkipThrottle({ signIn: true, links: true })
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out of the console (needs the X-CSRF-Token header)' })
  @ApiNoContentResponse()
  @ApiForbiddenResponse({ description: 'csrf_failed' })
  async close(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await endSession(this.sessions, req, res, (r) => clearConsoleCookie(r, this.config));
  }
}

function view(s: { coordinator: CoordinatorEntity; session: WebSessionEntity }): CoordinatorSessionDto {
  return { coordinator: CoordinatorDto.from(s.coordinator), expired: false, csrfToken: s.session.csrfToken, expiresAt: s.session.expiresAt.toISOString() };
}
