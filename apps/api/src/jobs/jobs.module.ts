import { Module } from '@nestjs/common';
import { NodeTokenGuard } from '../auth/node-token.guard';
import { NodesModule } from '../nodes/nodes.module';
import { JobsAdminController, NodeAttemptsController, NodeJobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Jobs: created by the coordinator against a demand, offered to nodes, answered through the node API. */
@Module({ imports: [NodesModule], controllers: [JobsAdminController, NodeJobsController, NodeAttemptsController], providers: [JobsService, NodeTokenGuard], exports: [JobsService] })
export class JobsModule {}
