import { Module } from '@nestjs/common';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { MemberOrdersController, OrdersAdminController, PublicPlansController } from './orders.controller';
import { OrdersService } from './orders.service';

/** Quarterly output orders of co-owned producing assets. */
@Module({ controllers: [OrdersAdminController, MemberOrdersController, PublicPlansController], providers: [OrdersService, MemberTokenGuard] })
export class OrdersModule {}
