import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The parts of a job's view, documented for the OpenAPI document (and so for the web app's client). */

export class JobRefDto {
  @ApiProperty({ example: 'member' }) type!: string;
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class JobDocumentDto {
  @ApiProperty() title!: string;
  @ApiProperty() url!: string;
  @ApiPropertyOptional({ example: 'sha256:…' }) contentHash?: string;
}

export class JobRunDto {
  @ApiProperty() made!: number;
  @ApiProperty() scrapped!: number;
  @ApiProperty({ format: 'date-time' }) completedAt!: string;
  @ApiProperty({ nullable: true, enum: ['confirmed', 'rejected', 'unanswered'], description: 'The recipient’s answer; null while awaited' })
  confirmation!: 'confirmed' | 'rejected' | 'unanswered' | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiPropertyOptional({ type: [JobDocumentDto] }) documents?: JobDocumentDto[];
}

export class JobProgressDto {
  @ApiProperty({ minimum: 0, maximum: 100 }) percent!: number;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiPropertyOptional({ format: 'date-time' }) reportedAt?: string;
  @ApiPropertyOptional({ description: 'Reports of this run so far' }) reports?: number;
}

export class JobYieldDto {
  @ApiProperty() made!: number;
  @ApiProperty() scrapped!: number;
}

export class JobLeadTimesDto {
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) firstOfferedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acceptedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) confirmedAt!: string | null;
}
