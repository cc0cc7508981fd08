import { Module } from '@nestjs/common';
import { IdempotencyService } from '../common/idempotency.service';
import { PhasesModule } from '../phases/phases.module';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/** Production projects: create, list, inspect, advance and cancel and skip phases; each phase's work lives in PhasesModule. */
@Module({
  imports: [PhasesModule],
  controllers: [ProjectsController],
  providers: [ProjectsService, IdempotencyService],
})
export class ProjectsModule {}
