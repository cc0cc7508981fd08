import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditPageDto, AuditQuery } from './people.dto';

@ApiTags('admin: people')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail: every state-changing request (succeeded or refused), newest first; filters by actor, route, resource, outcome and time; cursor pages of at most 200' })
  @ApiOkResponse({ type: AuditPageDto })
  async list(@Query() q: AuditQuery): Promise<AuditPageDto> {
    const page = await this.audit.list(q);
    return { items: page.items.map(AuditEventDto.from), nextCursor: page.nextCursor };
  }
}
