import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { NodeTokenGuard } from '../auth/node-token.guard';
import { MemberDistributionsController, NodeSalesController, SalesAdminController } from './sales.controller';
import { SalesService } from './sales.service';

/** Output that earns: sales of an asset's quarterly output and the quarter's income shared among its owners. */
@Module({ imports: [MailModule], controllers: [SalesAdminController, NodeSalesController, MemberDistributionsController], providers: [SalesService, MemberTokenGuard, NodeTokenGuard] })
export class SalesModule {}
