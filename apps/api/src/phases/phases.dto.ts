import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  AUTOMATION_LEVELS,
  AutomationLevel,
  DEFAULT_DESIGN_LICENCE,
  OPEN_LICENCES,
  OpenLicence,
  PhasePlan,
  TASK_OUTPUTS,
  TaskOutput,
  WorkingPhase,
} from '@app/contracts';
import { CURRENCY_CODES } from '@app/domain';
import { AMOUNT_DOC, CURRENCY_DOC, IsIntegerAmount, ToBigInt, Trim } from '../common/dto';
import { RoundDocumentDto } from '../funding/funding.dto';
import { JobPriceDto } from '../jobs/jobs.dto';
import { ProjectGateDto } from '../projects/dto/project.dto';

const KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class RecipientDto {
  @ApiProperty({ enum: ['member', 'node'], description: 'A member confirms the delivery; for a node, its owner does.' })
  @IsIn(['member', 'node'])
  type!: 'member' | 'node';

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class CapacityDto {
  @ApiProperty({ example: 'cnc-milling' })
  @Matches(KEY, { message: 'function must be lower-case letters, digits and dashes' })
  function!: string;

  @ApiProperty({ example: 120, minimum: 1 })
  @Min(1)
  @IsInt()
  capacity!: number;
}

export class NodeUpgradeDto {
  @ApiProperty({ format: 'uuid', description: 'The node raised once the upgrade is confirmed (also the task recipient).' })
  @IsUUID()
  nodeId!: string;

  @ApiProperty({ enum: AUTOMATION_LEVELS, example: 'automated' })
  @IsIn(AUTOMATION_LEVELS)
  toLevel!: AutomationLevel;

  @ApiPropertyOptional({ type: [CapacityDto], description: 'New capacity per function (only ever raised).' })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CapacityDto)
  @IsArray()
  capacities?: CapacityDto[];
}

export class PhaseTaskDto {
  @ApiProperty({ example: 'concept-design', description: 'Unique in the plan: names the task across restarts of the phase.' })
  @Matches(KEY, { message: 'key must be lower-case letters, digits and dashes (up to 64)' })
  key!: string;

  @ApiProperty({ example: 'Conceptual and preliminary design of the seed-starting rack' })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  title!: string;

  @ApiProperty({ example: 'design', description: 'The node capability that does the work.' })
  @Matches(KEY, { message: 'capability must be lower-case letters, digits and dashes' })
  capability!: string;

  @ApiProperty({ example: 1, minimum: 1 })
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  quantity!: number;

  @ApiProperty({ example: 'design' })
  @Trim()
  @MaxLength(32)
  @IsNotEmpty()
  @IsString()
  unit!: string;

  @ApiProperty({ example: 'https://designs.example.org/rack/brief.md' })
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  specUrl!: string;

  @ApiProperty({ example: 14, minimum: 1, maximum: 365, description: 'Due this many days after the task is dispatched (after funding).' })
  @Max(365)
  @Min(1)
  @IsInt()
  dueInDays!: number;

  @ApiProperty({ enum: TASK_OUTPUTS, description: 'design (rnd) and test-report (prototyping) are documents the node attaches on completion; upgrade raises the recipient node.' })
  @IsIn(TASK_OUTPUTS)
  output!: TaskOutput;

  @ApiPropertyOptional({ enum: OPEN_LICENCES, description: `Licence of a design or test report; default ${DEFAULT_DESIGN_LICENCE} (open hardware).` })
  @IsOptional()
  @IsIn(OPEN_LICENCES)
  licence?: OpenLicence;

  @ApiProperty({ type: RecipientDto })
  @ValidateNested()
  @Type(() => RecipientDto)
  recipient!: RecipientDto;

  @ApiPropertyOptional({ type: NodeUpgradeDto, description: 'Required for upgrade tasks.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => NodeUpgradeDto)
  upgrade?: NodeUpgradeDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 720, default: 24, description: 'How long a node has to answer an offer.' })
  @IsOptional()
  @Max(720)
  @Min(1)
  @IsInt()
  offerTimeoutHours?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 2160, default: 168, description: 'How long the recipient has to confirm the delivery.' })
  @IsOptional()
  @Max(2160)
  @Min(1)
  @IsInt()
  confirmWithinHours?: number;

  @ApiPropertyOptional({ type: JobPriceDto, description: "Paid work: the task's job is paid this from the project's account (in the budget's currency); the plan's priced tasks must fit the budget plus the project's balance" })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobPriceDto)
  price?: JobPriceDto;

  @ApiPropertyOptional({ ...AMOUNT_DOC, description: "The highest price a node's counter-offer may ask; absent: the price is not negotiable" })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 0n })
  priceCeiling?: bigint;

  @ApiPropertyOptional({ default: false, description: 'A job cancelled after work began pays the share of the price the node reported done' })
  @IsOptional()
  @IsBoolean()
  payProgressOnCancel?: boolean;

  @ApiPropertyOptional({ format: 'uuid', description: "A saved recipe: the task runs as a production flow of its steps (its unit must be the recipe's output unit) instead of one job" })
  @IsOptional()
  @IsUUID()
  recipeId?: string;
}

export class PhaseBudgetDto {
  @ApiProperty({ ...AMOUNT_DOC, description: 'The phase budget: the goal of its funding round' })
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  goal!: bigint;

  @ApiProperty(CURRENCY_DOC)
  @IsIn(CURRENCY_CODES)
  currency!: string;

  @ApiPropertyOptional({ ...AMOUNT_DOC, description: 'Smallest pledge (default 1)' })
  @IsOptional()
  @ToBigInt()
  @IsIntegerAmount({ min: 1n })
  minPledge?: bigint;

  @ApiProperty({ example: 336, minimum: 1, maximum: 8784, description: 'The round stays open this many hours after the phase starts.' })
  @Max(8784)
  @Min(1)
  @IsInt()
  openForHours!: number;

  @ApiPropertyOptional({ default: true, description: 'Close as soon as the goal is reached.' })
  @IsOptional()
  @IsBoolean()
  closeWhenGoalMet?: boolean;

  @ApiPropertyOptional({ enum: ['coordinator', 'members'], default: 'coordinator' })
  @IsOptional()
  @IsIn(['coordinator', 'members'])
  payoutApproval?: 'coordinator' | 'members';

  @ApiPropertyOptional({ format: 'uuid', description: 'The asset the budget buys: its ownership comes from the pledges.' })
  @IsOptional()
  @IsUUID()
  assetId?: string;

  @ApiPropertyOptional({ type: [RoundDocumentDto] })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RoundDocumentDto)
  @IsArray()
  documents?: RoundDocumentDto[];
}

export class PhasePlanDto {
  @ApiProperty({ example: 'Design the seed-starting rack and its automation, under CERN-OHL-S.' })
  @Trim()
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  summary!: string;

  @ApiProperty({ type: [PhaseTaskDto], description: 'A job per task, dispatched once the budget is raised.' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PhaseTaskDto)
  @IsArray()
  tasks!: PhaseTaskDto[];

  @ApiPropertyOptional({ type: PhaseBudgetDto, description: 'Raised by a funding round before any task is dispatched.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PhaseBudgetDto)
  budget?: PhaseBudgetDto;

  @ApiPropertyOptional({ type: ProjectGateDto, description: "The gate after this phase; default: the project's gate." })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProjectGateDto)
  gate?: ProjectGateDto;

  @ApiPropertyOptional({ type: [String], description: 'node-buildout: the registered nodes this phase adds; each must answer a signed ping.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  @IsArray()
  nodes?: string[];

  toPlan(phase: WorkingPhase): PhasePlan {
    return {
      phase,
      summary: this.summary,
      tasks: this.tasks.map((t) => {
        const documents = t.output === 'design' || t.output === 'test-report';
        return {
          key: t.key,
          title: t.title,
          capability: t.capability,
          quantity: t.quantity,
          unit: t.unit,
          specUrl: t.specUrl,
          dueInDays: t.dueInDays,
          output: t.output,
          licence: t.licence ?? (documents ? DEFAULT_DESIGN_LICENCE : null),
          recipient: { type: t.recipient.type, id: t.recipient.id },
          upgrade: t.upgrade ? { nodeId: t.upgrade.nodeId, toLevel: t.upgrade.toLevel, capacities: (t.upgrade.capacities ?? []).map((c) => ({ function: c.function, capacity: c.capacity })) } : null,
          offerTimeoutHours: t.offerTimeoutHours ?? 24,
          confirmWithinHours: t.confirmWithinHours ?? 168,
          // Only priced tasks carry these: an unpriced plan is stored as before.
          ...(t.price ? { price: { amount: String(t.price.amount), currency: t.price.currency } } : {}),
          ...(t.price && t.priceCeiling !== undefined ? { priceCeiling: String(t.priceCeiling) } : {}),
          ...(t.price && t.payProgressOnCancel ? { payProgressOnCancel: true } : {}),
          ...(t.recipeId ? { recipeId: t.recipeId } : {}),
        };
      }),
      budget: this.budget
        ? {
            goal: String(this.budget.goal),
            currency: this.budget.currency,
            minPledge: String(this.budget.minPledge ?? 1n),
            openForHours: this.budget.openForHours,
            closeWhenGoalMet: this.budget.closeWhenGoalMet ?? true,
            payoutApproval: this.budget.payoutApproval ?? 'coordinator',
            assetId: this.budget.assetId ?? null,
            documents: (this.budget.documents ?? []).map((d) => ({ title: d.title, url: d.url, contentHash: d.contentHash })),
          }
        : null,
      gate: this.gate ? this.gate.toGate() : null,
      nodes: this.nodes ?? [],
    };
  }
}

export class SkipPhaseDto {
  @ApiProperty({ example: 'The network already has three conventional woodworking shops.', description: 'Why the phase is skipped (recorded in the timeline).' })
  @Trim()
  @MaxLength(1000)
  @IsNotEmpty()
  @IsString()
  reason!: string;
}

export class StoredPlanDto {
  @ApiProperty({ enum: ['rnd', 'prototyping', 'node-buildout', 'upgrade'] }) phase!: WorkingPhase;
  @ApiProperty({ description: 'Raised on every change.' }) version!: number;
  @ApiProperty({ description: 'The plan as stored (defaults filled in).' }) plan!: PhasePlan;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
