import { Module } from '@nestjs/common';
import { DecisionLinks } from './decision-links';
import { MailRelay } from './mail-relay.service';
import { Mailer, MailOutbox } from './mailer.service';
import { MemberLinks } from './member-links';
import { CoordinatorLinks } from './coordinator-links';
import { LeaseMail } from './lease-mail.service';
import { IncomeMail } from './income-mail.service';
import { MarketMail } from './market-mail.service';

/** Email and signed links: queuing mail and checking links, for the API and the worker. */
@Module({
  providers: [MailOutbox, DecisionLinks, MemberLinks, CoordinatorLinks, IncomeMail, MarketMail, LeaseMail],
  exports: [MailOutbox, DecisionLinks, MemberLinks, CoordinatorLinks, IncomeMail, MarketMail, LeaseMail],
})
export class MailModule {}

/** The relay that sends the outbox over SMTP: imported by the worker only. */
@Module({
  imports: [MailModule],
  providers: [Mailer, MailRelay],
  exports: [Mailer, MailRelay],
})
export class MailRelayModule {}
