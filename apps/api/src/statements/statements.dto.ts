import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import type { StatementPage } from '@app/db';
import { CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC } from '../common/dto';

/** The period and page of a statement: `from` inclusive, `to` exclusive, a page at a time (newest first). */
export class AccountStatementQuery {
  @ApiPropertyOptional({ ...CURRENCY_DOC, description: 'The account’s currency (default: the first currency the owner has an account in, else EUR)' })
  @IsOptional()
  @IsIn(CURRENCY_CODES)
  currency?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this instant; the opening balance is the balance just before it' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this instant; the closing balance is the balance just before it' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page (older entries)' })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor this API gave' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class AccountStatementEntryDto {
  @ApiProperty({ description: 'The ledger entry' }) entryId!: string;
  @ApiProperty({ format: 'uuid', description: 'The ledger transaction it belongs to' }) transactionId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'job-pay', description: 'The kind of posting' }) kind!: string;
  @ApiProperty({ example: 'Paid for job “40 brackets (cnc-milling)” for “Seed rack”', description: 'What it was, in words' }) description!: string;
  @ApiProperty({ example: 'Project “Seed rack”', description: 'The other side, by name' }) counterparty!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The job, for paid work (its receipt: …/jobs/:id/receipt)' }) jobId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The node that did the job (a node owner’s receipt is under this node)' }) jobNodeId!: string | null;
  @ApiProperty({ type: Boolean, description: 'The job has been paid (it has a receipt)' }) jobPaid!: boolean;
  @ApiProperty({ type: String, nullable: true }) memo!: string | null;
  @ApiProperty({ ...AMOUNT_DOC, example: '-50000', description: 'Minor units, signed: negative is money out' }) amount!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The account’s balance after this entry' }) balanceAfter!: string;
}

export class AccountStatementDto {
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The ledger account (null: no money has moved in this currency yet)' }) accountId!: string | null;
  @ApiProperty(CURRENCY_DOC) currency!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) from!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) to!: string | null;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The balance just before the period (0 without `from`)' }) opening!: string;
  @ApiProperty({ ...AMOUNT_DOC, description: 'The balance at the end of the period (now, without `to`)' }) closing!: string;
  @ApiProperty({ description: 'Entries in the period' }) total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty({ type: [AccountStatementEntryDto], description: 'Newest first' }) items!: AccountStatementEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null on the last' }) nextCursor!: string | null;
}

/** A statement page as the API gives it; `counterparty` in the words of the caller's pages. */
export function statementDto(
  page: StatementPage,
  meta: { accountId: string | null; currency: string; from: string | null; to: string | null; limit: number },
  counterparty: (line: StatementPage['lines'][number]) => string,
): AccountStatementDto {
  return {
    ...meta,
    opening: String(page.opening),
    closing: String(page.closing),
    total: page.total,
    nextCursor: page.nextCursor,
    items: page.lines.map((l) => ({
      entryId: l.entryId,
      transactionId: l.transactionId,
      at: l.at.toISOString(),
      kind: l.kind,
      description: l.description,
      counterparty: counterparty(l),
      jobId: l.other.job?.id ?? null,
      jobNodeId: l.other.job?.nodeId ?? null,
      jobPaid: l.other.job?.payment === 'paid' || l.other.job?.payment === 'part-paid',
      memo: l.memo,
      amount: String(l.amount),
      balanceAfter: String(l.balanceAfter),
    })),
  };
}
