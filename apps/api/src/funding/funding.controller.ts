import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { MemberEntity } from '@app/db';
import { Actor, AdminGuard, Roles } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { CancelRoundDto, CreateRoundDto, MemberRoundDto, PledgeDto, PledgeLineDto, PledgePageDto, PledgeResultDto, RoundDto, RoundPublicDto } from './funding.dto';
import { FundingService } from './funding.service';

@ApiTags('admin: funding rounds')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin')
export class FundingAdminController {
  constructor(private readonly funding: FundingService) {}

  @Post('projects/:id/rounds')
  @ApiOperation({ summary: 'Open a funding round for a project (all or nothing, by its deadline)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key opens the same round once' })
  @ApiCreatedResponse({ type: RoundDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'project not active, or the key was used for another request' })
  async open(@UuidParam() id: string, @Body() dto: CreateRoundDto, @IdempotencyKey() key: string | undefined, @Res({ passthrough: true }) res: Response, @Actor() actor: string): Promise<RoundDto> {
    const { round, replayed } = await this.funding.open(id, dto, actor, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/admin/rounds/${round.id}`);
    return RoundDto.from(round, await this.funding.publicView(round), null);
  }

  @Get('projects/:id/rounds')
  @ApiOperation({ summary: "A project's funding rounds, with live totals" })
  @ApiOkResponse({ type: [RoundDto] })
  async list(@UuidParam() id: string): Promise<RoundDto[]> {
    const rounds = await this.funding.listForProject(id);
    return Promise.all(rounds.map(async (r) => RoundDto.from(r, await this.funding.publicView(r), null)));
  }

  @Get('rounds/:id')
  @ApiOperation({ summary: 'A round with its live total; its pledges are paged at /admin/rounds/:id/pledges' })
  @ApiOkResponse({ type: RoundDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<RoundDto> {
    const r = await this.funding.find(id);
    return RoundDto.from(r, await this.funding.publicView(r), await this.funding.live(r));
  }

  @Get('rounds/:id/pledges')
  @ApiOperation({ summary: "A round's pledges (above 0), largest first, a page at a time" })
  @ApiOkResponse({ type: PledgePageDto })
  @ApiNotFoundResponse()
  async pledges(@UuidParam() id: string, @Query() q: PageQuery): Promise<PledgePageDto> {
    await this.funding.find(id);
    const { limit, offset } = pageOf(q);
    const page = await this.funding.pledges(id, offset, limit);
    return { items: page.items.map(PledgeLineDto.from), total: page.total, limit, offset };
  }

  @Post('rounds/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a round: open → every hold released; awaiting payout → every capture refunded' })
  @ApiOkResponse({ type: RoundDto })
  @ApiConflictResponse({ description: 'round_closed' })
  async cancel(@UuidParam() id: string, @Body() dto: CancelRoundDto, @Actor() actor: string): Promise<RoundDto> {
    const view = await this.funding.cancel(id, actor, dto.reason);
    const r = await this.funding.find(id);
    return RoundDto.from(r, await this.funding.publicView(r), view);
  }

  @Post('rounds/:id/payout/approve')
  @HttpCode(200)
  @ApiOperation({ summary: "Release a funded round's money to the project (rounds approved by the coordinator)" })
  @ApiOkResponse({ type: RoundDto })
  @ApiConflictResponse({ description: 'round_not_awaiting_payout' })
  @ApiForbiddenResponse({ description: 'forbidden_role: only a treasurer (or the bootstrap token) approves a payout' })
  @Roles('treasurer')
  async approve(@UuidParam() id: string, @Actor() actor: string): Promise<RoundDto> {
    const view = await this.funding.approvePayout(id, actor);
    const r = await this.funding.find(id);
    return RoundDto.from(r, await this.funding.publicView(r), view);
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/rounds')
export class MemberRoundsController {
  constructor(private readonly funding: FundingService) {}

  @Get()
  @ApiOperation({ summary: 'Open funding rounds, with your pledge in each' })
  @ApiOkResponse({ type: [MemberRoundDto] })
  async list(@CurrentMember() m: MemberEntity): Promise<MemberRoundDto[]> {
    return (await this.funding.openRoundsFor(m.id)).map(({ round, pledge }) => ({ ...RoundPublicDto.fromRecord(round), myPledge: pledge === null ? null : String(pledge) }));
  }

  @Post(':id/pledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set your pledge (raise, lower, or 0 to withdraw) while the round is open; the money is held until it closes' })
  @ApiOkResponse({ type: PledgeResultDto })
  @ApiConflictResponse({ description: 'round_closed, round_opening, insufficient_funds' })
  async pledge(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: PledgeDto): Promise<PledgeResultDto> {
    return this.funding.pledge(id, m, dto.amount);
  }
}

@ApiTags('public')
@Controller('public/rounds')
export class PublicRoundsController {
  constructor(private readonly funding: FundingService) {}

  @Get(':id')
  @ApiOperation({ summary: "A round's live total, number of backers and deadline (no token needed)" })
  @ApiOkResponse({ type: RoundPublicDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<RoundPublicDto> {
    const r = await this.funding.find(id);
    const view = await this.funding.publicView(r);
    return RoundPublicDto.fromView(view, view.source);
  }
}
