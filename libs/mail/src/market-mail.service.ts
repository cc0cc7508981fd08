import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TradeNotice } from '@app/db';
import { formatMoney } from '@app/domain';
import { MailOutbox } from './mailer.service';
import { MemberLinks } from './member-links';
import { renderMarketTradeMail } from './templates/market-mail';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The emails of settled market trades: one to the seller and one to the buyer of each, queued in
 * the trade's own transaction (key `market:trade:<id>:<side>`), so they go out if and only if the
 * trade commits. Used as the MarketRepository's notifier by the API and the worker.
 */
@Injectable()
export class MarketMail {
  constructor(
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
  ) {}

  readonly notify = async (notices: TradeNotice[], m: EntityManager): Promise<void> => {
    const expires = new Date(Date.now() + 14 * DAY);
    const mails = notices.flatMap((n) =>
      (['seller', 'buyer'] as const).map((side) => {
        const me = n[side];
        const other = side === 'seller' ? n.buyer : n.seller;
        return {
          key: `market:trade:${n.trade.id}:${side}`,
          to: me.email,
          ...renderMarketTradeMail({
            side,
            memberName: me.name,
            otherName: other.name,
            assetName: n.assetName,
            parts: `${n.trade.parts} of ${n.totalParts} parts`,
            pricePerPart: formatMoney(n.trade.pricePerPart, n.trade.currency),
            amount: formatMoney(n.trade.amount, n.trade.currency),
            link: this.links.page(me.id, '/me/market', expires),
          }),
        };
      }),
    );
    await this.outbox.enqueueMany(mails, m);
  };
}
