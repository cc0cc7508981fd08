import { Injectable } from '@nestjs/common';
import { log } from '@temporalio/activity';
import type { PayJobInput, ReserveJobResult, SettleCancelledJobInput, SettleResult } from '@app/contracts';
import { JobPaymentsRepository } from '@app/db';

/**
 * The money of paid work: reserve a job's price, pay it to the node owner, settle a cancelled job.
 * Each is one idempotent transaction in `JobPaymentsRepository` (ledger keys per job and step), so
 * Temporal may retry it freely; the job workflow runs them in non-cancellable scopes.
 */
@Injectable()
export class PaymentActivities {
  constructor(private readonly payments: JobPaymentsRepository) {}

  /** Holds the price (`amount`, minor units) from the paying account; not enough money answers the figures (nothing moves). */
  async reserveJobPrice(input: { jobId: string; amount: string }): Promise<ReserveJobResult> {
    const result = await this.payments.reserve(input.jobId, BigInt(input.amount));
    if (!result.reserved) log.info('job waits for money', { jobId: input.jobId, asked: result.asked, available: result.available });
    return result;
  }

  /** Pays the job's hold to the node owner (once). */
  async payJobPrice(input: PayJobInput): Promise<SettleResult> {
    const result = await this.payments.pay(input.jobId, input.run);
    log.info('job paid', { jobId: input.jobId, run: input.run, paid: result.paid });
    return result;
  }

  /** A cancelled job: pays the reported progress if asked, releases the rest to the payer. */
  async settleCancelledJob(input: SettleCancelledJobInput): Promise<SettleResult> {
    const result = await this.payments.settleCancelled(input.jobId, input.payProgress);
    log.info('cancelled job settled', { jobId: input.jobId, ...result });
    return result;
  }
}
