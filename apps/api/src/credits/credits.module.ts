import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { CreditsAdminController, MemberCreditsController } from './credits.controller';

/** Jobs paid in output: the credits of an asset and those a member holds (created with their job, see jobs). */
@Module({ controllers: [CreditsAdminController, MemberCreditsController], providers: [MemberTokenGuard] })
export class CreditsModule {}
