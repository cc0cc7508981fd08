import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { MeController } from './me.controller';
import { MeService } from './me.service';

/** The member pages of the web app: agenda, round page, holdings, account and statement, order page. */
@Module({ controllers: [MeController], providers: [MeService, MemberTokenGuard] })
export class MeModule {}
