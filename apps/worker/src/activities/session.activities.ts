import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { log } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import type { SignInMailInput } from '@app/contracts';
import { MemberEntity } from '@app/db';
import { Mailer, MemberLinks, renderSignInMail } from '@app/mail';
import { sendMailOnce } from './send-mail';

/** Activities of the web app's sign-in. */
@Injectable()
export class SessionActivities {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly mailer: Mailer,
    private readonly links: MemberLinks,
  ) {}

  /** The sign-in email, once per request; nothing for a member suspended meanwhile. */
  async sendSignInMail(input: SignInMailInput): Promise<'sent' | 'already-sent' | 'skipped'> {
    const member = await this.ds.getRepository(MemberEntity).findOneBy({ id: input.memberId });
    if (!member || member.status !== 'active') return 'skipped';
    const mail = renderSignInMail({ memberName: member.name, link: this.links.signIn(member.id, input.path) });
    const result = await sendMailOnce(this.mailer, `sign-in:${input.requestId}`, { to: member.email, ...mail });
    log.info('sign-in mail', { requestId: input.requestId, result: result.status });
    return result.status;
  }
}
