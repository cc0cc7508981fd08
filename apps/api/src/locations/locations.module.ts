import { Module } from '@nestjs/common';
import { LocationsController } from './locations.controller';
import { LocationsService } from './locations.service';

/** Locations: industrial parks, office buildings, data centres... that hold nodes. */
@Module({ controllers: [LocationsController], providers: [LocationsService], exports: [LocationsService] })
export class LocationsModule {}
