import { Controller, Get, Header, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminGuard } from '../auth/admin.guard';
import { PageQuery, pageOf } from '../common/dto';
import { UuidParam } from '../common/params';
import {
  AssetOwnerPageDto,
  BackerPageDto,
  ConsoleAssetDetailDto,
  ConsoleAssetPageDto,
  ConsoleDecisionPageDto,
  ConsoleDecisionsQuery,
  ConsoleLocationPageDto,
  ConsoleMemberPageDto,
  ConsoleMembersQuery,
  ConsoleStatementDto,
  ConsoleVoterPageDto,
  LevelHistoryDto,
  LevelHistoryQuery,
  MovementPageDto,
  OutboxPageDto,
  OutboxQuery,
  ShareTransferPageDto,
  VotersQuery,
} from './console-pages.dto';
import { ConsolePagesService } from './console-pages.service';

/**
 * The console's further reads, each a page at a time and by name: a round's backers, assets,
 * an account's statement (and its CSV), members, locations, decisions, the mail sent. Every
 * coordinator role (viewers too) may read them.
 */
@ApiTags('admin: console')
@ApiBearerAuth('coordinator')
@ApiUnauthorizedResponse({ description: 'The coordinator token is missing or wrong' })
@UseGuards(AdminGuard)
@Controller('admin/console')
export class ConsolePagesController {
  constructor(private readonly pages: ConsolePagesService) {}

  @Get('network/levels')
  @ApiOperation({ summary: 'Nodes per automation level week by week: the network along its upgrade path' })
  @ApiOkResponse({ type: LevelHistoryDto })
  levels(@Query() q: LevelHistoryQuery): Promise<LevelHistoryDto> {
    return this.pages.levelHistory(q.weeks ?? 26);
  }

  @Get('rounds/:id/backers')
  @ApiOperation({ summary: 'A round’s backers by name with what each pledges, the latest pledge first' })
  @ApiOkResponse({ type: BackerPageDto })
  @ApiNotFoundResponse()
  backers(@UuidParam() id: string, @Query() q: PageQuery): Promise<BackerPageDto> {
    return this.pages.backers(id, pageOf(q));
  }

  @Get('assets')
  @ApiOperation({ summary: 'Assets by name, with the node that runs them, how many own them and where a portable one is' })
  @ApiOkResponse({ type: ConsoleAssetPageDto })
  assets(@Query() q: PageQuery): Promise<ConsoleAssetPageDto> {
    return this.pages.assets(pageOf(q));
  }

  @Get('assets/:id')
  @ApiOperation({ summary: 'An asset with its latest quarters: per product what the owners asked for and what the allocation granted' })
  @ApiOkResponse({ type: ConsoleAssetDetailDto })
  @ApiNotFoundResponse()
  asset(@UuidParam() id: string): Promise<ConsoleAssetDetailDto> {
    return this.pages.assetDetail(id);
  }

  @Get('assets/:id/owners')
  @ApiOperation({ summary: 'An asset’s owners by name, largest fraction first' })
  @ApiOkResponse({ type: AssetOwnerPageDto })
  @ApiNotFoundResponse()
  owners(@UuidParam() id: string, @Query() q: PageQuery): Promise<AssetOwnerPageDto> {
    return this.pages.owners(id, pageOf(q));
  }

  @Get('assets/:id/transfers')
  @ApiOperation({ summary: 'The ownership trail: share transfers between members, newest first' })
  @ApiOkResponse({ type: ShareTransferPageDto })
  @ApiNotFoundResponse()
  transfers(@UuidParam() id: string, @Query() q: PageQuery): Promise<ShareTransferPageDto> {
    return this.pages.transfers(id, pageOf(q));
  }

  @Get('assets/:id/movements')
  @ApiOperation({ summary: 'Where a portable asset went, newest first' })
  @ApiOkResponse({ type: MovementPageDto })
  @ApiNotFoundResponse()
  movements(@UuidParam() id: string, @Query() q: PageQuery): Promise<MovementPageDto> {
    return this.pages.movements(id, pageOf(q));
  }

  @Get('ledger/accounts/:id/statement')
  @ApiOperation({ summary: 'An account’s statement, newest first: each entry with the other side by name and the balance after it' })
  @ApiOkResponse({ type: ConsoleStatementDto })
  @ApiNotFoundResponse()
  statement(@UuidParam() id: string, @Query() q: PageQuery): Promise<ConsoleStatementDto> {
    return this.pages.statement(id, pageOf(q));
  }

  @Get('ledger/accounts/:id/statement.csv')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'An account’s whole statement as CSV, oldest first: amounts in minor units and as decimals; the last balance is the account’s' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'date,kind,counterparty,memo,currency,amount_minor,amount,balance_minor,balance', schema: { type: 'string' } })
  @ApiNotFoundResponse()
  async statementCsv(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    const { filename, chunks } = await this.pages.statementCsv(id);
    res.status(200).set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${filename}"` });
    try {
      for await (const text of chunks) if (!res.write(text)) await new Promise((r) => res.once('drain', r));
      res.end();
    } catch (err) {
      // Headers are out: a half file must not look whole, so the connection is cut.
      res.destroy(err as Error);
    }
  }

  @Get('members')
  @ApiOperation({ summary: 'Members by name (search by name or email), with how many nodes they run and assets they co-own' })
  @ApiOkResponse({ type: ConsoleMemberPageDto })
  members(@Query() q: ConsoleMembersQuery): Promise<ConsoleMemberPageDto> {
    return this.pages.members({ q: q.q }, pageOf(q));
  }

  @Get('locations')
  @ApiOperation({ summary: 'Locations by name, with their nodes' })
  @ApiOkResponse({ type: ConsoleLocationPageDto })
  locations(@Query() q: PageQuery): Promise<ConsoleLocationPageDto> {
    return this.pages.locations(pageOf(q));
  }

  @Get('decisions')
  @ApiOperation({ summary: 'Decisions, open ones first, with how many were asked and how many answered' })
  @ApiOkResponse({ type: ConsoleDecisionPageDto })
  decisions(@Query() q: ConsoleDecisionsQuery): Promise<ConsoleDecisionPageDto> {
    return this.pages.decisionList(q.status, pageOf(q));
  }

  @Get('decisions/:id/voters')
  @ApiOperation({ summary: 'Who was asked and whether they have answered, never what: those still to answer first' })
  @ApiOkResponse({ type: ConsoleVoterPageDto })
  @ApiNotFoundResponse()
  voters(@UuidParam() id: string, @Query() q: VotersQuery): Promise<ConsoleVoterPageDto> {
    return this.pages.voters(id, q.answered, pageOf(q));
  }

  @Get('mail')
  @ApiOperation({ summary: 'The mail sent (and to be sent), newest first: to, subject, status, time; never a body' })
  @ApiOkResponse({ type: OutboxPageDto })
  mail(@Query() q: OutboxQuery): Promise<OutboxPageDto> {
    return this.pages.outbox(q.status, pageOf(q));
  }
}
