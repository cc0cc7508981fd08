import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { DecisionPageController } from './decision-page.controller';
import { DecisionsService } from './decisions.service';
import { MemberDecisionsController } from './member-decisions.controller';

/** Member decisions at the edge: the page behind emailed links and the member API. */
@Module({
  imports: [MailModule],
  controllers: [MemberDecisionsController, DecisionPageController],
  providers: [DecisionsService, MemberTokenGuard],
})
export class DecisionsModule {}
