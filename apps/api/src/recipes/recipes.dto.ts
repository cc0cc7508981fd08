import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsNumber, IsOptional, IsString, IsUrl, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Recipe, RECIPE_MAX_INPUTS, RECIPE_MAX_STEPS, RecipeInput, RecipeProblem, RecipeStep } from '@app/contracts';
import type { RecipeRecord } from '@app/db';
import { PageQuery, Trim } from '../common/dto';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/**
 * The DTOs check shapes and bound the payload; the recipe's rules (limits, units, cycles, scrap and
 * lead-time ranges) are `validateRecipe`'s, answered as 422 `invalid_recipe` with every problem.
 * So the bounds here are generous multiples of the recipe limits.
 */
const PAYLOAD_STEPS = RECIPE_MAX_STEPS * 4;
const PAYLOAD_INPUTS = RECIPE_MAX_INPUTS * 4;

export const RECIPE_PROBLEM_CODES: RecipeProblem['code'][] = [
  'cycle',
  'unknown_input',
  'unit_mismatch',
  'duplicate_step',
  'no_output_step',
  'several_output_steps',
  'too_many_steps',
  'too_many_inputs',
  'bad_quantity',
  'bad_scrap_rate',
  'bad_lead_time',
  'self_input',
  'unused_step',
  'bad_slug',
  'duplicate_input',
];

export class RecipeInputDto implements RecipeInput {
  @ApiProperty({ example: 'cut', description: 'The key of the step whose output is consumed' })
  @Matches(SLUG, { message: 'step must be a lower-case slug such as cut' })
  @MaxLength(40)
  @IsString()
  step!: string;

  @ApiProperty({ example: 4, description: 'How much of that output one unit of this step’s output takes (> 0, at most 3 decimals)' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  perUnit!: number;

  @ApiProperty({ example: 'pcs', description: 'The producing step’s unit' })
  @Trim()
  @MaxLength(32)
  @IsNotEmpty()
  @IsString()
  unit!: string;
}

export class RecipeProducesDto {
  @ApiProperty({ example: 'board' }) @Trim() @MaxLength(100) @IsNotEmpty() @IsString() item!: string;
  @ApiProperty({ example: 'pcs' }) @Trim() @MaxLength(32) @IsNotEmpty() @IsString() unit!: string;
}

export class RecipeStepDto implements RecipeStep {
  @ApiProperty({ example: 'cut', description: 'Unique in the recipe: a lower-case slug' })
  @Matches(SLUG, { message: 'key must be a lower-case slug such as cut' })
  @MaxLength(40)
  @IsString()
  key!: string;

  @ApiProperty({ example: 'cnc-milling', description: 'The node function that does it' })
  @Matches(SLUG, { message: 'capability must be a lower-case slug such as cnc-milling' })
  @MaxLength(64)
  @IsString()
  capability!: string;

  @ApiProperty({ type: RecipeProducesDto }) @ValidateNested() @Type(() => RecipeProducesDto) produces!: RecipeProducesDto;

  @ApiProperty({ type: [RecipeInputDto], description: 'The earlier steps’ outputs it consumes (none: a first step)' })
  @ValidateNested({ each: true })
  @Type(() => RecipeInputDto)
  @ArrayMaxSize(PAYLOAD_INPUTS)
  @IsArray()
  inputs!: RecipeInputDto[];

  @ApiPropertyOptional({ example: 0.05, description: 'Share of started units expected to be scrapped, 0 ≤ s < 0.5' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  scrapRate?: number;

  @ApiProperty({ example: 24, description: 'Declared lead time from offer to done, in hours (learned ones replace it once there are 3 past jobs)' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  leadTimeHours!: number;

  @ApiPropertyOptional({ example: 'crate', description: 'How its output travels when it must move: pallet, crate, cold-chain, documents. Default crate.' })
  @IsOptional()
  @Matches(SLUG, { message: 'flowType must be a lower-case slug such as cold-chain' })
  @MaxLength(40)
  @IsString()
  flowType?: string;

  @ApiPropertyOptional({ example: 'https://designs.example.org/board.step' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  specUrl?: string;
}

export class RecipeDto implements Recipe {
  @ApiProperty({ example: 'Oak shelf' }) @Trim() @MaxLength(200) @IsNotEmpty() @IsString() name!: string;

  @ApiProperty({ type: [RecipeStepDto], description: `The steps (at most ${RECIPE_MAX_STEPS}); exactly one is consumed by no other: it makes the output` })
  @ValidateNested({ each: true })
  @Type(() => RecipeStepDto)
  @ArrayMaxSize(PAYLOAD_STEPS)
  @ArrayMinSize(1)
  @IsArray()
  steps!: RecipeStepDto[];
}

export class RecipeProblemDto implements RecipeProblem {
  @ApiProperty({ enum: RECIPE_PROBLEM_CODES }) code!: RecipeProblem['code'];
  @ApiPropertyOptional({ description: 'The step concerned' }) step?: string;
  @ApiProperty() detail!: string;
}

export class RecipeProblemsDto {
  @ApiProperty({ type: [RecipeProblemDto], description: 'Empty: the recipe is valid' }) problems!: RecipeProblemDto[];
}

export class RecipeRecordDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Saving the same name again makes the next version' }) version!: number;
  @ApiProperty({ type: RecipeDto }) definition!: RecipeDto;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(r: RecipeRecord): RecipeRecordDto {
    return { id: r.id, name: r.name, version: r.version, definition: r.definition as RecipeDto, createdBy: r.createdBy, createdAt: new Date(r.createdAt).toISOString() };
  }
}

export class RecipePageDto {
  @ApiProperty({ type: [RecipeRecordDto] }) items!: RecipeRecordDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class ListRecipesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Every version of this name' }) @IsOptional() @MaxLength(200) @IsString() name?: string;
}

