import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { AdminDecisionsController } from './admin-decisions.controller';
import { DecisionsService } from './decisions.service';
import { MemberDecisionsController } from './member-decisions.controller';

/** Member decisions at the edge: the member API (the web app's decision page uses it) and the coordinator's view. */
@Module({
  controllers: [MemberDecisionsController, AdminDecisionsController],
  providers: [DecisionsService, MemberTokenGuard],
})
export class DecisionsModule {}
