import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AssetsRepository, MemberEntity, OutputCreditsRepository } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { UuidParam } from '../common/params';
import { Problems } from '../common/problem';
import { OutputCreditDto, OutputCreditPageDto } from './credits.dto';

@ApiTags('admin: output sales and income')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/assets/:id/credits')
export class CreditsAdminController {
  constructor(
    private readonly credits: OutputCreditsRepository,
    private readonly assets: AssetsRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: "Jobs paid in the asset's output: every credit (promised, granted, cancelled), by quarter" })
  @ApiOkResponse({ type: OutputCreditPageDto })
  async list(@UuidParam() id: string, @Query() q: PageQuery): Promise<OutputCreditPageDto> {
    if (!(await this.assets.findById(id))) throw Problems.notFound('asset', id);
    const page = pageOf(q);
    const r = await this.credits.ofAsset(id, page);
    return { items: r.items.map(OutputCreditDto.from), total: r.total, ...page };
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/credits')
export class MemberCreditsController {
  constructor(private readonly credits: OutputCreditsRepository) {}

  @Get()
  @ApiOperation({ summary: "Output you earned: credits granted to you for jobs your nodes did (units of an asset's output in a quarter), by quarter" })
  @ApiOkResponse({ type: OutputCreditPageDto })
  async mine(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<OutputCreditPageDto> {
    const page = pageOf(q);
    const r = await this.credits.ofHolder(m.id, page);
    return { items: r.items.map(OutputCreditDto.from), total: r.total, ...page };
  }
}
