import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { FundingAdminController, MemberRoundsController, PublicRoundsController } from './funding.controller';
import { FundingService } from './funding.service';

/** Funding rounds: opened by the coordinator, pledged to by members, watched by anyone. */
@Module({
  controllers: [FundingAdminController, MemberRoundsController, PublicRoundsController],
  providers: [FundingService, MemberTokenGuard],
})
export class FundingModule {}
