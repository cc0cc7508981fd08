import { Body, Controller, Get, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { UuidParam } from '../common/params';
import { CreateLocationDto, ListLocationsQuery, LocationDto, UpdateLocationDto } from './locations.dto';
import { LocationsService } from './locations.service';

@ApiTags('admin: locations')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/locations')
export class LocationsController {
  constructor(private readonly locations: LocationsService) {}

  @Post()
  @ApiCreatedResponse({ type: LocationDto })
  async create(@Body() dto: CreateLocationDto): Promise<LocationDto> {
    return LocationDto.from(await this.locations.create(dto));
  }

  @Get()
  async list(@Query() q: ListLocationsQuery) {
    const page = await this.locations.list(q);
    return { ...page, items: page.items.map(LocationDto.from) };
  }

  @Get(':id')
  @ApiOkResponse({ type: LocationDto })
  async get(@UuidParam() id: string): Promise<LocationDto> {
    return LocationDto.from(await this.locations.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: LocationDto })
  async update(@UuidParam() id: string, @Body() dto: UpdateLocationDto): Promise<LocationDto> {
    return LocationDto.from(await this.locations.update(id, dto));
  }
}
