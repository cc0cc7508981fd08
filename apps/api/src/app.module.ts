import { BuyoutsModule } from './buyouts/buyouts.module';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DbModule } from '@app/db';
import { TemporalClientModule } from '@app/temporal';
import { AssetsModule } from './assets/assets.module';
import { DecisionsModule } from './decisions/decisions.module';
import { FundingModule } from './funding/funding.module';
import { JobsModule } from './jobs/jobs.module';
import { OrdersModule } from './orders/orders.module';
import { SalesModule } from './sales/sales.module';
import { CreditsModule } from './credits/credits.module';
import { MarketModule } from './market/market.module';
import { HealthModule } from './health/health.module';
import { LedgerModule } from './ledger/ledger.module';
import { LocationsModule } from './locations/locations.module';
import { MembersModule } from './members/members.module';
import { MetricsModule } from './metrics/metrics.module';
import { NodesModule } from './nodes/nodes.module';
import { ProjectsModule } from './projects/projects.module';
import { PublicModule } from './public/public.module';
import { MeModule } from './me/me.module';
import { OperatorModule } from './operator/operator.module';
import { PhasesModule } from './phases/phases.module';
import { ConsoleModule } from './console/console.module';
import { SessionModule } from './session/session.module';
import { PeopleModule } from './people/people.module';
import { WebModule } from './web/web.module';
import { StatementsModule } from './statements/statements.module';
import { LeasesModule } from './leases/leases.module';
import { RecipesModule } from './recipes/recipes.module';
import { FlowsModule } from './flows/flows.module';

/** The HTTP application: one module per capability. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule,
        TemporalClientModule,
        HealthModule,
        MetricsModule,
        ProjectsModule,
        MembersModule,
        LocationsModule,
        NodesModule,
        AssetsModule,
        LedgerModule,
        PublicModule,
        DecisionsModule,
        FundingModule,
        JobsModule,
        OrdersModule,
        SalesModule,
        CreditsModule,
        MarketModule,
        SessionModule,
        MeModule,
        OperatorModule,
        ConsoleModule,
        PeopleModule,
        StatementsModule,
        BuyoutsModule,
        LeasesModule,
        RecipesModule,
        FlowsModule,
        // Listed here, not only under ProjectsModule: Nest registers the routes of nested modules after the
        // root's own imports, so WebModule's catch-all GET would otherwise answer GET …/phases/:phase/plan.
        // (Last but one: the OpenAPI document keeps its order.)
        PhasesModule,
        // Last: the web app answers only the GETs no route above matched.
        WebModule.forRoot(),
      ],
    };
  }
}
