import { Body, Controller, Get, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminGuard, Roles } from '../auth/admin.guard';
import { IdempotencyKey, UuidParam } from '../common/params';
import {
  AssetDetailDto,
  AssetDto,
  CreateAssetDto,
  ListAssetsQuery,
  MovementDto,
  MovementRecordDto,
  ReplaceOwnershipDto,
  ShareDto,
  ShareTransferDto,
  ShareTransferResultDto,
  UpdateAssetDto,
} from './assets.dto';
import { AssetsService } from './assets.service';

@ApiTags('admin: assets')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/assets')
export class AssetsController {
  constructor(private readonly assets: AssetsService) {}

  private async detail(id: string): Promise<AssetDetailDto> {
    const { asset, owners } = await this.assets.owners(id);
    return { ...AssetDto.from(asset), owners: owners.map((o) => ShareDto.from(o, asset.totalParts)) };
  }

  @Post()
  @ApiOperation({ summary: 'Register an asset with its owners (default: the node owner owns it all)' })
  @ApiCreatedResponse({ type: AssetDetailDto })
  @ApiConflictResponse({ description: 'identifier already registered' })
  async create(@Body() dto: CreateAssetDto): Promise<AssetDetailDto> {
    return this.detail((await this.assets.create(dto)).id);
  }

  @Get()
  @ApiOperation({ summary: 'List assets, filtered by kind, node or owner' })
  async list(@Query() q: ListAssetsQuery) {
    const page = await this.assets.list(q);
    return { ...page, items: page.items.map(AssetDto.from) };
  }

  @Get(':id')
  @ApiOkResponse({ type: AssetDetailDto })
  @ApiNotFoundResponse()
  get(@UuidParam() id: string): Promise<AssetDetailDto> {
    return this.detail(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AssetDto })
  async update(@UuidParam() id: string, @Body() dto: UpdateAssetDto): Promise<AssetDto> {
    return AssetDto.from(await this.assets.update(id, dto));
  }

  @Put(':id/ownership')
  @ApiOperation({ summary: 'Replace the ownership table (parts must sum to exactly the whole)' })
  @ApiOkResponse({ type: AssetDetailDto })
  async replaceOwners(@UuidParam() id: string, @Body() dto: ReplaceOwnershipDto): Promise<AssetDetailDto> {
    await this.assets.replaceOwners(id, dto.owners);
    return this.detail(id);
  }

  @Post(':id/ownership/transfers')
  @Roles('treasurer')
  @ApiOperation({ summary: 'Sell part of a fraction to another member at a price: ownership and money move together or not at all' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'A retry with the same key returns the first transfer' })
  @ApiCreatedResponse({ type: ShareTransferResultDto })
  @ApiConflictResponse({ description: 'seller owns fewer parts, or buyer cannot pay (amounts in the message)' })
  async transfer(
    @UuidParam() id: string,
    @Body() dto: ShareTransferDto,
    @IdempotencyKey('required') key: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ShareTransferResultDto> {
    const { transfer, replayed } = await this.assets.transfer(id, dto, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    const { owners, asset } = await this.assets.owners(id);
    return ShareTransferResultDto.from(transfer, owners.map((o) => ShareDto.from(o, asset.totalParts)));
  }

  @Post(':id/movements')
  @ApiOperation({ summary: 'Record that a portable asset moved (409 for a fixed asset)' })
  @ApiCreatedResponse({ type: MovementRecordDto })
  async move(@UuidParam() id: string, @Body() dto: MovementDto): Promise<MovementRecordDto> {
    return MovementRecordDto.from(await this.assets.move(id, dto));
  }

  @Get(':id/movements')
  @ApiOkResponse({ type: [MovementRecordDto] })
  async movements(@UuidParam() id: string): Promise<MovementRecordDto[]> {
    return (await this.assets.movements(id)).map(MovementRecordDto.from);
  }
}
