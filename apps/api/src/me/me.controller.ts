import { Controller, Get, Header, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { MemberEntity } from '@app/db';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { UuidParam } from '../common/params';
import { AccountDto, AgendaDto, HoldingsDto, MemberRoundPageDto, OrderPageDto, StatementCsvQuery } from './me.dto';
import { MeService } from './me.service';

/** What the member pages of the web app show; the same routes work with a member token. */
@ApiTags('member')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Not signed in, session expired, or no valid member token' })
@UseGuards(MemberTokenGuard)
@Controller('members/me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get('agenda')
  @ApiOperation({ summary: 'What needs you now: open decisions and deliveries to confirm, open rounds, open order windows, each with its deadline' })
  @ApiOkResponse({ type: AgendaDto })
  agenda(@CurrentMember() m: MemberEntity): Promise<AgendaDto> {
    return this.me.agenda(m);
  }

  @Get('rounds/:id')
  @ApiOperation({ summary: 'A funding round as its page shows it: the project, its documents, the live total, your pledge and your balance' })
  @ApiOkResponse({ type: MemberRoundPageDto })
  @ApiNotFoundResponse()
  round(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<MemberRoundPageDto> {
    return this.me.round(m, id);
  }

  @Get('holdings')
  @ApiOperation({ summary: 'Every asset you own parts of: your fraction beside the other owners’, and what it grows this quarter' })
  @ApiOkResponse({ type: HoldingsDto })
  holdings(@CurrentMember() m: MemberEntity): Promise<HoldingsDto> {
    return this.me.holdings(m);
  }

  @Get('account')
  @ApiOperation({ summary: 'Your balance and the amounts your pledges hold, per currency' })
  @ApiOkResponse({ type: AccountDto })
  account(@CurrentMember() m: MemberEntity): Promise<AccountDto> {
    return this.me.account(m);
  }

  @Get('statement.csv')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Your whole statement in one currency as CSV (oldest first); the amounts add up to the balance' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'date,kind,counterparty,memo,amount,currency,balance', schema: { type: 'string' } })
  async statementCsv(@CurrentMember() m: MemberEntity, @Query() q: StatementCsvQuery, @Res() res: Response): Promise<void> {
    const currency = q.currency ?? 'EUR';
    const csv = await this.me.statementCsv(m, currency);
    res
      .status(200)
      .set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="dpn-statement-${currency}.csv"` })
      .send(csv);
  }

  @Get('assets/:id/order-window')
  @ApiOperation({ summary: 'The order page of an asset you co-own: your share as capacity, the catalogue, your order, and the last allocation with its reasons' })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiForbiddenResponse({ description: 'not_an_owner' })
  orderWindow(@CurrentMember() m: MemberEntity, @UuidParam() id: string): Promise<OrderPageDto> {
    return this.me.orderPage(m, id);
  }
}
