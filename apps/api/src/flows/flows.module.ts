import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { NodeTokenGuard } from '../auth/node-token.guard';
import { FlowsAdminController, MemberFlowsController, NodeHandoffsController } from './flows.controller';
import { FlowsService } from './flows.service';

/** Production flows: recipes run for a demand across nodes, with transport legs, hand-offs answered by the receiver, and lot traces. */
@Module({ controllers: [FlowsAdminController, NodeHandoffsController, MemberFlowsController], providers: [FlowsService, NodeTokenGuard, MemberTokenGuard] })
export class FlowsModule {}
