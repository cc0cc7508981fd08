import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { LedgerAccountEntity, LedgerEntryEntity, LedgerTransactionEntity } from '@app/db';
import { ACCOUNT_KINDS, AccountKind, CURRENCY_CODES, Currency } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt } from '../common/dto';

const CURRENCY_MESSAGE = { message: 'currency must be a supported ISO 4217 code such as EUR' };
/** Accounts the admin API may move money between; escrow and external are moved only by the network's own processes. */
export const TRANSFERABLE_KINDS = ['member', 'project', 'organiser'] as const;

class MoneyDto {
  @ApiProperty(AMOUNT_DOC)
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  amount!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES, CURRENCY_MESSAGE)
  currency!: Currency;
}

export class DepositDto extends MoneyDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  memberId!: string;

  @ApiPropertyOptional({ example: 'SEPA-2026-11-0042', description: 'Reference at the bank or payment provider' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  reference?: string;
}

export class WithdrawalDto extends DepositDto {}

export class AccountRefDto {
  @ApiProperty({ enum: TRANSFERABLE_KINDS })
  @IsIn(TRANSFERABLE_KINDS)
  kind!: (typeof TRANSFERABLE_KINDS)[number];

  @ApiProperty({ format: 'uuid', description: 'The member (member, organiser) or project (project) that owns the account' })
  @IsUUID()
  ownerId!: string;
}

export class TransferDto extends MoneyDto {
  @ApiProperty({ type: AccountRefDto })
  @ValidateNested()
  @Type(() => AccountRefDto)
  from!: AccountRefDto;

  @ApiProperty({ type: AccountRefDto })
  @ValidateNested()
  @Type(() => AccountRefDto)
  to!: AccountRefDto;

  @ApiPropertyOptional({ example: 'Contribution to the greenhouse build-out' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  memo?: string;
}

export class ListAccountsQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ enum: ACCOUNT_KINDS })
  @IsOptional()
  @IsIn(ACCOUNT_KINDS)
  kind?: AccountKind;
}

export class EntryDto {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ ...AMOUNT_DOC, example: '-12500', description: 'Positive credits the account, negative debits it' }) amount!: string;
}

export class TransactionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'deposit' }) kind!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ nullable: true, type: String }) memo!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalReference!: string | null;
  @ApiProperty({ enum: ['posted', 'rejected'], description: 'rejected: refused by a rule (kept so its key replays the refusal); it has no entries' })
  status!: 'posted' | 'rejected';
  @ApiProperty({ nullable: true, type: String, example: 'insufficient_funds' }) errorCode!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: [EntryDto] }) entries!: EntryDto[];

  static from(t: LedgerTransactionEntity, entries: LedgerEntryEntity[]): TransactionDto {
    return {
      id: t.id,
      kind: t.kind,
      currency: t.currency,
      memo: t.memo,
      externalReference: t.externalReference,
      status: t.status,
      errorCode: t.errorCode,
      createdAt: t.createdAt.toISOString(),
      entries: entries.map((e) => ({ accountId: e.accountId, amount: e.amount.toString() })),
    };
  }
}

export class AccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ACCOUNT_KINDS }) kind!: AccountKind;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'Derived from the entries' }) balance!: string;

  static from(a: LedgerAccountEntity & { balance: bigint }): AccountDto {
    return { id: a.id, kind: a.kind, ownerId: a.ownerId, currency: a.currency, balance: a.balance.toString() };
  }
}
