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
  providers: [ProjectsRepository, LedgerService, OwnershipService, DecisionsRepository, FundingRepository, NamesRepository, SessionsRepository, MemberPagesRepository, PublicPagesRepository],
  exports: [ProjectsRepository, LedgerService, OwnershipService, DecisionsRepository, FundingRepository, NamesRepository, SessionsRepository, MemberPagesRepository, PublicPagesRepository],
})
export class DbModule {}
