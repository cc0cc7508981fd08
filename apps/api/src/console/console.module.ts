import { Module } from '@nestjs/common';
import { ConsolePagesRepository, ConsoleRepository, JobContextsRepository } from '@app/db';
import { ConsolePagesController } from './console-pages.controller';
import { ConsolePagesService } from './console-pages.service';
import { ConsoleController } from './console.controller';
import { ConsoleService } from './console.service';

/** The coordinator console's reads (the web app's /console). */
@Module({ controllers: [ConsoleController, ConsolePagesController], providers: [ConsoleService, ConsoleRepository, JobContextsRepository, ConsolePagesService, ConsolePagesRepository] })
export class ConsoleModule {}
