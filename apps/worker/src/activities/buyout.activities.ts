import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import type { BuyoutChangeRequest, BuyoutStatus, BuyoutStepResult } from '@app/contracts';
import { BuyoutMailHook, BuyoutsRepository, BuyoutStepMail } from '@app/db';
import { formatMoney } from '@app/domain';
import { MailOutbox, MemberLinks, renderBuyoutMail } from '@app/mail';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The operator's buy-out, for `buyoutWorkflow`: when a quarter ends, its step (one transaction in
 * `BuyoutsRepository.step`, once per agreement and quarter: a retry answers the same step), with
 * an email to the operator and to each seller who sold queued in that transaction (keys
 * `buyout:<agreement>:<quarter>:<member>`), and the pause/resume/end changes the parties agreed.
 */
@Injectable()
export class BuyoutActivities {
  constructor(
    private readonly buyouts: BuyoutsRepository,
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
  ) {}

  async buyoutQuarterEnd(input: { agreementId: string; quarter: string }): Promise<{ endsAt: string }> {
    return { endsAt: (await this.buyouts.quarterEnd(input.agreementId, input.quarter)).toISOString() };
  }

  async runBuyoutStep(input: { agreementId: string; quarter: string; final: boolean }): Promise<BuyoutStepResult> {
    const r = await this.buyouts.step(input.agreementId, input.quarter, { final: input.final }, (mail, m) => this.queueMail(mail, m));
    log.info('buy-out step', { ...input, outcome: r.outcome, status: r.status, parts: String(r.step?.parts ?? 0n), replayed: r.replayed });
    return {
      outcome: r.outcome,
      status: r.status,
      parts: String(r.step?.parts ?? 0n),
      amount: String(r.step?.amount ?? 0n),
      money: String(r.step?.money ?? 0n),
      completed: r.step?.completed ?? false,
      replayed: r.replayed,
    };
  }

  async recordBuyoutChange(input: BuyoutChangeRequest & { agreementId: string }): Promise<{ applied: boolean; status: BuyoutStatus }> {
    const r = await this.buyouts.recordChange(input.agreementId, input);
    log.info('buy-out change', { agreementId: input.agreementId, action: input.action, applied: r.applied, status: r.status });
    return r;
  }

  private async queueMail(d: BuyoutStepMail, m: Parameters<BuyoutMailHook>[1]): Promise<void> {
    const { agreement: a, step } = d;
    const money = (v: bigint) => formatMoney(v, a.currency);
    const link = (memberId: string) => this.links.page(memberId, '/me/buyouts', new Date(Date.now() + 14 * DAY));
    const key = (memberId: string) => `buyout:${a.id}:${step.quarter}:${memberId}`;
    const done = step.completed ? ' The agreement is complete.' : '';
    const mails = [
      {
        key: key(d.operator.memberId),
        to: d.operator.email,
        ...renderBuyoutMail({
          memberName: d.operator.name,
          assetName: a.assetName,
          quarter: step.quarter,
          role: 'operator',
          parts: String(step.parts),
          amount: money(step.amount),
          standing: `You own ${step.operatorPartsAfter} of ${a.totalParts} parts; the target is ${a.targetParts}. ${money(step.unspent)} of the quarter's ${money(step.money)} was not needed and stays with you (${step.note}). Still to buy: ${a.claimParts} parts, ${money(a.claimAmount)}.${done}`,
          link: link(d.operator.memberId),
        }),
      },
      // Sellers who sold this quarter (the others' claim did not change).
      ...d.sellers.filter((s) => s.parts > 0n).map((s) => ({
        key: key(s.memberId),
        to: s.email,
        ...renderBuyoutMail({
          memberName: s.name,
          assetName: a.assetName,
          quarter: step.quarter,
          role: 'seller' as const,
          parts: String(s.parts),
          amount: money(s.amount),
          standing: `Your remaining claim: ${s.claimParts} parts still to be bought from you, ${money(s.claimAmount)} at ${money(a.pricePerPart)} a part.${done}`,
          link: link(s.memberId),
        }),
      })),
    ];
    await this.outbox.enqueueMany(mails, m);
  }
}
