import { Module } from '@nestjs/common';
import { MemberTokensController, MemberTokensService } from './member-tokens';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  controllers: [MembersController, MemberTokensController],
  providers: [MembersService, MemberTokensService],
  exports: [MembersService],
})
export class MembersModule {}
