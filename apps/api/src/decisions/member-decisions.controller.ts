import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { DecisionsRepository, MemberEntity } from '@app/db';
import { CurrentMember, MemberTokenGuard, MemberVia } from '../auth/member-token.guard';
import { pageOf } from '../common/dto';
import { UuidParam } from '../common/params';
import { AnswerDecisionDto, MeDto, MemberDecisionDto, MemberDecisionPageDto, MemberDecisionsQuery } from './decisions.dto';
import { DecisionsService } from './decisions.service';

@ApiTags('member')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked member token' })
@UseGuards(MemberTokenGuard)
@Controller('members/me')
export class MemberDecisionsController {
  constructor(
    private readonly decisions: DecisionsService,
    private readonly repo: DecisionsRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The member behind the token' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentMember() m: MemberEntity): MeDto {
    return { id: m.id, name: m.name, email: m.email, status: m.status };
  }

  @Get('decisions')
  @ApiOperation({ summary: 'Your decisions; by default the pending ones (open, not answered by you yet), nearest deadline first' })
  @ApiOkResponse({ type: MemberDecisionPageDto })
  async list(@CurrentMember() m: MemberEntity, @Query() q: MemberDecisionsQuery): Promise<MemberDecisionPageDto> {
    const page = pageOf(q);
    const { items, total } = await this.repo.forMember(m.id, q.status ?? 'pending', page);
    return { items: items.map((r) => MemberDecisionDto.from(r.decision, r.voter)), total, ...page };
  }

  @Get('decisions/:id')
  @ApiOkResponse({ type: MemberDecisionDto })
  @ApiNotFoundResponse({ description: 'No such decision, or you were not asked in it' })
  async get(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<MemberDecisionDto> {
    const { decision, voter } = await this.decisions.forMember(id, m.id);
    return MemberDecisionDto.from(decision, voter);
  }

  @Post('decisions/:id/answer')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a decision (a Temporal Update). Answers are final; sending the same answer again is harmless.',
  })
  @ApiOkResponse({ type: MemberDecisionDto })
  @ApiNotFoundResponse({ description: 'No such decision, or you were not asked in it' })
  @ApiConflictResponse({ description: 'already_answered (another option) or decision_closed' })
  async answer(@CurrentMember() m: MemberEntity, @MemberVia() via: 'session' | 'token', @UuidParam() id: string, @Body() dto: AnswerDecisionDto): Promise<MemberDecisionDto> {
    // Answers given on the web app's page (which the emailed link opens) count as by link.
    await this.decisions.answer({ decisionId: id, member: m, optionId: dto.option, comment: dto.comment, via: via === 'session' ? 'link' : 'api' });
    const { decision, voter } = await this.decisions.forMember(id, m.id);
    return MemberDecisionDto.from(decision, voter);
  }
}
