import { Module } from '@nestjs/common';
import { DecisionLinks } from './decision-links';
import { Mailer } from './mailer.service';

/** Email and signed links: used by the worker (sending) and the API (checking links). */
@Module({
  providers: [Mailer, DecisionLinks],
  exports: [Mailer, DecisionLinks],
})
export class MailModule {}
