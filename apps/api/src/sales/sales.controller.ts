import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { AssetSaleEntity, MemberEntity, NodeEntity } from '@app/db';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { CurrentNode, NodeTokenGuard } from '../auth/node-token.guard';
import { PageQuery, pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { ProblemException } from '../common/problem';
import { DistributeDto, DistributionDetailDto, DistributionDto, DistributionLineDto, DistributionPageDto, ListSalesQuery, MyDistributionLineDto, MyDistributionPageDto, RecordSaleDto, SaleDto, SalePageDto } from './sales.dto';
import { SalesService } from './sales.service';

const KEY = { name: 'Idempotency-Key', required: true, description: 'A sale is recorded once per key (per asset); a retry returns the first sale' };
const SALE_REFUSALS = 'quarter_not_planned, quarter_distributed, oversold (with saleable, sold, available, asked), idempotency_key_reused';

function answer(res: Response, r: { sale: AssetSaleEntity; replayed: boolean }): SaleDto {
  if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return SaleDto.from(r.sale);
}

const quarterParam = () =>
  Param('quarter', {
    transform(v: string) {
      if (/^\d{4}-Q[1-4]$/.test(v)) return v;
      throw new ProblemException(400, 'validation_failed', 'quarter must look like 2026-Q3', [{ field: 'quarter', code: 'matches', message: 'quarter must look like 2026-Q3' }]);
    },
  });

@ApiTags('admin: output sales and income')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/assets/:id')
export class SalesAdminController {
  constructor(private readonly sales: SalesService) {}

  @Post('sales')
  @ApiOperation({ summary: "Record a sale of part of a quarter's output marked for sale: the money enters the asset's account" })
  @ApiHeader(KEY)
  @ApiCreatedResponse({ type: SaleDto })
  @ApiConflictResponse({ description: SALE_REFUSALS })
  @ApiUnprocessableEntityResponse({ description: 'not_for_sale, currency_mismatch' })
  async record(@UuidParam() id: string, @Body() dto: RecordSaleDto, @IdempotencyKey('required') key: string, @Actor() actor: string, @Res({ passthrough: true }) res: Response): Promise<SaleDto> {
    return answer(res, await this.sales.record(id, dto, key, actor));
  }

  @Get('sales')
  @ApiOperation({ summary: "The asset's sales, newest first" })
  @ApiOkResponse({ type: SalePageDto })
  async list(@UuidParam() id: string, @Query() q: ListSalesQuery): Promise<SalePageDto> {
    const page = pageOf(q);
    const r = await this.sales.sales(id, { ...page, quarter: q.quarter });
    return { items: r.items.map(SaleDto.from), total: r.total, ...page };
  }

  @Post('distributions')
  @ApiOperation({ summary: "Share an ended quarter's income among the owners by output share (once: a repeat answers the same distribution)" })
  @ApiCreatedResponse({ type: DistributionDto })
  @ApiConflictResponse({ description: 'quarter_not_over (with endsAt), quarter_not_planned, mixed_currencies' })
  async distribute(@UuidParam() id: string, @Body() dto: DistributeDto, @Actor() actor: string, @Res({ passthrough: true }) res: Response): Promise<DistributionDto> {
    const r = await this.sales.distribute(id, dto.quarter, actor);
    if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return DistributionDto.from(r.distribution, r.lineCount);
  }

  @Get('distributions')
  @ApiOperation({ summary: "The asset's distributions, newest quarter first" })
  @ApiOkResponse({ type: DistributionPageDto })
  async distributions(@UuidParam() id: string, @Query() q: PageQuery): Promise<DistributionPageDto> {
    const page = pageOf(q);
    const r = await this.sales.distributions(id, page);
    return { items: r.items.map((i) => DistributionDto.from(i.distribution, i.lineCount)), total: r.total, ...page };
  }

  @Get('distributions/:quarter')
  @ApiOperation({ summary: "One quarter's distribution with every owner's amount and why (a page of lines)" })
  @ApiOkResponse({ type: DistributionDetailDto })
  async distribution(@UuidParam() id: string, @quarterParam() quarter: string, @Query() q: PageQuery): Promise<DistributionDetailDto> {
    const page = pageOf(q);
    const r = await this.sales.distribution(id, quarter, page);
    return { ...DistributionDto.from(r.distribution, r.total), lines: r.items.map(DistributionLineDto.from), ...page };
  }
}

/** The node API: the asset's node records what it sold of the asset's output. */
@ApiTags('node')
@ApiBearerAuth('node')
@UseGuards(NodeTokenGuard)
@Controller('nodes/me/assets/:id')
export class NodeSalesController {
  constructor(private readonly sales: SalesService) {}

  @Post('sales')
  @ApiOperation({ summary: "Record a sale of the output of an asset this node runs (another node's asset: 404)" })
  @ApiHeader(KEY)
  @ApiCreatedResponse({ type: SaleDto })
  @ApiConflictResponse({ description: SALE_REFUSALS })
  @ApiUnprocessableEntityResponse({ description: 'not_for_sale, currency_mismatch' })
  async record(@CurrentNode() node: NodeEntity, @UuidParam() id: string, @Body() dto: RecordSaleDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response): Promise<SaleDto> {
    return answer(res, await this.sales.recordByNode(node.id, id, dto, key));
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/distributions')
export class MemberDistributionsController {
  constructor(private readonly sales: SalesService) {}

  @Get()
  @ApiOperation({ summary: 'Your part of each quarter’s income of the assets you co-own, and why, newest first' })
  @ApiOkResponse({ type: MyDistributionPageDto })
  async mine(@CurrentMember() m: MemberEntity, @Query() q: PageQuery): Promise<MyDistributionPageDto> {
    const page = pageOf(q);
    const r = await this.sales.memberLines(m.id, page);
    return { items: r.items.map(MyDistributionLineDto.from), total: r.total, ...page };
  }
}
