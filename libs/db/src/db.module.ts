import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { dataSourceOptions } from './data-source.options';
import { DecisionsRepository } from './decisions/decisions.repository';
import { FundingRepository } from './funding/funding.repository';
import { LedgerService } from './ledger/ledger.service';
import { NamesRepository } from './names/names.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { MemberPagesRepository } from './web-pages/member-pages.repository';
import { PublicPagesRepository } from './web-pages/public-pages.repository';
import { OwnershipService } from './ownership/ownership.service';
import { ProjectsRepository } from './projects/projects.repository';
import { AssetsRepository } from './assets/assets.repository';
import { JobsRepository } from './jobs/jobs.repository';
import { JobPaymentsRepository } from './job-payments/job-payments.repository';
import { AssetIncomeRepository } from './asset-income/asset-income.repository';
import { OutputCreditsRepository } from './output-credits/output-credits.repository';
import { BuyoutsRepository } from './buyouts/buyouts.repository';
import { MarketRepository } from './market/market.repository';
import { LocationsRepository } from './locations/locations.repository';
import { MailOutboxRepository } from './mail-outbox/mail-outbox.repository';
import { MembersRepository } from './members/members.repository';
import { NodesRepository } from './nodes/nodes.repository';
import { OutputOrdersRepository } from './output-orders/output-orders.repository';
import { ProjectPhasesRepository } from './project-phases/project-phases.repository';
import { RequestKeysRepository } from './request-keys/request-keys.repository';
import { TokensRepository } from './tokens/tokens.repository';
import { CoordinatorsRepository } from './coordinators/coordinators.repository';
import { AuditRepository } from './audit/audit.repository';
import { StatementsRepository } from './statements/statements.repository';
import { LeasesRepository } from './leases/leases.repository';
import { FlowPlanner, FlowsRepository, HandoffsRepository, LotsRepository, PickupPointsRepository, RecipesRepository } from './flows';
import { FlowRunRepository } from './flows/flow-run.repository';

/** Every repository and data service: the only way apps and libs reach PostgreSQL (lint keeps it so). */
const REPOSITORIES = [
  ProjectsRepository,
  FlowRunRepository,
  FlowPlanner,
  ProjectPhasesRepository,
  LedgerService,
  OwnershipService,
  DecisionsRepository,
  FundingRepository,
  JobsRepository,
  JobPaymentsRepository,
  AssetIncomeRepository,
  OutputCreditsRepository,
  BuyoutsRepository,
  MarketRepository,
  NodesRepository,
  TokensRepository,
  MembersRepository,
  LocationsRepository,
  AssetsRepository,
  RequestKeysRepository,
  MailOutboxRepository,
  OutputOrdersRepository,
  NamesRepository,
  SessionsRepository,
  MemberPagesRepository,
  PublicPagesRepository,
  CoordinatorsRepository,
  AuditRepository,
  StatementsRepository,
  LeasesRepository,
  RecipesRepository,
  FlowsRepository,
  HandoffsRepository,
  LotsRepository,
  PickupPointsRepository,
];

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.databaseUrl, {
          connectTimeoutMs: config.database.connectTimeoutMs,
          statementTimeoutMs: config.database.statementTimeoutMs,
        }),
        // Let the process start while PostgreSQL is still coming up; /health reports it.
        retryAttempts: 10,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class DbModule {}
