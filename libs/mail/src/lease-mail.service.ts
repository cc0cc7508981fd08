import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Lease, LeaseEvent, MembersRepository } from '@app/db';
import { formatMoney } from '@app/domain';
import { escapeHtml } from './html';
import { KeyedMail, MailOutbox } from './mailer.service';
import { MemberLinks } from './member-links';

const DAY = 86_400_000;

/**
 * Tells both sides of a lease what happened to it (proposed, accepted, declined, a renewal or an
 * early end asked for, answered, a quarter that could not be paid), through the outbox in the
 * caller's transaction: the mail exists exactly when the change committed. One key per event and
 * side, so a repeat queues nothing new.
 */
@Injectable()
export class LeaseMail {
  constructor(
    private readonly members: MembersRepository,
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
  ) {}

  async queue(e: LeaseEvent, m: EntityManager): Promise<void> {
    const l = e.lease;
    const [lessor, lessee] = [await this.members.findById(l.lessorMemberId), await this.members.findById(l.lesseeMemberId)];
    if (!lessor || !lessee) return;
    const what = describe(l, lessor.name, lessee.name);
    const step = 'request' in e ? `${e.kind}:${e.request.id}` : e.kind === 'quarter-unpaid' ? `${e.kind}:${e.quarter}` : e.kind;
    const { subject, body } = words(e, what);
    const mails: KeyedMail[] = [lessor, lessee].map((to) => {
      const text = `Hello ${to.name},\n\n${body}\n\nThe lease: ${this.links.page(to.id, '/me/leases', new Date(Date.now() + 14 * DAY))}\n`;
      return { key: `lease:${l.id}:${step}:${to.id}`, to: to.email, subject, text, html: `<pre style="font-family: system-ui, sans-serif; white-space: pre-wrap">${escapeHtml(text)}</pre>` };
    });
    await this.outbox.enqueueMany(mails, m);
  }
}

function describe(l: Lease, lessor: string, lessee: string): string {
  const term = l.quarters === 1 ? l.firstQuarter : `${l.firstQuarter} to ${l.lastQuarter} (${l.quarters} quarters)`;
  const pay = l.payment === 'upfront' ? 'paid up front' : 'paid at the start of each quarter';
  return `${lessor} leases the output of ${l.parts} of ${l.totalParts} parts of ${l.assetName} to ${lessee}, ${term}, for ${formatMoney(l.price, l.currency)} ${pay}.`;
}

function words(e: LeaseEvent, what: string): { subject: string; body: string } {
  const asset = e.lease.assetName;
  switch (e.kind) {
    case 'proposed':
      return { subject: `Lease proposed: ${asset}`, body: `${what}\n\nThe lessee accepts or declines it.` };
    case 'accepted':
      return { subject: `Lease accepted: ${asset}`, body: `${what}\n\nAccepted: during these quarters the lessee orders this output in the asset's quarterly orders. Ownership does not change.` };
    case 'declined':
      return { subject: `Lease declined: ${asset}`, body: `${what}\n\nThe lessee declined it; nothing changes.` };
    case 'renewal-proposed':
      return { subject: `Lease renewal asked: ${asset}`, body: `${what}\n\nA renewal is asked for: ${e.request.quarters} more quarters for ${formatMoney(e.request.price ?? 0n, e.lease.currency)}. The other side accepts or declines it.` };
    case 'end-proposed':
      return { subject: `Early end of a lease asked: ${asset}`, body: `${what}\n\nAn early end is asked for: the quarters not yet begun would stop. The other side accepts or declines it.` };
    case 'request-declined':
      return { subject: `Lease ${e.request.kind === 'renew' ? 'renewal' : 'early end'} declined: ${asset}`, body: `${what}\n\nThe ${e.request.kind === 'renew' ? 'renewal' : 'early end'} was declined; the lease goes on as it was.` };
    case 'renewed':
      return { subject: `Lease renewed: ${asset}`, body: `${what}\n\nRenewed by ${e.request.quarters} quarters for ${formatMoney(e.request.price ?? 0n, e.lease.currency)}.` };
    case 'ended':
      return {
        subject: `Lease ended early: ${asset}`,
        body: `${what}\n\nEnded by agreement from ${e.from}: the output of those quarters stays with the owner.${e.refund > 0n ? ` ${formatMoney(e.refund, e.lease.currency)} paid up front for them went back to the lessee.` : ''}`,
      };
    case 'quarter-unpaid':
      return {
        subject: `Lease quarter not paid: ${asset}, ${e.quarter}`,
        body: `${what}\n\nThe ${formatMoney(e.amount, e.lease.currency)} due for ${e.quarter} could not be paid from the lessee's account, so the output of ${e.quarter} stays with the owner. The lease goes on with the next quarter.`,
      };
  }
}
