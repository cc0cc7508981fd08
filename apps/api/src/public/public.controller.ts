import { Controller, Get, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pageOf, PageQuery } from '../common/dto';
import { UuidParam } from '../common/params';
import { PublicFundingDto, PublicOutputsDto, PublicOwnershipDto } from './public.dto';
import { PublicAssetDto, PublicAssetPageDto, PublicProjectDto, PublicProjectPageDto } from './public-pages.dto';
import { PublicPagesService } from './public-pages.service';
import { TransparencyService } from './transparency.service';

/** Open to anyone, no token: the network's transparency pages. */
@ApiTags('public')
@Controller('public')
export class PublicController {
  constructor(
    private readonly transparency: TransparencyService,
    private readonly pages: PublicPagesService,
  ) {}

  @Get('projects')
  @ApiOperation({ summary: 'Projects raising money or running, newest first, each with its phase and its open (or latest) round' })
  @ApiOkResponse({ type: PublicProjectPageDto })
  projects(@Query() q: PageQuery): Promise<PublicProjectPageDto> {
    return this.pages.projects(pageOf(q));
  }

  @Get('projects/:id')
  @ApiOperation({ summary: 'A project: description, phase timeline, rounds with their totals and legal documents, outputs with their licences' })
  @ApiOkResponse({ type: PublicProjectDto })
  @ApiNotFoundResponse()
  project(@UuidParam() id: string): Promise<PublicProjectDto> {
    return this.pages.project(id);
  }

  @Get('assets')
  @ApiOperation({ summary: 'The network’s co-owned assets' })
  @ApiOkResponse({ type: PublicAssetPageDto })
  assets(@Query() q: PageQuery): Promise<PublicAssetPageDto> {
    return this.pages.assets(pageOf(q));
  }

  @Get('assets/:id')
  @ApiOperation({ summary: 'An asset: its ownership table (names), its catalogue and what it grows or makes this quarter' })
  @ApiOkResponse({ type: PublicAssetDto })
  @ApiNotFoundResponse()
  asset(@UuidParam() id: string): Promise<PublicAssetDto> {
    return this.pages.asset(id);
  }

  @Get('assets/:id/ownership')
  @ApiOperation({ summary: "An asset's ownership table: who owns which fraction and receives which share of the output" })
  @ApiOkResponse({ type: PublicOwnershipDto })
  ownership(@UuidParam() id: string): Promise<PublicOwnershipDto> {
    return this.transparency.ownership(id);
  }

  @Get('projects/:id/outputs')
  @ApiOperation({ summary: "A project's outputs: the designs and test reports its phases delivered, with their licences (open hardware by default)" })
  @ApiOkResponse({ type: PublicOutputsDto })
  outputs(@UuidParam() id: string): Promise<PublicOutputsDto> {
    return this.transparency.outputs(id);
  }

  @Get('projects/:id/funding')
  @ApiOperation({ summary: "A project's funding totals per currency and its number of contributors" })
  @ApiOkResponse({ type: PublicFundingDto })
  funding(@UuidParam() id: string): Promise<PublicFundingDto> {
    return this.transparency.funding(id);
  }
}
