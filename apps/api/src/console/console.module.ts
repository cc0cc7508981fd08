import { Module } from '@nestjs/common';
import { ConsoleRepository, JobContextsRepository } from '@app/db';
import { ConsoleController } from './console.controller';
import { ConsoleService } from './console.service';

/** The coordinator console's reads (the web app's /console). */
@Module({ controllers: [ConsoleController], providers: [ConsoleService, ConsoleRepository, JobContextsRepository] })
export class ConsoleModule {}
