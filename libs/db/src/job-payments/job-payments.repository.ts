import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { JobPayment, ReserveJobResult, SettleResult } from '@app/contracts';
import { Currency, LedgerError, movement } from '@app/domain';
import { LedgerService } from '../ledger/ledger.service';
import { RecordNotFoundError } from '../hash';

interface PricedJobRow {
  price_currency: string | null;
  payer_account_id: string | null;
  payer_owner_id: string | null;
  payment: JobPayment | null;
  status: string;
  progress: { percent?: number } | null;
  owner_member_id: string | null;
}

/** Thrown inside the transaction so that a refused reservation leaves nothing behind (not even its key). */
class NotEnoughMoney extends Error {
  constructor(readonly available: bigint) {
    super('not enough money');
  }
}

/** A job whose reservation cannot be settled by hand: its delivery was not left unanswered, or it is settled the other way. */
export class UnsettleableJob extends Error {
  constructor(
    readonly reason: 'not_unanswered' | 'settled',
    readonly payment: JobPayment | null,
  ) {
    super(reason === 'not_unanswered' ? 'only a delivered job whose recipient did not answer in time is settled by hand' : `the job's price is already ${payment}`);
  }
}

/**
 * The money of paid work (`jobs.price_*`, `jobs.payment`): a job's price is held from the paying
 * account in a `hold` account of its own (owner: the payer's owner, scope: the job), paid from
 * there to the node owner's member account, or given back. Each step is one database transaction
 * that locks the job row, moves the money through `LedgerService.post` (keys `job:<id>:reserve`,
 * `job:<id>:pay:<run>`, `job:<id>:pay:cancel`, `job:<id>:release`) and writes where the money is:
 * a retried step moves nothing twice, and the row never says more than the ledger.
 */
@Injectable()
export class JobPaymentsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  /**
   * Holds `amount` (the job's price, or the counter-offer taken) from the paying account. Not
   * enough money: nothing moves, the row says `waiting`, and the figures come back.
   */
  async reserve(jobId: string, amount: bigint): Promise<ReserveJobResult> {
    try {
      return await this.ds.transaction(async (m) => {
        const job = await this.lockJob(m, jobId);
        if (job.payment && job.payment !== 'waiting') return { reserved: true };
        const currency = job.price_currency as Currency;
        if (amount > 0n) {
          const hold = await this.ledger.account('hold', job.payer_owner_id, currency, m, jobId);
          try {
            await this.ledger.post(
              { idempotencyKey: `job:${jobId}:reserve`, kind: 'job-reserve', currency, entries: movement(job.payer_account_id!, hold.id, amount), memo: `job ${jobId}: price reserved` },
              m,
            );
          } catch (err) {
            if (err instanceof LedgerError && err.code === 'insufficient_funds') throw new NotEnoughMoney(await this.ledger.balance(job.payer_account_id!, m));
            throw err;
          }
        }
        await m.query(`UPDATE jobs SET payment = 'reserved', price_amount = $2, updated_at = now() WHERE id = $1`, [jobId, String(amount)]);
        return { reserved: true };
      });
    } catch (err) {
      if (!(err instanceof NotEnoughMoney)) throw err;
      await this.ds.query(`UPDATE jobs SET payment = 'waiting', updated_at = now() WHERE id = $1 AND (payment IS NULL OR payment = 'waiting')`, [jobId]);
      return { reserved: false, available: String(err.available), asked: String(amount) };
    }
  }

  /** Pays what the job's hold account holds to the node owner's account (once: a paid job pays nothing more). */
  async pay(jobId: string, run: number): Promise<SettleResult> {
    return this.ds.transaction(async (m) => {
      const job = await this.lockJob(m, jobId);
      if (job.payment !== 'reserved') return { paid: '0', released: '0' };
      const paid = await this.moveHold(m, jobId, job, 'pay', run, 100);
      await m.query(`UPDATE jobs SET payment = 'paid', paid_amount = $2, updated_at = now() WHERE id = $1`, [jobId, String(paid)]);
      return { paid: String(paid), released: '0' };
    });
  }

  /**
   * A cancelled job: with `payProgress`, the node is paid the share of the hold its latest
   * progress report says is done (a delivered run counts as done; rounded down to the minor unit),
   * and the rest goes back to the payer. Before this is called the job row still has the run's
   * progress (the workflow settles before it records `cancelled`).
   */
  async settleCancelled(jobId: string, payProgress: boolean): Promise<SettleResult> {
    return this.ds.transaction(async (m) => {
      const job = await this.lockJob(m, jobId);
      if (job.payment !== 'reserved') {
        if (job.payment === 'waiting') await m.query(`UPDATE jobs SET payment = NULL, updated_at = now() WHERE id = $1`, [jobId]);
        return { paid: '0', released: '0' };
      }
      const done = !payProgress ? 0 : job.status === 'delivered' ? 100 : Math.max(0, Math.min(100, Math.trunc(job.progress?.percent ?? 0)));
      const paid = done > 0 ? await this.moveHold(m, jobId, job, 'pay', 'cancel', done) : 0n;
      const released = await this.moveHold(m, jobId, job, 'release', null, 100);
      await m.query(`UPDATE jobs SET payment = $2, paid_amount = $3, updated_at = now() WHERE id = $1`, [jobId, paid > 0n ? 'part-paid' : 'released', String(paid)]);
      return { paid: String(paid), released: String(released) };
    });
  }

  /**
   * A delivery nobody answered in time: the job has ended with its price still reserved, and a
   * treasurer settles it, paying the node owner (`pay`, as a confirmation would) or giving the money
   * back to the payer (`release`). Once: the same settlement again answers what it did; the other
   * one, or a job in any other state, is refused (`UnsettleableJob`, nothing moves).
   */
  async settleUnanswered(jobId: string, outcome: 'pay' | 'release'): Promise<SettleResult> {
    return this.ds.transaction(async (m) => {
      const job = await this.lockJob(m, jobId);
      const [row]: Array<{ confirmation: string | null; paid_amount: string | null; price_amount: string | null }> = await m.query(
        `SELECT runs->-1->>'confirmation' AS confirmation, paid_amount::text, price_amount::text FROM jobs WHERE id = $1`,
        [jobId],
      );
      if (job.status !== 'delivered' || row.confirmation !== 'unanswered') throw new UnsettleableJob('not_unanswered', job.payment);
      const done: JobPayment = outcome === 'pay' ? 'paid' : 'released';
      if (job.payment === done) return outcome === 'pay' ? { paid: row.paid_amount ?? '0', released: '0' } : { paid: '0', released: row.price_amount ?? '0' };
      if (job.payment !== 'reserved') throw new UnsettleableJob('settled', job.payment);
      const moved = await this.moveHold(m, jobId, job, outcome, outcome === 'pay' ? 'unanswered' : null, 100);
      await m.query(`UPDATE jobs SET payment = $2, paid_amount = $3, updated_at = now() WHERE id = $1`, [jobId, done, outcome === 'pay' ? String(moved) : '0']);
      return outcome === 'pay' ? { paid: String(moved), released: '0' } : { paid: '0', released: String(moved) };
    });
  }

  /** Jobs waiting for money from this account (to wake them when it is topped up), soonest due first, at most `limit`. */
  async waitingOn(payerAccountId: string, limit = 500): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.ds.query(`SELECT id FROM jobs WHERE payer_account_id = $1 AND payment = 'waiting' ORDER BY due_at, id LIMIT $2`, [payerAccountId, limit]);
    return rows.map((r) => r.id);
  }

  /** Per phase of a project, what its priced jobs hold now (reserved) and have paid, by currency. */
  async projectFigures(projectId: string): Promise<Array<{ phase: string; currency: string; reserved: bigint; paid: bigint }>> {
    const rows: Array<{ phase: string; currency: string; reserved: string; paid: string }> = await this.ds.query(
      `SELECT phase, price_currency AS currency,
              COALESCE(SUM(price_amount) FILTER (WHERE payment = 'reserved'), 0)::text AS reserved,
              COALESCE(SUM(paid_amount), 0)::text AS paid
         FROM jobs WHERE demand_type = 'project' AND demand_id = $1 AND phase IS NOT NULL AND price_amount IS NOT NULL
        GROUP BY phase, price_currency`,
      [projectId],
    );
    return rows.map((r) => ({ phase: r.phase, currency: r.currency, reserved: BigInt(r.reserved), paid: BigInt(r.paid) }));
  }

  private async lockJob(m: EntityManager, jobId: string): Promise<PricedJobRow> {
    const rows: PricedJobRow[] = await m.query(
      `SELECT j.price_currency, j.payer_account_id, a.owner_id AS payer_owner_id, j.payment, j.status, j.progress, n.owner_member_id
         FROM jobs j LEFT JOIN ledger_accounts a ON a.id = j.payer_account_id LEFT JOIN nodes n ON n.id = j.node_id
        WHERE j.id = $1 FOR UPDATE OF j`,
      [jobId],
    );
    if (!rows[0] || !rows[0].payer_account_id || !rows[0].price_currency) throw new RecordNotFoundError('priced job', jobId);
    return rows[0];
  }

  /** Moves `percent` of what the job's hold holds: to the node owner (`pay`) or back to the payer (`release`). */
  private async moveHold(m: EntityManager, jobId: string, job: PricedJobRow, what: 'pay' | 'release', tag: number | string | null, percent: number): Promise<bigint> {
    const currency = job.price_currency as Currency;
    const hold = await this.ledger.account('hold', job.payer_owner_id, currency, m, jobId);
    const amount = ((await this.ledger.balance(hold.id, m)) * BigInt(percent)) / 100n;
    if (amount <= 0n) return 0n;
    let to = job.payer_account_id!;
    if (what === 'pay') {
      if (!job.owner_member_id) throw new RecordNotFoundError('node owner of job', jobId);
      to = (await this.ledger.account('member', job.owner_member_id, currency, m)).id;
    }
    const key = what === 'pay' ? `job:${jobId}:pay:${tag}` : `job:${jobId}:release`;
    await this.ledger.post({ idempotencyKey: key, kind: what === 'pay' ? 'job-pay' : 'job-release', currency, entries: movement(hold.id, to, amount), memo: `job ${jobId}: ${what === 'pay' ? 'paid to the node owner' : 'reservation released'}` }, m);
    return amount;
  }
}
