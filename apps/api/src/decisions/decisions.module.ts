import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { AdminDecisionsController } from './admin-decisions.controller';
import { DecisionPageController } from './decision-page.controller';
import { DecisionsService } from './decisions.service';
import { MemberDecisionsController } from './member-decisions.controller';

/** Member decisions at the edge: the page behind emailed links, the member API and the coordinator's view. */
@Module({
  imports: [MailModule],
  controllers: [MemberDecisionsController, DecisionPageController, AdminDecisionsController],
  providers: [DecisionsService, MemberTokenGuard],
})
export class DecisionsModule {}
