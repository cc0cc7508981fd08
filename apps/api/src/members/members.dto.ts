import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MEMBER_STATUSES, MemberEntity, MemberStatus } from '@app/db';
import { PageQuery, Trim } from '../common/dto';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class CreateMemberDto {
  @ApiProperty({ example: 'Lindenau Woodworks' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ example: 'hello@lindenau-woodworks.example', description: 'Unique; stored lower-case' })
  @Transform(lower)
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @ApiPropertyOptional({ enum: MEMBER_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(MEMBER_STATUSES)
  status?: MemberStatus;
}

export class UpdateMemberDto extends PartialType(CreateMemberDto) {}

export class ListMembersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: MEMBER_STATUSES })
  @IsOptional()
  @IsIn(MEMBER_STATUSES)
  status?: MemberStatus;

  @ApiPropertyOptional({ description: 'Exact email (case-insensitive)' })
  @IsOptional()
  @Transform(lower)
  @MaxLength(320)
  @IsString()
  email?: string;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: MEMBER_STATUSES }) status!: MemberStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(m: MemberEntity): MemberDto {
    return { id: m.id, name: m.name, email: m.email, status: m.status, createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() };
  }
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberDto] }) items!: MemberDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}
