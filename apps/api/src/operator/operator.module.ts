import { Module } from '@nestjs/common';
import { JobContextsRepository, NodeOperatorRepository } from '@app/db';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { JobsModule } from '../jobs/jobs.module';
import { NodesModule } from '../nodes/nodes.module';
import { NodeOwnerGuard } from './node-owner.guard';
import { OperatorNodeController, OperatorNodesController } from './operator.controller';
import { OperatorService } from './operator.service';

/** The node operator pages' API: a member who owns a node runs it with their own session. */
@Module({
  imports: [JobsModule, NodesModule],
  controllers: [OperatorNodesController, OperatorNodeController],
  providers: [OperatorService, NodeOperatorRepository, JobContextsRepository, MemberTokenGuard, NodeOwnerGuard],
})
export class OperatorModule {}
