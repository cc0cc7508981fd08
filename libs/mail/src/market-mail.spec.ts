import type { EntityManager } from 'typeorm';
import type { TradeNotice } from '@app/db';
import { strictMock } from '../../../test/support/strict-mock';
import { MailOutbox } from './mailer.service';
import { MarketMail } from './market-mail.service';
import { MemberLinks } from './member-links';

describe('MarketMail.notify', () => {
  it('queues one email to each side of each trade, keyed by trade and side, in the trade’s transaction', async () => {
    const outbox = strictMock<MailOutbox>();
    const links = strictMock<MemberLinks>();
    links.page.mockImplementation((id: string, path: string) => `https://dpn.example${path}?m=${id}`);
    outbox.enqueueMany.mockResolvedValue(2);
    const m = {} as EntityManager;
    const notice: TradeNotice = {
      trade: { id: 't1', assetId: 'a', listingId: 'l', bidId: 'b', claimId: null, sellerMemberId: 's', buyerMemberId: 'x', parts: 5n, pricePerPart: 2_500n, amount: 12_500n, currency: 'EUR', createdAt: new Date() },
      assetName: 'Greenhouse',
      totalParts: 100n,
      seller: { id: 's', name: 'Ann', email: 'ann@example.org' },
      buyer: { id: 'x', name: 'Xia', email: 'xia@example.org' },
    };
    await new MarketMail(outbox, links).notify([notice], m);
    const [mails, tx] = outbox.enqueueMany.mock.calls[0];
    expect(tx).toBe(m);
    expect(mails.map((x) => [x.key, x.to, x.subject])).toEqual([
      ['market:trade:t1:seller', 'ann@example.org', 'Sold: 5 of 100 parts of "Greenhouse" for 125.00 EUR'],
      ['market:trade:t1:buyer', 'xia@example.org', 'Bought: 5 of 100 parts of "Greenhouse" for 125.00 EUR'],
    ]);
    expect(mails[0].text).toContain('to Xia at 25.00 EUR a part. 125.00 EUR went to your account');
    expect(mails[1].text).toContain('https://dpn.example/me/market?m=x');
  });
});
