import { Body, Controller, Get, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LedgerService, PostingResult } from '@app/db';
import { AdminGuard, Roles } from '../auth/admin.guard';
import { IdempotencyKey, UuidParam } from '../common/params';
import { LedgerApiService } from './ledger-api.service';
import { AccountDto, DepositDto, ListAccountsQuery, TransactionDto, TransferDto, WithdrawalDto } from './ledger.dto';

const KEY = { name: 'Idempotency-Key', required: true, description: 'Money moves once per key; a retry returns the first result' };

function respond(res: Response, r: PostingResult): TransactionDto {
  if (r.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return TransactionDto.from(r.transaction, r.entries);
}

@ApiTags('admin: ledger')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/ledger')
export class LedgerController {
  constructor(
    private readonly api: LedgerApiService,
    private readonly ledger: LedgerService,
  ) {}

  @Post('deposits')
  @Roles('treasurer')
  @ApiForbiddenResponse({ description: 'forbidden_role: only a treasurer (or the bootstrap token) posts to the ledger' })
  @ApiOperation({ summary: 'Money enters the network: external world → member account' })
  @ApiHeader(KEY)
  @ApiCreatedResponse({ type: TransactionDto })
  async deposit(@Body() dto: DepositDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response) {
    return respond(res, await this.api.deposit(dto, key));
  }

  @Post('withdrawals')
  @Roles('treasurer')
  @ApiForbiddenResponse({ description: 'forbidden_role: only a treasurer (or the bootstrap token) posts to the ledger' })
  @ApiOperation({ summary: 'Money leaves the network: member account → external world (409 if the balance is short)' })
  @ApiHeader(KEY)
  @ApiCreatedResponse({ type: TransactionDto })
  @ApiConflictResponse({ description: 'insufficient funds (amounts in the message)' })
  async withdraw(@Body() dto: WithdrawalDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response) {
    return respond(res, await this.api.withdraw(dto, key));
  }

  @Post('transfers')
  @Roles('treasurer')
  @ApiForbiddenResponse({ description: 'forbidden_role: only a treasurer (or the bootstrap token) posts to the ledger' })
  @ApiOperation({ summary: 'Move money between member, organiser and project accounts' })
  @ApiHeader(KEY)
  @ApiCreatedResponse({ type: TransactionDto })
  @ApiConflictResponse({ description: 'insufficient funds, or the key was used for another request' })
  async transfer(@Body() dto: TransferDto, @IdempotencyKey('required') key: string, @Res({ passthrough: true }) res: Response) {
    return respond(res, await this.api.transfer(dto, key));
  }

  @Get('accounts')
  @ApiOperation({ summary: 'Accounts with balances derived from their entries' })
  @ApiOkResponse({ type: [AccountDto] })
  async accounts(@Query() q: ListAccountsQuery): Promise<AccountDto[]> {
    return (await this.ledger.accountsWithBalances(q)).map(AccountDto.from);
  }

  @Get('transactions/:id')
  @ApiOkResponse({ type: TransactionDto })
  async transaction(@UuidParam() id: string): Promise<TransactionDto> {
    const { transaction, entries } = await this.api.transaction(id);
    return TransactionDto.from(transaction, entries);
  }

  @Get('trial-balance')
  @ApiOperation({ summary: 'Sum of all entries per currency: zero in a sound ledger' })
  async trialBalance(): Promise<Record<string, string>> {
    const totals = await this.ledger.trialBalance();
    return Object.fromEntries(Object.entries(totals).map(([c, v]) => [c, v.toString()]));
  }
}
