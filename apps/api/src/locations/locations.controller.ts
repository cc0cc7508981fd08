import { Body, Controller, Get, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { UuidParam } from '../common/params';
import { CreateLocationDto, CreatePickupPointDto, ListLocationsQuery, LocationDto, PickupPointDto, UpdateLocationDto } from './locations.dto';
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

  @Post(':id/pickup-points')
  @ApiOperation({ summary: 'Add a pickup point to the location: members collect flows’ output there on its set days; its keeper confirms what is handed to it' })
  @ApiCreatedResponse({ type: PickupPointDto })
  @ApiNotFoundResponse()
  @ApiUnprocessableEntityResponse({ description: 'unknown_keeper' })
  async addPickupPoint(@UuidParam() id: string, @Body() dto: CreatePickupPointDto): Promise<PickupPointDto> {
    return PickupPointDto.from(await this.locations.addPickupPoint(id, dto));
  }

  @Get(':id/pickup-points')
  @ApiOkResponse({ type: [PickupPointDto] })
  @ApiNotFoundResponse()
  async pickupPoints(@UuidParam() id: string): Promise<PickupPointDto[]> {
    return (await this.locations.pickupPoints(id)).map((p) => PickupPointDto.from(p));
  }
}
