import { Module } from '@nestjs/common';
import { NodeTokenGuard } from '../auth/node-token.guard';
import { JobsAdminController, NodeJobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Jobs: created by the coordinator against a demand, offered to nodes, answered through the node API. */
@Module({ controllers: [JobsAdminController, NodeJobsController], providers: [JobsService, NodeTokenGuard] })
export class JobsModule {}
