import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { BuyoutsAdminController, MemberBuyoutsController } from './buyouts.controller';
import { BuyoutsService } from './buyouts.service';

/** The operator's buy-out: agreements, their quarterly steps and remaining claims, pause/resume/end. */
@Module({ controllers: [BuyoutsAdminController, MemberBuyoutsController], providers: [BuyoutsService, MemberTokenGuard] })
export class BuyoutsModule {}
