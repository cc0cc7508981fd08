import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { LOCATION_KINDS, LocationEntity, LocationKind } from '@app/db';
import { PageQuery, Trim } from '../common/dto';


export class CreateLocationDto {
  @ApiProperty({ example: 'Plagwitz industrial park' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ enum: LOCATION_KINDS })
  @IsIn(LOCATION_KINDS)
  kind!: LocationKind;

  @ApiProperty({ example: 'Karl-Heine-Str. 99, 04229 Leipzig' })
  @Trim()
  @MaxLength(1000)
  @IsNotEmpty()
  @IsString()
  address!: string;
}

export class UpdateLocationDto extends PartialType(CreateLocationDto) {}

export class ListLocationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: LOCATION_KINDS })
  @IsOptional()
  @IsIn(LOCATION_KINDS)
  kind?: LocationKind;
}

export class LocationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: LOCATION_KINDS }) kind!: LocationKind;
  @ApiProperty() address!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(l: LocationEntity): LocationDto {
    return { id: l.id, name: l.name, kind: l.kind, address: l.address, createdAt: l.createdAt.toISOString() };
  }
}
