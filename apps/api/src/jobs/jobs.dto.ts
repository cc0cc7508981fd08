import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { COMPLETION_QUANTITY_FACTOR, JOB_TEXT_MAX } from '@app/contracts';
import type { JobOffer, JobProgress, JobStatus, JobView } from '@app/contracts';
import type { JobEntity } from '@app/db';
import { CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, PageQuery, ToBigInt, Trim } from '../common/dto';
import { JobLeadTimesDto, JobProgressDto, JobRefDto, JobRunDto, JobYieldDto } from './job-parts.dto';

const STATUSES: JobStatus[] = ['searching', 'offered', 'waiting-for-capacity', 'no-node', 'accepted', 'waiting-for-money', 'in-progress', 'delivered', 'confirmed', 'cancelled', 'failed'];

/** A job's price: integer minor units (a digit string) in the project's currency. */
export class JobPriceDto {
  @ApiProperty({ ...AMOUNT_DOC, example: '48000' }) @ToBigInt() @IsIntegerAmount({ min: 0n }) amount!: bigint;
  @ApiProperty(CURRENCY_DOC) @IsIn(CURRENCY_CODES) currency!: string;
}
const MAX_QUANTITY = 1_000_000;

/** A job's price in output: units of a product of a co-owned asset in a future quarter. */
export class JobCreditPriceDto {
  @ApiProperty({ format: 'uuid', description: 'A producing asset' }) @IsUUID() assetId!: string;
  @ApiProperty({ example: 'tomatoes', description: "A product of the asset's output catalogue" }) @MaxLength(64) @IsNotEmpty() @IsString() productId!: string;
  @ApiProperty({ example: '2027-Q2', description: 'A quarter the asset has not planned yet' })
  @Matches(/^\d{4}-Q[1-4]$/, { message: 'quarter must look like 2027-Q2' })
  @IsString()
  quarter!: string;
  @ApiProperty({ example: 20, minimum: 1, description: "Units of the product (the catalogue's unit)" }) @Max(MAX_QUANTITY) @Min(1) @IsInt() units!: number;
}

/** The credit a job pays in output, and where it stands. */
export class JobCreditDto extends JobCreditPriceDto {
  @ApiProperty({ enum: ['promised', 'granted', 'cancelled'], description: "promised with the job; granted to the owner of the node that did it when the job is confirmed; cancelled with the job" })
  status!: 'promised' | 'granted' | 'cancelled';
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Who holds the credit (the node owner), once granted' }) holderMemberId!: string | null;
}

class RecipientDto {
  @ApiProperty({ enum: ['member', 'node'] }) @IsIn(['member', 'node']) type!: 'member' | 'node';
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
}

class DemandDto {
  @ApiProperty({ enum: ['project'], description: 'The real demand this job serves (orders come with quarterly output orders)' })
  @IsIn(['project'])
  type!: 'project';
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
}

export class CreateJobDto {
  @ApiProperty({ example: 'cnc-milling', description: 'The capability a node needs (see node capabilities)' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'capability must be lower-case letters, digits and dashes' })
  @IsString()
  capability!: string;

  @ApiProperty({ example: 40 }) @Max(MAX_QUANTITY) @Min(1) @IsInt() quantity!: number;

  @ApiProperty({ example: 'parts' }) @Trim() @MaxLength(32) @IsNotEmpty() @IsString() unit!: string;

  @ApiProperty({ example: 'https://designs.example.org/bracket-v2.step' })
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  specUrl!: string;

  @ApiProperty({ format: 'date-time' }) @IsDateString({ strict: true }) dueAt!: string;

  @ApiProperty({ type: RecipientDto }) @ValidateNested() @Type(() => RecipientDto) recipient!: RecipientDto;

  @ApiProperty({ type: DemandDto }) @ValidateNested() @Type(() => DemandDto) demand!: DemandDto;

  @ApiPropertyOptional({ default: 86400, minimum: 5, maximum: 1209600, description: 'Seconds a node has to answer an offer (default a day)' })
  @IsOptional()
  @Max(1_209_600)
  @Min(5)
  @IsInt()
  offerTimeoutSeconds?: number;

  @ApiPropertyOptional({ default: 72, minimum: 0, maximum: 2160, description: 'A counter-offer may be this many hours later than dueAt' })
  @IsOptional()
  @Max(2160)
  @Min(0)
  @IsInt()
  maxDelayHours?: number;

  @ApiPropertyOptional({ default: false, description: 'Take a counter-offer for part of the quantity (the rest is offered on as a job of its own)' })
  @IsOptional()
  @IsBoolean()
  allowPartial?: boolean;

  @ApiPropertyOptional({
    type: JobPriceDto,
    description: "Paid work: reserved from the project's account when a node accepts, paid to the node's owner on confirmed delivery, released on cancel",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobPriceDto)
  price?: JobPriceDto;

  @ApiPropertyOptional({
    type: JobCreditPriceDto,
    description:
      "Paid in output instead of money (not with `price`: 422 price_and_credit): a credit of so many units of a co-owned asset's output in a quarter not yet planned, promised with the job, granted to the owner of the node that does it when the job is confirmed, cancelled with the job. Refusals: 409 quarter_closed, 409 credit_over_capacity (capacity, promised, available, asked), 422 unknown_asset, asset_not_producing, unknown_product",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobCreditPriceDto)
  creditPrice?: JobCreditPriceDto;

  @ApiPropertyOptional({ ...AMOUNT_DOC, description: "The highest price a node's counter-offer may ask (minor units, the price's currency); absent: the price is not negotiable" })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  priceCeiling?: bigint;

  @ApiPropertyOptional({ default: false, description: 'A job cancelled after work began pays the node the share of the price it reported done' })
  @IsOptional()
  @IsBoolean()
  payProgressOnCancel?: boolean;

  @ApiPropertyOptional({ default: 168, minimum: 1, maximum: 2160, description: 'Hours the recipient has to confirm a delivery' })
  @IsOptional()
  @Max(2160)
  @Min(1)
  @IsInt()
  confirmWithinHours?: number;
}

export class ListJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: JobStatus;
}

export class CancelJobDto {
  @ApiProperty({ maxLength: JOB_TEXT_MAX }) @Trim() @MaxLength(JOB_TEXT_MAX) @IsNotEmpty() @IsString() reason!: string;
}

export class SettleJobDto {
  @ApiProperty({ enum: ['pay', 'release'], description: "pay: the node owner is paid the reserved price (as on a confirmation); release: the money goes back to the payer" })
  @IsIn(['pay', 'release'])
  outcome!: 'pay' | 'release';
}

export class RejectOfferDto {
  @ApiProperty({ example: 'No capacity until March', maxLength: JOB_TEXT_MAX }) @Trim() @MaxLength(JOB_TEXT_MAX) @IsNotEmpty() @IsString() reason!: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(100) @IsString() offerId?: string;
}

export class AcceptOfferDto {
  @ApiPropertyOptional({ description: 'The offer being answered (from job.offered); guards against answering a stale one' })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  offerId?: string;
}

export class CounterOfferDto extends AcceptOfferDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'A later due date the node can meet' }) @IsOptional() @IsDateString({ strict: true }) dueAt?: string;
  @ApiPropertyOptional({ description: 'Part of the quantity the node can make' }) @IsOptional() @Max(MAX_QUANTITY) @Min(1) @IsInt() quantity?: number;
  @ApiPropertyOptional({ maxLength: JOB_TEXT_MAX }) @IsOptional() @MaxLength(JOB_TEXT_MAX) @IsString() note?: string;
  @ApiPropertyOptional({ ...AMOUNT_DOC, description: "The price the node asks (minor units, the job's currency): taken up to the job's ceiling, above it refused (422 counter_above_ceiling)" })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  price?: bigint;
}

export class ProgressDto {
  @ApiProperty({ minimum: 0, maximum: 100 }) @Max(100) @Min(0) @IsInt() percent!: number;
  @ApiPropertyOptional({ maxLength: JOB_TEXT_MAX }) @IsOptional() @MaxLength(JOB_TEXT_MAX) @IsString() note?: string;
}

export class DeliveredDocumentDto {
  @ApiProperty({ example: 'Seed rack, detail design rev B' }) @Trim() @MaxLength(200) @IsNotEmpty() @IsString() title!: string;
  @ApiProperty({ example: 'https://designs.example.org/rack/rev-b.zip' })
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;
  @ApiPropertyOptional({ example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  @IsOptional()
  @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'contentHash must be sha256:<64 lower-case hex digits>' })
  contentHash?: string;
}

/** Made and scrapped together are at most 10 × the job's quantity (checked against the job). */
export class CompleteDto {
  @ApiProperty({ minimum: 1, description: `made + scrapped is at most ${COMPLETION_QUANTITY_FACTOR} × the job's quantity` })
  @Max(COMPLETION_QUANTITY_FACTOR * MAX_QUANTITY)
  @Min(1)
  @IsInt()
  made!: number;
  @ApiProperty({ minimum: 0 }) @Max(COMPLETION_QUANTITY_FACTOR * MAX_QUANTITY) @Min(0) @IsInt() scrapped!: number;
  @ApiPropertyOptional({
    type: [DeliveredDocumentDto],
    description: 'Documents delivered with the work: required for a job whose deliverable is a design or a test report (the offer says so); they become the project’s outputs once the recipient confirms.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => DeliveredDocumentDto)
  @IsArray()
  documents?: DeliveredDocumentDto[];
}

export class JobOfferDto implements JobOffer {
  @ApiProperty({ example: '5b1c…:3', description: '<job id>:<n>, as in the job.offered webhook' }) offerId!: string;
  @ApiProperty({ format: 'uuid' }) nodeId!: string;
  @ApiProperty({ format: 'date-time' }) offeredAt!: string;
  @ApiProperty({ nullable: true, enum: ['accepted', 'rejected', 'expired', 'countered', 'undeliverable', 'withdrawn'] }) answer!: JobOffer['answer'];
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) answeredAt!: string | null;
}

/**
 * Runs of a job: the row keeps every run; a live view (from a run since v0.4.0) only the latest
 * few, which are newer than the row's tail when the row lags behind by a moment.
 */
export function mergeRuns(rowRuns: JobView['runs'], live?: JobView | null): JobView['runs'] {
  if (!live) return rowRuns;
  if (live.runCount === undefined) return live.runs; // views of older runs carry every run
  const before = Math.max(0, live.runCount - live.runs.length);
  return [...rowRuns.slice(0, before), ...live.runs];
}

export class JobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: STATUSES }) status!: JobStatus;
  @ApiProperty() capability!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() unit!: string;
  @ApiProperty() specUrl!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ type: JobRefDto }) recipient!: { type: string; id: string };
  @ApiProperty({ type: JobRefDto }) demand!: { type: string; id: string };
  @ApiProperty({ nullable: true, type: String }) nodeId!: string | null;
  @ApiProperty({ type: [JobOfferDto], description: 'The latest offers (at most 10), oldest first; the last is the current one. Every offer: GET /admin/jobs/:id/offers' })
  offers!: JobOffer[];
  @ApiProperty({ description: 'Offers made over the job’s life' }) offerCount!: number;
  @ApiProperty({ type: [JobRunDto], description: 'Each production run: made, scrapped, confirmation' }) runs!: JobView['runs'];
  @ApiProperty({ type: JobProgressDto, nullable: true, description: 'The latest progress report of the current run: percent, note, reportedAt, reports (how many this run)' })
  progress!: JobProgress | null;
  @ApiProperty({ type: JobYieldDto, description: 'Made (not rejected) and scrapped (in production, plus rejected deliveries) over all runs' }) yield!: { made: number; scrapped: number };
  @ApiProperty({ type: JobLeadTimesDto, description: 'Milestones for lead times: offered → accepted → completed → confirmed' })
  leadTimes!: { firstOfferedAt: string | null; acceptedAt: string | null; completedAt: string | null; confirmedAt: string | null };
  @ApiProperty({ nullable: true, type: String }) parentJobId!: string | null;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ nullable: true, type: JobPriceDto, description: 'Paid work: the price (a counter-offer within the ceiling changes it); null: unpaid' })
  price!: { amount: string; currency: string } | null;
  @ApiProperty({ nullable: true, type: String, example: '52000', description: "Paid work: the highest price a counter-offer may ask (minor units, the price's currency); null: the price is not negotiable" })
  priceCeiling!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Paid work: null (not reserved yet), waiting (not enough money), reserved, paid, released, part-paid' })
  payment!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'What was paid to the node owner (minor units)' }) paidAmount!: string | null;
  @ApiProperty({ nullable: true, type: JobCreditDto, description: 'Paid in output: the credit and its status; null: not paid in output (or not loaded in this list)' })
  creditPrice!: JobCreditDto | null;

  static from(j: JobEntity, live?: JobView | null): JobDto {
    const runs = mergeRuns(j.runs, live);
    return {
      id: j.id,
      status: live?.status ?? j.status,
      capability: j.capability,
      quantity: live?.quantity ?? j.quantity,
      unit: j.unit,
      specUrl: j.specUrl,
      dueAt: live?.dueAt ?? j.dueAt.toISOString(),
      recipient: { type: j.recipientType, id: j.recipientId },
      demand: { type: j.demandType, id: j.demandId },
      nodeId: live ? live.nodeId : j.nodeId,
      offers: live?.offers ?? j.offers,
      offerCount: live ? (live.offerCount ?? live.offers.length) : j.offerCount,
      runs,
      // Progress is the node API's (PostgreSQL); views of older runs may still carry one.
      progress: j.progress ?? live?.progress ?? null,
      // A rejected delivery's parts count as scrap: made is what the recipient accepted (or still may).
      yield: {
        made: runs.filter((r) => r.confirmation !== 'rejected').reduce((a, r) => a + r.made, 0),
        scrapped: runs.reduce((a, r) => a + r.scrapped + (r.confirmation === 'rejected' ? r.made : 0), 0),
      },
      leadTimes: {
        firstOfferedAt: j.firstOfferedAt?.toISOString() ?? null,
        acceptedAt: j.acceptedAt?.toISOString() ?? null,
        completedAt: j.completedAt?.toISOString() ?? null,
        confirmedAt: j.confirmedAt?.toISOString() ?? null,
      },
      parentJobId: j.parentJobId,
      workflowId: j.workflowId,
      price: live?.price ?? (j.priceAmount !== null && j.priceCurrency ? { amount: String(j.priceAmount), currency: j.priceCurrency } : null),
      priceCeiling: j.priceCeiling === null ? null : String(j.priceCeiling),
      payment: j.payment ?? null,
      paidAmount: j.paidAmount !== null && j.paidAmount !== undefined ? String(j.paidAmount) : null,
      creditPrice: j.credit
        ? { assetId: j.credit.assetId, productId: j.credit.productId, quarter: j.credit.quarter, units: j.credit.units, status: j.credit.status, holderMemberId: j.credit.holderMemberId }
        : null,
    };
  }
}
