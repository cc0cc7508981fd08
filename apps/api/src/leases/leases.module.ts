import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { LeasesAdminController, MemberLeasesController } from './leases.controller';
import { LeasesService } from './leases.service';

/** Leases of output rights: proposed by an owner, answered by the lessee, renewed or ended early by agreement. */
@Module({ imports: [MailModule], controllers: [MemberLeasesController, LeasesAdminController], providers: [LeasesService, MemberTokenGuard] })
export class LeasesModule {}
