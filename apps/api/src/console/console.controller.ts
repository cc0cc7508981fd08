import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { ConsoleAccountPageDto, ConsoleAccountsQuery, ConsoleRoundPageDto, ConsoleRoundsQuery, JobBoardDto, JobBoardQuery, NetworkDto, NetworkQuery } from './console.dto';
import { ConsoleService } from './console.service';

/**
 * What the coordinator console shows that no other endpoint serves, read from PostgreSQL only (it
 * works while Temporal is down). Actions stay on their own routes (approve a payout, cancel a
 * round or a job).
 */
@ApiTags('admin: console')
@ApiBearerAuth('coordinator')
@ApiUnauthorizedResponse({ description: 'The coordinator token is missing or wrong' })
@UseGuards(AdminGuard)
@Controller('admin/console')
export class ConsoleController {
  constructor(private readonly console: ConsoleService) {}

  @Get('network')
  @ApiOperation({ summary: 'The network at a glance: nodes by location with their load against the WIP limit, response time, on-time rate and yield; nodes per automation level' })
  @ApiOkResponse({ type: NetworkDto })
  network(@Query() q: NetworkQuery): Promise<NetworkDto> {
    return this.console.network(q);
  }

  @Get('job-board')
  @ApiOperation({ summary: 'Jobs by column (waiting, offered, accepted, in progress, delivered, confirmed, rework) with lead times and yield; each column’s first jobs and its total' })
  @ApiOkResponse({ type: JobBoardDto })
  board(@Query() q: JobBoardQuery): Promise<JobBoardDto> {
    return this.console.board(q.perColumn ?? 20);
  }

  @Get('rounds')
  @ApiOperation({ summary: 'Every funding round with its project and live total: those awaiting a payout approval first, then the open ones' })
  @ApiOkResponse({ type: ConsoleRoundPageDto })
  rounds(@Query() q: ConsoleRoundsQuery): Promise<ConsoleRoundPageDto> {
    return this.console.rounds(q);
  }

  @Get('ledger/accounts')
  @ApiOperation({ summary: 'Ledger accounts with their owners’ names and balances, a page at a time (the trial balance: GET /admin/ledger/trial-balance)' })
  @ApiOkResponse({ type: ConsoleAccountPageDto })
  accounts(@Query() q: ConsoleAccountsQuery): Promise<ConsoleAccountPageDto> {
    return this.console.accounts(q);
  }
}
