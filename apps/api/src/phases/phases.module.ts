import { Module } from '@nestjs/common';
import { IdempotencyService } from '../common/idempotency.service';
import { PhasesController } from './phases.controller';
import { PhasesService } from './phases.service';

/** Phase plans and phase work of production projects: plan, start, and where each phase stands. */
@Module({
  controllers: [PhasesController],
  providers: [PhasesService, IdempotencyService],
  exports: [PhasesService],
})
export class PhasesModule {}
