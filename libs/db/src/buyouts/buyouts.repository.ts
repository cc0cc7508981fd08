import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  assertBuyoutTerms,
  assertWhole,
  bonusIncome,
  BuyoutError,
  BuyoutFunding,
  BuyoutOffer,
  BuyoutPurchase,
  BuyoutSource,
  BuyoutTerms,
  Currency,
  movement,
  planBuyoutStep,
  quarterAt,
  quarterEndsAt,
  remainingClaims,
  ShareLine,
} from '@app/domain';
import { leasedOutParts } from '../leases/leased-out';
import { sqlStateOf } from '../db-errors';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { LedgerService } from '../ledger/ledger.service';

export type BuyoutStatus = 'active' | 'paused' | 'completed' | 'ended';

export interface NewBuyout {
  assetId: string;
  operatorMemberId: string;
  targetParts: bigint;
  pricePerPart: bigint;
  currency: Currency;
  funding: BuyoutFunding;
  /** Minor units a quarter, for `fixed` only. */
  fixedAmount: bigint | null;
  source: BuyoutSource;
  /** In the order they were made (for `offered`). */
  offers: BuyoutOffer[];
  idempotencyKey: string | null;
  recordedBy: string;
  note: string | null;
}

export interface BuyoutAgreement {
  id: string;
  assetId: string;
  assetName: string;
  totalParts: bigint;
  timeZone: string;
  operatorMemberId: string;
  operatorName: string;
  operatorParts: bigint;
  targetParts: bigint;
  pricePerPart: bigint;
  currency: Currency;
  funding: BuyoutFunding;
  fixedAmount: bigint | null;
  source: BuyoutSource;
  status: BuyoutStatus;
  firstQuarter: string;
  lastQuarter: string | null;
  partsBought: bigint;
  amountPaid: bigint;
  stepCount: number;
  /** Σ of the remaining claim: parts still to buy and what they cost at the price. */
  claimParts: bigint;
  claimAmount: bigint;
  recordedBy: string;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export interface BuyoutStepLine {
  memberId: string;
  memberName: string;
  parts: bigint;
  amount: bigint;
  ledgerTransactionId: string | null;
}

export interface BuyoutStepRecord {
  id: string;
  agreementId: string;
  quarter: string;
  money: bigint;
  parts: bigint;
  amount: bigint;
  unspent: bigint;
  operatorPartsAfter: bigint;
  completed: boolean;
  note: string;
  createdAt: Date;
  lines: BuyoutStepLine[];
}

export interface BuyoutClaim {
  memberId: string;
  memberName: string;
  parts: bigint;
  amount: bigint;
}

export interface BuyoutChange {
  action: 'pause' | 'resume' | 'end';
  by: string;
  reason: string;
  createdAt: Date;
}

/** What a step queues mail with: the agreement, the step, and each person's figures. */
export interface BuyoutStepMail {
  agreement: BuyoutAgreement;
  step: BuyoutStepRecord;
  operator: { memberId: string; name: string; email: string };
  sellers: Array<{ memberId: string; name: string; email: string; parts: bigint; amount: bigint; claimParts: bigint; claimAmount: bigint }>;
}

/** Queues a step's mail inside the step's transaction. */
export type BuyoutMailHook = (mail: BuyoutStepMail, m: EntityManager) => Promise<void>;

export interface BuyoutStepOutcome {
  outcome: 'stepped' | 'not-ready' | 'not-running';
  status: BuyoutStatus;
  step: BuyoutStepRecord | null;
  replayed: boolean;
}

/** The agreements a member takes part in, with their part: operator, or a seller with a claim. */
export interface MemberBuyout {
  agreement: BuyoutAgreement;
  role: 'operator' | 'seller';
  /** A seller's remaining claim (0 for the operator). */
  claimParts: bigint;
  claimAmount: bigint;
  /** What this member sold (seller) or bought (operator) so far. */
  partsMoved: bigint;
  amountMoved: bigint;
}

export type BuyoutRefusalCode =
  | BuyoutError['code']
  | 'operator_not_member'
  | 'currency_mismatch'
  | 'no_income'
  | 'buyout_exists'
  | 'buyout_ended'
  | 'buyout_not_active'
  | 'buyout_not_paused';

/** The terms or the state refuse it: nothing was written. `figures` are RFC 9457 extension members. */
export class BuyoutRefusal extends Error {
  constructor(
    readonly code: BuyoutRefusalCode,
    message: string,
    readonly figures: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'BuyoutRefusal';
  }
}

const AGREEMENT_SELECT = `
  SELECT b.id, b.asset_id, a.name AS asset_name, a.total_parts::text AS total_parts, a.time_zone, b.operator_member_id, m.name AS operator_name,
         COALESCE((SELECT s.parts FROM asset_shares s WHERE s.asset_id = b.asset_id AND s.member_id = b.operator_member_id), 0)::text AS operator_parts,
         b.target_parts::text AS target_parts, b.price_per_part::text AS price_per_part, b.currency, b.funding, b.fixed_amount::text AS fixed_amount, b.source, b.status,
         b.first_quarter, b.last_quarter, b.parts_bought::text AS parts_bought, b.amount_paid::text AS amount_paid, b.step_count,
         COALESCE((SELECT SUM(c.parts) FROM buyout_claims c WHERE c.agreement_id = b.id), 0)::text AS claim_parts,
         COALESCE((SELECT SUM(c.amount) FROM buyout_claims c WHERE c.agreement_id = b.id), 0)::text AS claim_amount,
         b.recorded_by, b.note, b.created_at, b.updated_at, b.closed_at
    FROM buyout_agreements b JOIN assets a ON a.id = b.asset_id JOIN members m ON m.id = b.operator_member_id`;

type Row = Record<string, string | number | Date | null>;

const toAgreement = (r: Row): BuyoutAgreement => ({
  id: r.id as string,
  assetId: r.asset_id as string,
  assetName: r.asset_name as string,
  totalParts: BigInt(r.total_parts as string),
  timeZone: r.time_zone as string,
  operatorMemberId: r.operator_member_id as string,
  operatorName: r.operator_name as string,
  operatorParts: BigInt(r.operator_parts as string),
  targetParts: BigInt(r.target_parts as string),
  pricePerPart: BigInt(r.price_per_part as string),
  currency: (r.currency as string).trim() as Currency,
  funding: r.funding as BuyoutFunding,
  fixedAmount: r.fixed_amount === null ? null : BigInt(r.fixed_amount as string),
  source: r.source as BuyoutSource,
  status: r.status as BuyoutStatus,
  firstQuarter: r.first_quarter as string,
  lastQuarter: (r.last_quarter as string | null) ?? null,
  partsBought: BigInt(r.parts_bought as string),
  amountPaid: BigInt(r.amount_paid as string),
  stepCount: Number(r.step_count),
  claimParts: BigInt(r.claim_parts as string),
  claimAmount: BigInt(r.claim_amount as string),
  recordedBy: r.recorded_by as string,
  note: (r.note as string | null) ?? null,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
  closedAt: (r.closed_at as Date | null) ?? null,
});

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The operator's buy-out (`buyout_agreements` and their offers, steps, claims and changes). Every
 * step is one database transaction that locks the asset row (as every ownership change does),
 * then the agreement row; it runs once per agreement and quarter (`uq_buyout_steps_quarter`,
 * checked after the locks: a retry finds the step and moves nothing), moves parts by
 * `planBuyoutStep` (`transferParts` per seller, the table checked whole) and money by ledger
 * postings keyed `buyout:<agreement>:<quarter>:<seller>`, records the step with a line per seller,
 * replaces the remaining claim and lets the caller queue its mail in the same transaction.
 */
@Injectable()
export class BuyoutsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  async create(req: NewBuyout, now = new Date()): Promise<{ agreement: BuyoutAgreement; replayed: boolean }> {
    const hash = requestHash({ ...req, idempotencyKey: undefined, recordedBy: undefined });
    try {
      return await this.ds.transaction(async (m) => {
        const asset = await this.lockAsset(m, req.assetId);
        if (req.idempotencyKey) {
          const [prior] = (await m.query(`SELECT id, request_hash FROM buyout_agreements WHERE asset_id = $1 AND idempotency_key = $2`, [req.assetId, req.idempotencyKey])) as Array<{ id: string; request_hash: string }>;
          if (prior) {
            if (prior.request_hash !== hash) throw new IdempotencyConflictError(req.idempotencyKey);
            return { agreement: (await this.find(prior.id, m))!, replayed: true };
          }
        }
        const [member] = (await m.query(`SELECT status FROM members WHERE id = $1`, [req.operatorMemberId])) as Array<{ status: string }>;
        if (!member || member.status !== 'active') throw new BuyoutRefusal('operator_not_member', `member ${req.operatorMemberId} is not an active member of the network`, { operatorMemberId: req.operatorMemberId });
        for (const o of req.offers) {
          const [seller] = (await m.query(`SELECT 1 FROM members WHERE id = $1`, [o.memberId])) as unknown[];
          if (!seller) throw new BuyoutRefusal('invalid_offer', `member ${o.memberId} of the offers is not a member`);
        }
        if (asset.sale_currency && asset.sale_currency !== req.currency) {
          throw new BuyoutRefusal('currency_mismatch', `asset ${req.assetId} earns in ${asset.sale_currency}; a price in ${req.currency} cannot be agreed`, { currency: asset.sale_currency, asked: req.currency });
        }
        if (req.funding === 'output-bonus' && !asset.sale_currency) {
          throw new BuyoutRefusal('no_income', `asset ${req.assetId} sells nothing (no sale currency in its catalogue): an output bonus would never fund a step; agree a fixed amount instead`);
        }
        const table = await this.shareTable(m, req.assetId);
        const terms: BuyoutTerms = { operatorId: req.operatorMemberId, targetParts: req.targetParts, pricePerPart: req.pricePerPart, source: req.source, offers: req.offers };
        try {
          assertBuyoutTerms(terms, table, BigInt(asset.total_parts));
        } catch (err) {
          if (err instanceof BuyoutError) throw new BuyoutRefusal(err.code, err.message, { totalParts: asset.total_parts, operatorParts: String(table.find((l) => l.memberId === req.operatorMemberId)?.parts ?? 0n) });
          throw err;
        }
        const [running] = (await m.query(`SELECT id FROM buyout_agreements WHERE asset_id = $1 AND status IN ('active', 'paused')`, [req.assetId])) as Array<{ id: string }>;
        if (running) throw new BuyoutRefusal('buyout_exists', `asset ${req.assetId} has a running buy-out agreement (${running.id}); end it before agreeing another`, { agreementId: running.id });
        const [row] = (await m.query(
          `INSERT INTO buyout_agreements (asset_id, operator_member_id, target_parts, price_per_part, currency, funding, fixed_amount, source, first_quarter, idempotency_key, request_hash, recorded_by, note)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [req.assetId, req.operatorMemberId, String(req.targetParts), String(req.pricePerPart), req.currency, req.funding, req.fixedAmount === null ? null : String(req.fixedAmount), req.source, quarterAt(now, asset.time_zone), req.idempotencyKey, hash, req.recordedBy, req.note],
        )) as Array<{ id: string }>;
        if (req.offers.length) {
          await m.query(
            `INSERT INTO buyout_offers (agreement_id, member_id, seq, parts_offered, parts_left) SELECT $1, o, s, p, p FROM unnest($2::uuid[], $3::int[], $4::bigint[]) AS t(o, s, p)`,
            [row.id, req.offers.map((o) => o.memberId), req.offers.map((_, i) => i + 1), req.offers.map((o) => String(o.parts))],
          );
        }
        await this.writeClaims(m, row.id, remainingClaims(terms, table));
        return { agreement: (await this.find(row.id, m))!, replayed: false };
      });
    } catch (err) {
      // Two agreements for one asset racing: the index lets one in.
      if (sqlStateOf(err) === '23505' && String((err as { driverError?: { constraint?: string } }).driverError?.constraint) === 'uq_buyout_agreements_running') {
        throw new BuyoutRefusal('buyout_exists', `asset ${req.assetId} has a running buy-out agreement; end it before agreeing another`);
      }
      throw err;
    }
  }

  async find(id: string, m: EntityManager = this.ds.manager): Promise<BuyoutAgreement | null> {
    const [r] = (await m.query(`${AGREEMENT_SELECT} WHERE b.id = $1`, [id])) as Row[];
    return r ? toAgreement(r) : null;
  }

  async forAsset(assetId: string, page: { limit: number; offset: number }): Promise<{ items: BuyoutAgreement[]; total: number }> {
    const rows = (await this.ds.query(`${AGREEMENT_SELECT} WHERE b.asset_id = $1 ORDER BY b.created_at DESC, b.id LIMIT $2 OFFSET $3`, [assetId, page.limit, page.offset])) as Row[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM buyout_agreements WHERE asset_id = $1`, [assetId])) as Array<{ n: number }>;
    return { items: rows.map(toAgreement), total: n };
  }

  /** The agreement's steps, newest quarter first, each with its lines per seller. */
  async steps(agreementId: string, page: { limit: number; offset: number }): Promise<{ items: BuyoutStepRecord[]; total: number }> {
    const rows = (await this.ds.query(`SELECT * FROM buyout_steps WHERE agreement_id = $1 ORDER BY quarter DESC LIMIT $2 OFFSET $3`, [agreementId, page.limit, page.offset])) as Row[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM buyout_steps WHERE agreement_id = $1`, [agreementId])) as Array<{ n: number }>;
    return { items: await this.withLines(this.ds.manager, rows), total: n };
  }

  async claims(agreementId: string, page: { limit: number; offset: number }): Promise<{ items: BuyoutClaim[]; total: number }> {
    const rows = (await this.ds.query(
      `SELECT c.member_id, m.name, c.parts::text AS parts, c.amount::text AS amount, count(*) OVER ()::int AS total
         FROM buyout_claims c JOIN members m ON m.id = c.member_id WHERE c.agreement_id = $1 ORDER BY c.parts DESC, c.member_id LIMIT $2 OFFSET $3`,
      [agreementId, page.limit, page.offset],
    )) as Array<{ member_id: string; name: string; parts: string; amount: string; total: number }>;
    return { items: rows.map((r) => ({ memberId: r.member_id, memberName: r.name, parts: BigInt(r.parts), amount: BigInt(r.amount) })), total: rows[0]?.total ?? 0 };
  }

  /** The latest changes (pause, resume, end), newest first. */
  async changes(agreementId: string, limit = 20): Promise<BuyoutChange[]> {
    const rows = (await this.ds.query(`SELECT action, by, reason, created_at FROM buyout_changes WHERE agreement_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [agreementId, limit])) as Array<{
      action: BuyoutChange['action'];
      by: string;
      reason: string;
      created_at: Date;
    }>;
    return rows.map((r) => ({ action: r.action, by: r.by, reason: r.reason, createdAt: r.created_at }));
  }

  /** Agreements the member is the operator of, or a seller in (offered, sold or still owed for). */
  async forMember(memberId: string, page: { limit: number; offset: number }): Promise<{ items: MemberBuyout[]; total: number }> {
    const ids = `SELECT b.id FROM buyout_agreements b WHERE b.operator_member_id = $1
                 OR EXISTS (SELECT 1 FROM buyout_claims c WHERE c.agreement_id = b.id AND c.member_id = $1)
                 OR EXISTS (SELECT 1 FROM buyout_offers o WHERE o.agreement_id = b.id AND o.member_id = $1)
                 OR EXISTS (SELECT 1 FROM buyout_steps s JOIN buyout_step_lines l ON l.step_id = s.id WHERE s.agreement_id = b.id AND l.member_id = $1)`;
    const rows = (await this.ds.query(`${AGREEMENT_SELECT} WHERE b.id IN (${ids}) ORDER BY b.created_at DESC, b.id LIMIT $2 OFFSET $3`, [memberId, page.limit, page.offset])) as Row[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM (${ids}) x`, [memberId])) as Array<{ n: number }>;
    const agreementIds = rows.map((r) => r.id as string);
    const claims = (await this.ds.query(`SELECT agreement_id, parts::text AS parts, amount::text AS amount FROM buyout_claims WHERE member_id = $1 AND agreement_id = ANY($2::uuid[])`, [memberId, agreementIds])) as Array<{
      agreement_id: string;
      parts: string;
      amount: string;
    }>;
    const sold = (await this.ds.query(
      `SELECT s.agreement_id, SUM(l.parts)::text AS parts, SUM(l.amount)::text AS amount FROM buyout_steps s JOIN buyout_step_lines l ON l.step_id = s.id
        WHERE l.member_id = $1 AND s.agreement_id = ANY($2::uuid[]) GROUP BY s.agreement_id`,
      [memberId, agreementIds],
    )) as Array<{ agreement_id: string; parts: string; amount: string }>;
    return {
      items: rows.map(toAgreement).map((agreement) => {
        const operator = agreement.operatorMemberId === memberId;
        const claim = claims.find((c) => c.agreement_id === agreement.id);
        const s = sold.find((x) => x.agreement_id === agreement.id);
        return {
          agreement,
          role: operator ? 'operator' : 'seller',
          claimParts: operator ? 0n : BigInt(claim?.parts ?? '0'),
          claimAmount: operator ? 0n : BigInt(claim?.amount ?? '0'),
          partsMoved: operator ? agreement.partsBought : BigInt(s?.parts ?? '0'),
          amountMoved: operator ? agreement.amountPaid : BigInt(s?.amount ?? '0'),
        };
      }),
      total: n,
    };
  }

  /** When quarter `q` of the agreement's asset ends (in the asset's time zone). */
  async quarterEnd(agreementId: string, quarter: string): Promise<Date> {
    const a = await this.find(agreementId);
    if (!a) throw new RecordNotFoundError('buy-out agreement', agreementId);
    return quarterEndsAt(quarter, a.timeZone);
  }

  /**
   * Records a pause, resume or end (once per change id) and moves the agreement's status. A change
   * the status no longer allows (a step completed it meanwhile) records nothing: `applied: false`.
   */
  async recordChange(agreementId: string, c: { changeId: string; action: 'pause' | 'resume' | 'end'; by: string; reason: string }): Promise<{ applied: boolean; status: BuyoutStatus }> {
    return this.ds.transaction(async (m) => {
      const [row] = (await m.query(`SELECT status FROM buyout_agreements WHERE id = $1 FOR UPDATE`, [agreementId])) as Array<{ status: BuyoutStatus }>;
      if (!row) throw new RecordNotFoundError('buy-out agreement', agreementId);
      const [done] = (await m.query(`SELECT 1 FROM buyout_changes WHERE agreement_id = $1 AND change_id = $2`, [agreementId, c.changeId])) as unknown[];
      if (done) return { applied: true, status: row.status };
      const from: Record<typeof c.action, BuyoutStatus[]> = { pause: ['active'], resume: ['paused'], end: ['active', 'paused'] };
      if (!from[c.action].includes(row.status)) return { applied: false, status: row.status };
      const status: BuyoutStatus = c.action === 'pause' ? 'paused' : c.action === 'resume' ? 'active' : 'ended';
      await m.query(`INSERT INTO buyout_changes (agreement_id, change_id, action, by, reason) VALUES ($1, $2, $3, $4, $5)`, [agreementId, c.changeId, c.action, c.by, c.reason]);
      await m.query(`UPDATE buyout_agreements SET status = $2::varchar, updated_at = now(), closed_at = CASE WHEN $2::varchar = 'ended' THEN now() ELSE closed_at END WHERE id = $1`, [agreementId, status]);
      // Ended by agreement: nothing more is owed.
      if (status === 'ended') await m.query(`DELETE FROM buyout_claims WHERE agreement_id = $1`, [agreementId]);
      return { applied: true, status };
    });
  }

  /**
   * One quarter's step (see the class). `final`: an `output-bonus` agreement whose quarter has no
   * income shared yet answers `not-ready` (nothing written) unless final, when it steps with no money.
   * `queueMail` runs inside the transaction (the outbox rows commit with the step, or neither does).
   */
  async step(agreementId: string, quarter: string, opts: { final: boolean }, queueMail?: BuyoutMailHook): Promise<BuyoutStepOutcome> {
    return this.ds.transaction(async (m) => {
      const [head] = (await m.query(`SELECT asset_id FROM buyout_agreements WHERE id = $1`, [agreementId])) as Array<{ asset_id: string }>;
      if (!head) throw new RecordNotFoundError('buy-out agreement', agreementId);
      // The asset first (as every ownership change), then the agreement: one order, no deadlocks.
      const asset = await this.lockAsset(m, head.asset_id);
      await m.query(`SELECT 1 FROM buyout_agreements WHERE id = $1 FOR UPDATE`, [agreementId]);
      const a = (await this.find(agreementId, m))!;
      const [prior] = (await m.query(`SELECT * FROM buyout_steps WHERE agreement_id = $1 AND quarter = $2`, [agreementId, quarter])) as Row[];
      if (prior) return { outcome: 'stepped', status: a.status, step: (await this.withLines(m, [prior]))[0], replayed: true };
      if (a.status !== 'active') return { outcome: 'not-running', status: a.status, step: null, replayed: false };

      const opAccount = await this.ledger.account('member', a.operatorMemberId, a.currency, m);
      const balance = await this.ledger.balance(opAccount.id, m);
      let budget: bigint;
      let source: string;
      if (a.funding === 'fixed') {
        budget = a.fixedAmount ?? 0n;
        source = `the agreed ${String(budget)} a quarter`;
      } else {
        const [d] = (await m.query(`SELECT id, currency FROM income_distributions WHERE asset_id = $1 AND quarter = $2`, [a.assetId, quarter])) as Array<{ id: string; currency: string }>;
        if (!d && !opts.final) return { outcome: 'not-ready', status: a.status, step: null, replayed: false };
        if (!d) {
          budget = 0n;
          source = `no income of ${quarter} was shared`;
        } else if (d.currency.trim() !== a.currency) {
          budget = 0n;
          source = `the income of ${quarter} is in ${d.currency}, not ${a.currency}`;
        } else {
          const [line] = (await m.query(`SELECT amount::text AS amount, output_parts::text AS output_parts, bonus_parts::text AS bonus_parts FROM income_distribution_lines WHERE distribution_id = $1 AND member_id = $2`, [
            d.id,
            a.operatorMemberId,
          ])) as Array<{ amount: string; output_parts: string; bonus_parts: string }>;
          budget = line ? bonusIncome({ amount: BigInt(line.amount), outputParts: BigInt(line.output_parts), bonusParts: BigInt(line.bonus_parts) }) : 0n;
          source = `the operator's output bonus in ${quarter}'s income`;
        }
      }
      const money = min(budget, balance > 0n ? balance : 0n);
      const note = money < budget ? `${source}, limited to the ${String(money)} in the operator's account` : source;

      const table = await this.shareTable(m, a.assetId);
      const offers = (await m.query(`SELECT member_id, parts_left::text AS parts FROM buyout_offers WHERE agreement_id = $1 ORDER BY seq`, [agreementId])) as Array<{ member_id: string; parts: string }>;
      const terms: BuyoutTerms = { operatorId: a.operatorMemberId, targetParts: a.targetParts, pricePerPart: a.pricePerPart, source: a.source, offers: offers.map((o) => ({ memberId: o.member_id, parts: BigInt(o.parts) })) };
      const plan = planBuyoutStep(terms, table, money, await leasedOutParts(m, { id: a.assetId, timeZone: asset.time_zone }));
      assertWhole(plan.table, BigInt(asset.total_parts));

      const ledgerIds = new Map<string, string>();
      if (plan.purchases.length) {
        const accounts = await this.ledger.accounts('member', plan.purchases.map((p) => p.memberId), a.currency, m);
        for (const p of plan.purchases) {
          const key = `buyout:${agreementId}:${quarter}:${p.memberId}`;
          const posted = await this.ledger.post(
            { idempotencyKey: key, kind: 'buyout', currency: a.currency, entries: movement(opAccount.id, accounts.get(p.memberId)!, p.amount), memo: `${a.assetName}: ${p.parts} parts bought out in ${quarter}` },
            m,
          );
          ledgerIds.set(p.memberId, posted.transaction.id);
          const before = table.find((l) => l.memberId === p.memberId)!;
          const after = plan.table.find((l) => l.memberId === p.memberId);
          await m.query(
            `INSERT INTO share_transfers (idempotency_key, request_hash, asset_id, from_member_id, to_member_id, parts, output_parts, price, currency, ledger_transaction_id, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'done')`,
            [key, requestHash({ key, parts: p.parts }), a.assetId, p.memberId, a.operatorMemberId, String(p.parts), String(before.outputParts - (after?.outputParts ?? 0n)), String(p.amount), a.currency, posted.transaction.id],
          );
        }
        await m.query(`DELETE FROM asset_shares WHERE asset_id = $1`, [a.assetId]);
        await m.query(`INSERT INTO asset_shares (asset_id, member_id, parts, output_parts) SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[])`, [
          a.assetId,
          plan.table.map((l) => l.memberId),
          plan.table.map((l) => String(l.parts)),
          plan.table.map((l) => String(l.outputParts)),
        ]);
        for (const o of plan.offers) await m.query(`UPDATE buyout_offers SET parts_left = $3 WHERE agreement_id = $1 AND member_id = $2`, [agreementId, o.memberId, String(o.parts)]);
      }
      const operatorAfter = plan.table.find((l) => l.memberId === a.operatorMemberId)?.parts ?? 0n;
      const [stepRow] = (await m.query(
        `INSERT INTO buyout_steps (agreement_id, quarter, money, parts, amount, unspent, operator_parts_after, completed, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [agreementId, quarter, String(money), String(plan.parts), String(plan.amount), String(plan.unspent), String(operatorAfter), plan.completed, note],
      )) as Row[];
      if (plan.purchases.length) {
        await m.query(`INSERT INTO buyout_step_lines (step_id, member_id, parts, amount, ledger_transaction_id) SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::uuid[])`, [
          stepRow.id,
          plan.purchases.map((p) => p.memberId),
          plan.purchases.map((p) => String(p.parts)),
          plan.purchases.map((p) => String(p.amount)),
          plan.purchases.map((p) => ledgerIds.get(p.memberId)!),
        ]);
      }
      const claims = remainingClaims({ ...terms, offers: plan.offers }, plan.table);
      await this.writeClaims(m, agreementId, claims);
      const status: BuyoutStatus = plan.completed ? 'completed' : a.status;
      await m.query(
        `UPDATE buyout_agreements SET parts_bought = parts_bought + $2, amount_paid = amount_paid + $3, step_count = step_count + 1, last_quarter = $4, status = $5::varchar, updated_at = now(),
                closed_at = CASE WHEN $5::varchar = 'completed' THEN now() ELSE closed_at END WHERE id = $1`,
        [agreementId, String(plan.parts), String(plan.amount), quarter, status],
      );
      const step = (await this.withLines(m, [stepRow]))[0];
      if (queueMail) {
        const people = (await m.query(`SELECT id, name, email FROM members WHERE id = ANY($1::uuid[])`, [[a.operatorMemberId, ...plan.purchases.map((p) => p.memberId), ...claims.map((c) => c.memberId)]])) as Array<{
          id: string;
          name: string;
          email: string;
        }>;
        const who = new Map(people.map((p) => [p.id, p]));
        const sellerIds = [...new Set([...plan.purchases.map((p) => p.memberId), ...claims.map((c) => c.memberId)])].sort();
        const op = who.get(a.operatorMemberId)!;
        await queueMail(
          {
            agreement: (await this.find(agreementId, m))!,
            step,
            operator: { memberId: op.id, name: op.name, email: op.email },
            sellers: sellerIds.map((id) => {
              const p: BuyoutPurchase | undefined = plan.purchases.find((x) => x.memberId === id);
              const c = claims.find((x) => x.memberId === id);
              return { memberId: id, name: who.get(id)!.name, email: who.get(id)!.email, parts: p?.parts ?? 0n, amount: p?.amount ?? 0n, claimParts: c?.parts ?? 0n, claimAmount: c?.amount ?? 0n };
            }),
          },
          m,
        );
      }
      return { outcome: 'stepped', status, step, replayed: false };
    });
  }

  private async lockAsset(m: EntityManager, assetId: string): Promise<{ id: string; name: string; total_parts: string; time_zone: string; sale_currency: string | null }> {
    const [asset] = (await m.query(`SELECT id, name, total_parts::text AS total_parts, time_zone, sale_currency FROM assets WHERE id = $1 FOR UPDATE`, [assetId])) as Array<{
      id: string;
      name: string;
      total_parts: string;
      time_zone: string;
      sale_currency: string | null;
    }>;
    if (!asset) throw new RecordNotFoundError('asset', assetId);
    return asset;
  }

  private async shareTable(m: EntityManager, assetId: string): Promise<ShareLine[]> {
    const rows = (await m.query(`SELECT member_id, parts::text AS parts, output_parts::text AS output_parts FROM asset_shares WHERE asset_id = $1 ORDER BY member_id`, [assetId])) as Array<{
      member_id: string;
      parts: string;
      output_parts: string;
    }>;
    return rows.map((r) => ({ memberId: r.member_id, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) }));
  }

  private async writeClaims(m: EntityManager, agreementId: string, claims: BuyoutPurchase[]): Promise<void> {
    await m.query(`DELETE FROM buyout_claims WHERE agreement_id = $1`, [agreementId]);
    if (!claims.length) return;
    await m.query(`INSERT INTO buyout_claims (agreement_id, member_id, parts, amount) SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[])`, [
      agreementId,
      claims.map((c) => c.memberId),
      claims.map((c) => String(c.parts)),
      claims.map((c) => String(c.amount)),
    ]);
  }

  private async withLines(m: EntityManager, rows: Row[]): Promise<BuyoutStepRecord[]> {
    const lines = (await m.query(
      `SELECT l.step_id, l.member_id, mb.name, l.parts::text AS parts, l.amount::text AS amount, l.ledger_transaction_id FROM buyout_step_lines l JOIN members mb ON mb.id = l.member_id
        WHERE l.step_id = ANY($1::uuid[]) ORDER BY l.member_id`,
      [rows.map((r) => r.id)],
    )) as Array<{ step_id: string; member_id: string; name: string; parts: string; amount: string; ledger_transaction_id: string | null }>;
    return rows.map((r) => ({
      id: r.id as string,
      agreementId: r.agreement_id as string,
      quarter: r.quarter as string,
      money: BigInt(r.money as string),
      parts: BigInt(r.parts as string),
      amount: BigInt(r.amount as string),
      unspent: BigInt(r.unspent as string),
      operatorPartsAfter: BigInt(r.operator_parts_after as string),
      completed: Boolean(r.completed),
      note: r.note as string,
      createdAt: r.created_at as Date,
      lines: lines
        .filter((l) => l.step_id === r.id)
        .map((l) => ({ memberId: l.member_id, memberName: l.name, parts: BigInt(l.parts), amount: BigInt(l.amount), ledgerTransactionId: l.ledger_transaction_id })),
    }));
  }
}
