import { Body, Controller, Delete, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard, AdminPrincipal, CurrentPrincipal } from '../auth/admin.guard';
import { UuidParam } from '../common/params';
import { CoordinatorsService } from './coordinators.service';
import {
  CoordinatorDto,
  CoordinatorListDto,
  CreatePersonalTokenDto,
  InviteCoordinatorDto,
  IssuedPersonalTokenDto,
  PersonalTokenDto,
  PersonalTokenListDto,
  UpdateCoordinatorDto,
  WhoAmIDto,
} from './people.dto';

@ApiTags('admin: people')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/coordinators')
export class CoordinatorsController {
  constructor(private readonly people: CoordinatorsService) {}

  // The `me` routes come first: `:id` below would otherwise take "me" for an id.
  @Get('me')
  @ApiOperation({ summary: 'Who is calling: the bootstrap token, or a coordinator (by session or personal token) with their role' })
  @ApiOkResponse({ type: WhoAmIDto })
  me(@CurrentPrincipal() p: AdminPrincipal): WhoAmIDto {
    return p.kind === 'bootstrap' ? { kind: 'bootstrap', coordinator: null, via: null } : { kind: 'coordinator', coordinator: CoordinatorDto.from(p.coordinator), via: p.via };
  }

  @Get('me/tokens')
  @ApiOperation({ summary: 'My personal API tokens (without the secrets), newest first, revoked ones included' })
  @ApiOkResponse({ type: PersonalTokenListDto })
  @ApiForbiddenResponse({ description: 'not_a_coordinator (the bootstrap token has no personal tokens)' })
  async myTokens(@CurrentPrincipal() p: AdminPrincipal): Promise<PersonalTokenListDto> {
    return { items: (await this.people.tokens(p)).map(PersonalTokenDto.from) };
  }

  @Post('me/tokens')
  @ApiOperation({ summary: 'Create a personal API token (dpn_crd_…, shown once): Bearer on /admin routes, with my role' })
  @ApiCreatedResponse({ type: IssuedPersonalTokenDto })
  @ApiConflictResponse({ description: 'too_many_tokens' })
  async createToken(@CurrentPrincipal() p: AdminPrincipal, @Body() dto: CreatePersonalTokenDto): Promise<IssuedPersonalTokenDto> {
    const { saved, token } = await this.people.issueToken(p, dto.name);
    return { ...PersonalTokenDto.from(saved), token };
  }

  @Delete('me/tokens/:tokenId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke one of my personal tokens (at once; revoking twice changes nothing)' })
  @ApiOkResponse({ type: PersonalTokenDto })
  @ApiNotFoundResponse()
  async revokeToken(@CurrentPrincipal() p: AdminPrincipal, @UuidParam('tokenId') tokenId: string): Promise<PersonalTokenDto> {
    return PersonalTokenDto.from(await this.people.revokeToken(p, tokenId));
  }

  @Get()
  @ApiOperation({ summary: 'Every coordinator account, by name' })
  @ApiOkResponse({ type: CoordinatorListDto })
  async list(): Promise<CoordinatorListDto> {
    return { items: (await this.people.list()).map(CoordinatorDto.from) };
  }

  @Post()
  @ApiOperation({ summary: 'Invite a coordinator by email: an invited account and an emailed link (once, 7 days) that signs them in' })
  @ApiCreatedResponse({ type: CoordinatorDto })
  @ApiConflictResponse({ description: 'email_taken' })
  @ApiForbiddenResponse({ description: 'forbidden_role (a viewer invites nobody; only a treasurer makes treasurers)' })
  async invite(@Body() dto: InviteCoordinatorDto, @CurrentPrincipal() p: AdminPrincipal): Promise<CoordinatorDto> {
    return CoordinatorDto.from(await this.people.invite(dto, p));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One coordinator account' })
  @ApiOkResponse({ type: CoordinatorDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<CoordinatorDto> {
    return CoordinatorDto.from(await this.people.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a role, or disable / enable an account (not your own; not someone who outranks you)' })
  @ApiOkResponse({ type: CoordinatorDto })
  @ApiNotFoundResponse()
  @ApiForbiddenResponse({ description: 'forbidden_role, cannot_change_self' })
  async update(@UuidParam() id: string, @Body() dto: UpdateCoordinatorDto, @CurrentPrincipal() p: AdminPrincipal): Promise<CoordinatorDto> {
    return CoordinatorDto.from(await this.people.update(id, dto, p));
  }

  @Post(':id/invitation')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the invitation again (a fresh link) to an account that has not signed in yet' })
  @ApiOkResponse({ type: CoordinatorDto })
  @ApiConflictResponse({ description: 'not_invited' })
  async resend(@UuidParam() id: string, @CurrentPrincipal() p: AdminPrincipal): Promise<CoordinatorDto> {
    return CoordinatorDto.from(await this.people.resendInvitation(id, p));
  }
}
