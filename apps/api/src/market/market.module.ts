import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { MarketAdminController, MemberMarketController, PublicMarketController } from './market.controller';
import { MarketService } from './market.service';

/** The fraction market of co-owned assets: settings (coordinator), listings, bids and claims (members), the book (anyone). */
@Module({ imports: [MailModule], controllers: [MarketAdminController, PublicMarketController, MemberMarketController], providers: [MarketService, MemberTokenGuard] })
export class MarketModule {}
