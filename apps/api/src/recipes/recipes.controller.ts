import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { RecipesRepository } from '@app/db';
import { Actor, AdminGuard } from '../auth/admin.guard';
import { pageOf } from '../common/dto';
import { IdempotencyKey, UuidParam } from '../common/params';
import { ListRecipesQuery, RecipeDto, RecipePageDto, RecipeProblemsDto, RecipeRecordDto } from './recipes.dto';
import { RecipesService } from './recipes.service';

@ApiTags('admin: flows')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/recipes')
export class RecipesAdminController {
  constructor(
    private readonly recipes: RecipesService,
    private readonly rows: RecipesRepository,
  ) {}

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a recipe without saving it: every problem (cycle, unknown input, unit mismatch…) with the step concerned; none: it is valid' })
  @ApiOkResponse({ type: RecipeProblemsDto })
  validate(@Body() dto: RecipeDto): RecipeProblemsDto {
    return { problems: this.recipes.validate(dto) };
  }

  @Post()
  @ApiOperation({ summary: 'Save a recipe as a reusable template: the same name again makes its next version (flows keep the version they ran)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key with the same recipe answers the first save' })
  @ApiCreatedResponse({ type: RecipeRecordDto })
  @ApiUnprocessableEntityResponse({ description: 'invalid_recipe, with `problems` (code, step, detail) and the same as field errors `steps.<index>`' })
  @ApiConflictResponse({ description: 'idempotency_key_reused' })
  async create(@Body() dto: RecipeDto, @Actor() actor: string, @IdempotencyKey() key: string | undefined, @Res({ passthrough: true }) res: Response): Promise<RecipeRecordDto> {
    const { recipe, replayed } = await this.recipes.create(dto, actor, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Location', `/admin/recipes/${recipe.id}`);
    return RecipeRecordDto.from(recipe);
  }

  @Get()
  @ApiOperation({ summary: 'Saved recipes, newest first (optionally every version of one name)' })
  @ApiOkResponse({ type: RecipePageDto })
  async list(@Query() q: ListRecipesQuery): Promise<RecipePageDto> {
    const page = pageOf(q);
    const r = await this.rows.list({ name: q.name, ...page });
    return { items: r.items.map((x) => RecipeRecordDto.from(x)), total: r.total, ...page };
  }

  @Get(':id')
  @ApiOkResponse({ type: RecipeRecordDto })
  @ApiNotFoundResponse()
  async get(@UuidParam() id: string): Promise<RecipeRecordDto> {
    return RecipeRecordDto.from(await this.recipes.get(id));
  }
}
