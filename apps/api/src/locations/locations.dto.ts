import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LOCATION_KINDS, LocationEntity, LocationKind, PICKUP_DAYS, PickupDay, PickupPoint } from '@app/db';
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

export class CreatePickupPointDto {
  @ApiProperty({ example: 'Market hall desk' }) @Trim() @MaxLength(200) @IsNotEmpty() @IsString() name!: string;

  @ApiProperty({ format: 'uuid', description: 'The member who keeps it: they confirm what is handed to the point' }) @IsUUID() keeperMemberId!: string;

  @ApiProperty({ enum: PICKUP_DAYS, isArray: true, example: ['tue', 'fri'], description: 'The days members collect' })
  @IsIn(PICKUP_DAYS, { each: true })
  @ArrayUnique()
  @ArrayMaxSize(7)
  @ArrayMinSize(1)
  @IsArray()
  days!: PickupDay[];

  @ApiPropertyOptional({ example: '16:00-19:00' }) @IsOptional() @Trim() @MaxLength(100) @IsNotEmpty() @IsString() hours?: string;
}

export class PickupPointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) locationId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) keeperMemberId!: string;
  @ApiProperty({ nullable: true, type: String }) keeperName!: string | null;
  @ApiProperty({ enum: PICKUP_DAYS, isArray: true }) days!: PickupDay[];
  @ApiProperty({ nullable: true, type: String }) hours!: string | null;
  @ApiProperty({ enum: ['active', 'closed'] }) status!: 'active' | 'closed';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(p: PickupPoint): PickupPointDto {
    return { ...p, createdAt: new Date(p.createdAt).toISOString() };
  }
}
