import { Module } from '@nestjs/common';
import { RecipesAdminController } from './recipes.controller';
import { RecipesService } from './recipes.service';

/** Recipes: small graphs of steps, validated and saved as versioned templates for production flows. */
@Module({ controllers: [RecipesAdminController], providers: [RecipesService], exports: [RecipesService] })
export class RecipesModule {}
