import { Module } from '@nestjs/common';
import { IdempotencyService } from '../common/idempotency.service';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/** Production projects: create, list, inspect, advance and cancel (issue #2 walking skeleton). */
@Module({
  controllers: [ProjectsController],
  providers: [ProjectsService, IdempotencyService],
})
export class ProjectsModule {}
