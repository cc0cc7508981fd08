import { Body, Controller, Get, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { UuidParam } from '../common/params';
import { CreateMemberDto, ListMembersQuery, MemberDto, MemberPageDto, UpdateMemberDto } from './members.dto';
import { MembersService } from './members.service';

@ApiTags('admin: members')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @ApiOperation({ summary: 'Register a member (person or business)' })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiConflictResponse({ description: 'email already registered' })
  async create(@Body() dto: CreateMemberDto): Promise<MemberDto> {
    return MemberDto.from(await this.members.create(dto));
  }

  @Get()
  @ApiOperation({ summary: 'List members, filtered by status or email' })
  @ApiOkResponse({ type: MemberPageDto })
  async list(@Query() q: ListMembersQuery): Promise<MemberPageDto> {
    const page = await this.members.list(q);
    return { ...page, items: page.items.map(MemberDto.from) };
  }

  @Get(':id')
  @ApiOkResponse({ type: MemberDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<MemberDto> {
    return MemberDto.from(await this.members.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, email or status (suspend / reactivate)' })
  @ApiOkResponse({ type: MemberDto })
  async update(@UuidParam() id: string, @Body() dto: UpdateMemberDto): Promise<MemberDto> {
    return MemberDto.from(await this.members.update(id, dto));
  }
}
