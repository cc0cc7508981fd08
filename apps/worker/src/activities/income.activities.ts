import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import type { QuarterIncomeResult } from '@app/contracts';
import { AssetIncomeRepository, IncomeRefusal } from '@app/db';
import { IncomeMail } from '@app/mail';

/**
 * Output that earns, at the quarter's end: the order cycle shares an ended quarter's income from
 * sales among the asset's owners by output share (`AssetIncomeRepository.distribute`, one
 * transaction, once per asset and quarter: a retry or the coordinator's endpoint run first
 * answer the same distribution) and emails each owner their part (once per key).
 */
@Injectable()
export class IncomeActivities {
  constructor(
    private readonly income: AssetIncomeRepository,
    private readonly mail: IncomeMail,
  ) {}

  async distributeQuarterIncome(input: { assetId: string; quarter: string }): Promise<QuarterIncomeResult> {
    try {
      const r = await this.income.distribute(input.assetId, input.quarter, 'order-cycle');
      await this.mail.queue(r.distribution.id);
      log.info('quarter income shared', { ...input, income: String(r.distribution.income), owners: r.lineCount, replayed: r.replayed });
      return { distributed: true, income: String(r.distribution.income), currency: r.distribution.currency };
    } catch (err) {
      // A quarter the rules refuse (never planned, not over, mixed currencies) is not retried: nothing was written.
      if (!(err instanceof IncomeRefusal)) throw err;
      log.info('quarter income not shared', { ...input, reason: err.code });
      return { distributed: false, reason: err.code };
    }
  }
}
