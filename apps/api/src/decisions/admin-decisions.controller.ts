import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { DecisionOutcome, DecisionStatus } from '@app/contracts';
import { DecisionsRepository, MembersRepository } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { UuidParam } from '../common/params';
import { Problems } from '../common/problem';
import { DecisionVotersQuery } from './decisions.dto';

class VoterDto {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: not answered yet' }) option!: string | null;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty({ nullable: true, enum: ['link', 'api'] }) via!: 'link' | 'api' | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) answeredAt!: string | null;
}

class AdminDecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() subject!: { type: string; id: string };
  @ApiProperty() title!: string;
  @ApiProperty() rule!: unknown;
  @ApiProperty({ format: 'date-time' }) deadline!: string;
  @ApiProperty() status!: DecisionStatus;
  @ApiProperty({ nullable: true }) outcome!: DecisionOutcome | null;
  @ApiProperty({ description: 'Members asked' }) asked!: number;
  @ApiProperty({ description: 'Members who have answered' }) answered!: number;
  @ApiProperty({ description: 'Where the answers live: `database` (current) or `workflow` (decisions opened before answers moved to PostgreSQL)' })
  answersIn!: string;
  @ApiProperty({
    description: 'Who was asked and who has answered (what the decision is waiting on), one page of them in member id order: `?limit=` (default 100, at most 1000) and `?offset=`.',
    type: [VoterDto],
  })
  voters!: VoterDto[];
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

@ApiTags('admin: decisions')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/decisions')
export class AdminDecisionsController {
  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly members: MembersRepository,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'A decision with every member asked and their answer (the coordinator sees who is still to answer)' })
  @ApiOkResponse({ type: AdminDecisionDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string, @Query() q: DecisionVotersQuery): Promise<AdminDecisionDto> {
    const d = await this.decisions.findById(id);
    if (!d) throw Problems.notFound('decision', id);
    const page = { limit: q.limit ?? 100, offset: q.offset ?? 0 };
    const { items: voters, asked, answered } = await this.decisions.votersPage(id, page);
    const members = await this.members.findByIds(voters.map((v) => v.memberId));
    const names = new Map(members.map((m) => [m.id, m.name]));
    return {
      id: d.id,
      workflowId: d.workflowId,
      kind: d.kind,
      subject: { type: d.subjectType, id: d.subjectId },
      title: d.title,
      rule: d.rule,
      deadline: d.deadline.toISOString(),
      status: d.status,
      outcome: d.outcome,
      asked,
      answered,
      answersIn: d.answersIn,
      limit: page.limit,
      offset: page.offset,
      voters: voters.map((v) => ({
        memberId: v.memberId,
        name: names.get(v.memberId) ?? '',
        option: v.optionId,
        comment: v.comment,
        via: v.via,
        answeredAt: v.answeredAt?.toISOString() ?? null,
      })),
    };
  }
}
