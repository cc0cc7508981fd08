import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { BuyoutView } from '@app/contracts';
import { MemberEntity } from '@app/db';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { ProblemException } from '../common/problem';
import { BuyoutChangeDto, BuyoutChangeViewDto, BuyoutClaimDto, BuyoutDetailDto, BuyoutDto, BuyoutPageDto, BuyoutStepDto, CreateBuyoutDto, MyBuyoutDto, MyBuyoutPageDto } from './buyouts.dto';
import { BuyoutsService } from './buyouts.service';

const ACTIONS = { pause: 'pause', resume: 'resume', end: 'end' } as const;
const actionParam = () =>
  Param('action', {
    transform(v: string) {
      if (v in ACTIONS) return ACTIONS[v as keyof typeof ACTIONS];
      throw new ProblemException(404, 'not_found', `no such change: ${v} (pause, resume or end)`);
    },
  });

@ApiTags('admin: buy-outs')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin')
export class BuyoutsAdminController {
  constructor(private readonly buyouts: BuyoutsService) {}

  @Post('assets/:id/buyouts')
  @ApiOperation({ summary: "Record an operator's buy-out agreement: the operator buys the other owners' parts each quarter at the agreed price until the target" })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key and body answer the same agreement (and start its workflow if a first attempt could not)' })
  @ApiCreatedResponse({ type: BuyoutDto })
  @ApiConflictResponse({ description: 'buyout_exists (a running agreement on the asset), idempotency_key_reused' })
  @ApiUnprocessableEntityResponse({ description: 'target_above_total, target_not_above_owned, operator_not_owner, operator_not_member, invalid_offer, currency_mismatch, no_income' })
  async create(@UuidParam() id: string, @Body() dto: CreateBuyoutDto, @IdempotencyKey() key: string | undefined, @Actor() actor: string, @Res({ passthrough: true }) res: Response): Promise<BuyoutDto> {
    const r = await this.buyouts.create(id, dto, key, actor);
    if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return BuyoutDto.from(r.agreement);
  }

  @Get('assets/:id/buyouts')
  @ApiOperation({ summary: "The asset's buy-out agreements, newest first" })
  @ApiOkResponse({ type: BuyoutPageDto })
  async list(@UuidParam() id: string, @Query() q: PageQuery): Promise<BuyoutPageDto> {
    const page = pageOf(q);
    const r = await this.buyouts.forAsset(id, page);
    return { items: r.items.map(BuyoutDto.from), total: r.total, ...page };
  }

  @Get('buyouts/:id')
  @ApiOperation({ summary: 'A buy-out agreement: its terms and progress, a page of its quarterly steps (per seller), the remaining claim per seller, the latest changes' })
  @ApiOkResponse({ type: BuyoutDetailDto })
  async detail(@UuidParam() id: string, @Query() q: PageQuery): Promise<BuyoutDetailDto> {
    const page = pageOf(q);
    const r = await this.buyouts.detail(id, page);
    return {
      ...BuyoutDto.from(r.agreement),
      steps: r.steps.items.map(BuyoutStepDto.from),
      stepsTotal: r.steps.total,
      claims: r.claims.items.map(BuyoutClaimDto.from),
      claimsTotal: r.claims.total,
      changes: r.changes.map(BuyoutChangeViewDto.from),
      ...page,
    };
  }

  @Post('buyouts/:id/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause, resume or end the agreement, as the operator and the other owners agreed (recorded with who and why). A paused agreement moves nothing at a quarter’s end.' })
  @ApiParam({ name: 'action', enum: ['pause', 'resume', 'end'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key is the same change' })
  @ApiConflictResponse({ description: 'buyout_ended (ended or completed), buyout_not_active (pause), buyout_not_paused (resume)' })
  async change(@UuidParam() id: string, @actionParam() action: 'pause' | 'resume' | 'end', @Body() dto: BuyoutChangeDto, @IdempotencyKey() key: string | undefined, @Actor() actor: string): Promise<BuyoutView> {
    return this.buyouts.change(id, action, dto.reason, actor, key);
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/buyouts')
export class MemberBuyoutsController {
  constructor(private readonly buyouts: BuyoutsService) {}

  @Get()
  @ApiOperation({ summary: 'Buy-out agreements you are the operator or a seller in, with your remaining claim and what moved so far' })
  @ApiOkResponse({ type: MyBuyoutPageDto })
  async mine(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<MyBuyoutPageDto> {
    const page = pageOf(q);
    const r = await this.buyouts.forMember(m.id, page);
    return { items: r.items.map(MyBuyoutDto.fromMember), total: r.total, ...page };
  }
}
