import { Body, Controller, Delete, Get, HttpCode, Injectable, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MemberTokenEntity, TokensRepository } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { issueBearerToken, TOKEN_PREFIXES } from '../auth/bearer-token';
import { Trim } from '../common/dto';
import { UuidParam } from '../common/params';
import { Problems } from '../common/problem';
import { MembersService } from './members.service';

/** Member API tokens look like `dpn_mbr_<43 base64url characters>` (32 random bytes). */
export const MEMBER_TOKEN_PREFIX = TOKEN_PREFIXES.member;

export class CreateMemberTokenDto {
  @ApiProperty({ example: 'phone', maxLength: 100, description: 'What the token is for, to recognise it later.' })
  @Trim()
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  name!: string;
}

export class MemberTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;

  static from(t: MemberTokenEntity): MemberTokenDto {
    return {
      id: t.id,
      name: t.name,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      revokedAt: t.revokedAt?.toISOString() ?? null,
    };
  }
}

export class IssuedMemberTokenDto extends MemberTokenDto {
  @ApiProperty({ example: 'dpn_mbr_…', description: 'Shown only now: give it to the member. Only its hash is stored.' })
  token!: string;
}

@Injectable()
export class MemberTokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly members: MembersService,
  ) {}

  async issue(memberId: string, name: string): Promise<IssuedMemberTokenDto> {
    await this.members.get(memberId); // 404 for an unknown member
    const { saved, token } = await issueBearerToken(this.tokens, 'member', memberId, name);
    return { ...MemberTokenDto.from(saved), token };
  }

  async list(memberId: string): Promise<MemberTokenEntity[]> {
    await this.members.get(memberId);
    return this.tokens.memberTokens(memberId);
  }

  /** Revokes a token; revoking it again changes nothing (idempotent). */
  async revoke(memberId: string, tokenId: string): Promise<void> {
    if (!(await this.tokens.revoke('member', memberId, tokenId))) throw Problems.notFound('member token', tokenId);
  }
}

@ApiTags('admin: members')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/members/:id/tokens')
export class MemberTokensController {
  constructor(private readonly tokens: MemberTokensService) {}

  @Post()
  @ApiOperation({ summary: 'Issue a member API token (shown once) for the member API under /members/me' })
  @ApiCreatedResponse({ type: IssuedMemberTokenDto })
  @ApiNotFoundResponse()
  issue(@UuidParam() id: string, @Body() dto: CreateMemberTokenDto): Promise<IssuedMemberTokenDto> {
    return this.tokens.issue(id, dto.name);
  }

  @Get()
  @ApiOperation({ summary: "A member's tokens (without the secrets)" })
  @ApiOkResponse({ type: [MemberTokenDto] })
  async list(@UuidParam() id: string): Promise<MemberTokenDto[]> {
    return (await this.tokens.list(id)).map(MemberTokenDto.from);
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a member token' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async revoke(@UuidParam() id: string, @UuidParam('tokenId') tokenId: string): Promise<void> {
    await this.tokens.revoke(id, tokenId);
  }
}
