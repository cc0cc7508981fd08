import { Module } from '@nestjs/common';
import { DecisionLinks } from './decision-links';
import { Mailer } from './mailer.service';
import { MemberLinks } from './member-links';

/** Email and signed links: used by the worker (sending) and the API (checking links). */
@Module({
  providers: [Mailer, DecisionLinks, MemberLinks],
  exports: [Mailer, DecisionLinks, MemberLinks],
})
export class MailModule {}
