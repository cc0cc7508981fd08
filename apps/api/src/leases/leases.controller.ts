import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LeasesRepository, MemberEntity } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { LeaseAnswerDto, LeaseDto, LeaseListQuery, LeasePageDto, LeaseRequestAnswerDto, LeaseRequestDto, ProposeLeaseDto } from './leases.dto';
import { LeasesService } from './leases.service';

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/leases')
export class MemberLeasesController {
  constructor(
    private readonly leases: LeasesService,
    private readonly rows: LeasesRepository,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Propose to lease the output rights of some of your parts of an asset to another member, for whole quarters at a price; they accept or decline' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key again answers the same proposal' })
  @ApiCreatedResponse({ type: LeaseDto })
  @ApiConflictResponse({ description: 'lease_parts_unavailable (with owned, leasedOut, available, requested), quarter_started (with firstOpenQuarter)' })
  propose(@CurrentMember() m: MemberEntity, @Body() dto: ProposeLeaseDto, @IdempotencyKey() key?: string): Promise<LeaseDto> {
    return this.leases.propose(m.id, dto, key);
  }

  @Get()
  @ApiOperation({ summary: 'Your leases, as lessor or lessee, newest first' })
  @ApiOkResponse({ type: LeasePageDto })
  async list(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<LeasePageDto> {
    const page = pageOf(q);
    const r = await this.rows.ofMember(m.id, page);
    return { items: r.items.map((l) => LeaseDto.from(l)), total: r.total, ...page };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your leases with its quarters (paid, unpaid, cancelled) and its requests' })
  @ApiOkResponse({ type: LeaseDto })
  one(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<LeaseDto> {
    return this.leases.mine(m.id, id);
  }

  @Post(':id/answer')
  @HttpCode(200)
  @ApiOperation({ summary: 'The lessee accepts (paying the whole price now when paid up front) or declines a proposal; the same answer again changes nothing' })
  @ApiOkResponse({ type: LeaseDto })
  @ApiConflictResponse({ description: 'insufficient_funds (with balance, needed), lease_parts_unavailable, quarter_started, lease_not_open' })
  answer(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: LeaseAnswerDto): Promise<LeaseDto> {
    return this.leases.decide(m.id, id, dto.accept);
  }

  @Post(':id/requests')
  @ApiOperation({ summary: 'Ask to renew an active lease (more quarters at a price) or to end it early; the other side answers' })
  @ApiCreatedResponse({ type: LeaseRequestAnswerDto })
  @ApiConflictResponse({ description: 'request_open, lease_ended, lease_parts_unavailable' })
  request(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: LeaseRequestDto): Promise<LeaseRequestAnswerDto> {
    return this.leases.request(m.id, id, dto);
  }

  @Post(':id/requests/:requestId/answer')
  @HttpCode(200)
  @ApiOperation({ summary: 'The other side accepts or declines a renewal or an early end (an early end gives back what was paid up front for the quarters not begun)' })
  @ApiOkResponse({ type: LeaseRequestAnswerDto })
  @ApiConflictResponse({ description: 'insufficient_funds, lease_parts_unavailable, lease_not_open' })
  answerRequest(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @UuidParam('requestId') requestId: string, @Body() dto: LeaseAnswerDto): Promise<LeaseRequestAnswerDto> {
    return this.leases.answer(m.id, id, requestId, dto.accept);
  }
}

@ApiTags('admin: leases')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/leases')
export class LeasesAdminController {
  constructor(
    private readonly leases: LeasesService,
    private readonly rows: LeasesRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every lease of output rights (optionally of one asset), newest first' })
  @ApiOkResponse({ type: LeasePageDto })
  async list(@Query() q: LeaseListQuery): Promise<LeasePageDto> {
    const page = pageOf(q);
    const r = await this.rows.all({ assetId: q.assetId }, page);
    return { items: r.items.map((l) => LeaseDto.from(l)), total: r.total, ...page };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One lease with its quarters and requests' })
  @ApiOkResponse({ type: LeaseDto })
  one(@UuidParam() id: string): Promise<LeaseDto> {
    return this.leases.any(id);
  }
}
