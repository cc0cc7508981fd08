import { Body, Controller, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MemberEntity } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { UuidParam } from '../common/params';
import { ProblemException } from '../common/problem';
import { CatalogueDto, PlaceOrderDto } from './orders.dto';
import { OrdersService } from './orders.service';

@ApiTags('admin: output orders')
@ApiBearerAuth('coordinator')
@UseGuards(AdminGuard)
@Controller('admin/assets/:id')
export class OrdersAdminController {
  constructor(private readonly orders: OrdersService) {}

  @Put('catalogue')
  @ApiOperation({ summary: "Set a producing asset's output catalogue, quarterly capacity and time zone" })
  async catalogue(@UuidParam() id: string, @Body() dto: CatalogueDto) {
    const a = await this.orders.setCatalogue(id, dto);
    return { assetId: a.id, timeZone: a.timeZone, quarterlyCapacity: a.quarterlyCapacity, capacityUnit: a.capacityUnit, saleCurrency: a.saleCurrency, products: a.outputCatalogue };
  }

  @Post('order-cycle')
  @HttpCode(200)
  @ApiOperation({ summary: "Start the asset's quarterly order cycle (once; it runs for years)" })
  @ApiConflictResponse({ description: 'no_catalogue' })
  start(@UuidParam() id: string) {
    return this.orders.startCycle(id);
  }

  @Get('plans')
  @ApiOperation({ summary: 'Quarter plans with every owner’s lines (and each granted output credit’s line for its holder, with its reason), the credits taken off the top, and the work still in progress' })
  plans(@UuidParam() id: string) {
    return this.orders.plans(id, true);
  }
}

@ApiTags('member')
@ApiBearerAuth('member')
@UseGuards(MemberTokenGuard)
@Controller('members/me/assets/:id')
export class MemberOrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get('orders')
  @ApiOperation({ summary: 'The open (or next) order window of an asset you co-own, its catalogue and your order' })
  async view(@CurrentMember() m: MemberEntity, @UuidParam() id: string) {
    if (!(await this.orders.isOwner(id, m.id))) throw new ProblemException(403, 'not_an_owner', 'only co-owners of the asset order its output');
    return this.orders.myView(id, m.id);
  }

  @Post('orders')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Place or replace your order for the open quarter (one database transaction, checked against the catalogue as the window opened); answers your own order only',
  })
  @ApiOkResponse()
  @ApiConflictResponse({ description: 'order_window_closed' })
  order(@CurrentMember() m: MemberEntity, @UuidParam() id: string, @Body() dto: PlaceOrderDto) {
    return this.orders.order(id, m, dto);
  }

  @Get('plans')
  @ApiOperation({ summary: 'Quarter plans of an asset you co-own: who gets what, and what is in progress' })
  async plans(@CurrentMember() m: MemberEntity, @UuidParam() id: string) {
    if (!(await this.orders.isOwner(id, m.id))) throw new ProblemException(403, 'not_an_owner', 'only co-owners see every owner’s lines; see /public/assets/:id/plans');
    return this.orders.plans(id, true);
  }
}

@ApiTags('public')
@Controller('public/assets/:id')
export class PublicPlansController {
  constructor(private readonly orders: OrdersService) {}

  @Get('plans')
  @ApiOperation({ summary: 'What the asset produces each quarter (product totals) and what is in progress: for prospective buyers of fractions' })
  plans(@UuidParam() id: string) {
    return this.orders.plans(id, false);
  }
}
