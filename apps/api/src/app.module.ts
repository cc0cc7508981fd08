import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DbModule } from '@app/db';
import { TemporalClientModule } from '@app/temporal';
import { HealthModule } from './health/health.module';
import { ProjectsModule } from './projects/projects.module';

/** The HTTP application: one module per capability. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DbModule, TemporalClientModule, HealthModule, ProjectsModule],
    };
  }
}
