import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DbModule } from '@app/db';
import { MailModule, MailRelayModule } from '@app/mail';
import { NodesLibModule } from '@app/nodes';
import { TemporalClientModule } from '@app/temporal';
import { ACTIVITY_CLASSES } from './activities';
import { MetricsServer } from './metrics-server.service';
import { TemporalWorkerService } from './temporal-worker.service';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DbModule, MailModule, MailRelayModule, NodesLibModule, TemporalClientModule],
      providers: [...ACTIVITY_CLASSES, TemporalWorkerService, MetricsServer],
    };
  }
}
