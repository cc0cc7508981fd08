import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../common/params';
import { PublicFundingDto, PublicOutputsDto, PublicOwnershipDto } from './public.dto';
import { TransparencyService } from './transparency.service';

/** Open to anyone, no token: the network's transparency pages. */
@ApiTags('public')
@Controller('public')
export class PublicController {
  constructor(private readonly transparency: TransparencyService) {}

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
