import { Injectable } from '@nestjs/common';
import { AssetIncomeRepository, AssetsRepository } from '@app/db';
import { Currency, formatMoney } from '@app/domain';
import { MailOutbox } from './mailer.service';
import { MemberLinks } from './member-links';
import { renderIncomeMail } from './templates/income-mail';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Tells each owner with a part of a distribution what they got and why, through the outbox
 * (key `income:<distribution>:<member>`: queued once, however often this runs), 500 at a time.
 * Used by the API's distribution endpoint and by the order cycle's activity alike.
 */
@Injectable()
export class IncomeMail {
  constructor(
    private readonly income: AssetIncomeRepository,
    private readonly assets: AssetsRepository,
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
  ) {}

  async queue(distributionId: string): Promise<number> {
    const d = await this.income.distributionById(distributionId);
    if (!d) return 0;
    const asset = await this.assets.findById(d.assetId);
    let after: string | null = null;
    let queued = 0;
    for (;;) {
      const batch = await this.income.mailees(distributionId, after, 500);
      if (batch.length === 0) break;
      after = batch[batch.length - 1].memberId;
      const mails = batch
        .filter((l) => l.amount > 0n)
        .map((l) => ({
          key: `income:${distributionId}:${l.memberId}`,
          to: l.email,
          ...renderIncomeMail({
            memberName: l.name,
            assetName: asset?.name ?? d.assetId,
            quarter: d.quarter,
            amount: formatMoney(l.amount, d.currency as Currency),
            explanation: l.explanation,
            link: this.links.page(l.memberId, '/me/holdings', new Date(Date.now() + 14 * DAY)),
          }),
        }));
      if (mails.length) queued += await this.outbox.enqueueMany(mails);
    }
    return queued;
  }
}
