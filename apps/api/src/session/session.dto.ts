import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { Trim } from '../common/dto';

export class SignInLinkRequestDto {
  @ApiPropertyOptional({ example: 'ana@example.org', description: 'Send a sign-in link to this member' })
  @ValidateIf((o: SignInLinkRequestDto) => o.link === undefined)
  @Trim()
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional({ description: 'Or: an emailed link that has expired or was used; a fresh one goes to the same member, for the same page' })
  @IsOptional()
  @MaxLength(2000)
  @IsString()
  link?: string;

  @ApiPropertyOptional({ example: '/rounds/7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11', description: 'The page the link opens (a path of the web app); default /me' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  next?: string;
}

export class SignInLinkAcceptedDto {
  @ApiProperty({ example: 'If this email belongs to a member, a sign-in link is on its way. It works once, for 15 minutes.' })
  message!: string;
}

export class OpenSessionDto {
  @ApiProperty({ description: 'The token of an emailed link (the part after #link=, or after /decide/)' })
  @MaxLength(2000)
  @IsString()
  link!: string;
}

export class SessionMemberDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
}

export class SessionDto {
  @ApiProperty({ type: SessionMemberDto, nullable: true, description: 'Who is signed in; null when nobody is' })
  member!: SessionMemberDto | null;
  @ApiProperty({ description: 'A session cookie came with the request but it has expired or was signed out' })
  expired!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Send it as the X-CSRF-Token header with every POST, PUT, PATCH and DELETE made with the session cookie' })
  csrfToken!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
  @ApiPropertyOptional({ description: 'The page the link that opened this session leads to' }) path?: string;
}
