import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CatalogueProduct, QuarterPlan } from '@app/contracts';
import { nextQuarter } from '@app/contracts';
import { Currency, distributeIncome, INCOME_RULE, INCOME_RULE_TEXT, MAX_AMOUNT, movement, quarterWindow, saleableUnits, SaleTerms } from '@app/domain';
import { AssetSaleEntity, IncomeDistributionEntity, IncomeDistributionLineEntity } from '../entities/asset-income.entity';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { LedgerService } from '../ledger/ledger.service';

export interface NewSale {
  assetId: string;
  /** The request's Idempotency-Key (unique per asset). */
  key: string;
  quarter: string;
  productId: string;
  quantity: number;
  unitPrice: bigint;
  currency: string;
  buyerMemberId: string | null;
  buyerName: string | null;
  recordedBy: string;
}

export type SaleRefusalCode = 'quarter_not_planned' | 'quarter_distributed' | 'not_for_sale' | 'currency_mismatch' | 'oversold' | 'quarter_not_over' | 'mixed_currencies';

/** A sale or a distribution the rules refuse: nothing was written. `figures` explain it (RFC 9457 extension members). */
export class IncomeRefusal extends Error {
  constructor(
    readonly code: SaleRefusalCode,
    message: string,
    readonly figures: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'IncomeRefusal';
  }
}

export interface DistributionWithLines {
  distribution: IncomeDistributionEntity;
  lineCount: number;
  replayed: boolean;
}

export interface MemberIncomeLine extends IncomeDistributionLineEntity {
  assetId: string;
  assetName: string;
  quarter: string;
  currency: string;
  income: bigint;
  createdAt: Date;
}

interface PlanRow {
  id: string;
  status: string;
  plan: QuarterPlan | null;
  catalogue: CatalogueProduct[] | null;
}

const saleTerms = (catalogue: CatalogueProduct[]): SaleTerms[] =>
  catalogue.filter((p) => p.sale).map((p) => ({ productId: p.id, capacityPerUnit: p.capacityPerUnit, fixedUnits: p.sale!.fixedUnits, unordered: p.sale!.unordered }));

/**
 * Output that earns (`asset_sales`, `income_distributions`, `income_distribution_lines`): a sale
 * of part of a quarter's output moves money from the external world into the asset's own
 * `asset` account; at the quarter's end its income moves from there to the owners' member
 * accounts by output parts (`distributeIncome`, the ownership shares' remainder rule). Each is
 * one database transaction that locks the quarter's plan row (sales and the distribution of one
 * quarter never interleave) and posts through `LedgerService.post`: a retried sale (same key) or a
 * second distribution returns the first and moves nothing.
 */
@Injectable()
export class AssetIncomeRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  async recordSale(s: NewSale): Promise<{ sale: AssetSaleEntity; replayed: boolean }> {
    const hash = requestHash({ q: s.quarter, p: s.productId, n: s.quantity, u: s.unitPrice, c: s.currency, bm: s.buyerMemberId, bn: s.buyerName });
    return this.ds.transaction(async (m) => {
      const [asset] = (await m.query(`SELECT id, name, sale_currency FROM assets WHERE id = $1`, [s.assetId])) as Array<{ id: string; name: string; sale_currency: string | null }>;
      if (!asset) throw new RecordNotFoundError('asset', s.assetId);
      const plan = await this.lockPlan(m, s.assetId, s.quarter);
      // After the lock: a concurrent request with the same key has committed by now.
      const existing = await m.findOneBy(AssetSaleEntity, { assetId: s.assetId, idempotencyKey: s.key });
      if (existing) {
        if (existing.requestHash !== hash) throw new IdempotencyConflictError(s.key);
        return { sale: existing, replayed: true };
      }
      if (!plan || plan.status !== 'planned' || !plan.plan) throw new IncomeRefusal('quarter_not_planned', `${s.quarter} of asset ${s.assetId} has no plan yet: its output is sold once the owners' orders are allocated`, { quarter: s.quarter });
      if (await this.distributionRow(m, s.assetId, s.quarter)) throw new IncomeRefusal('quarter_distributed', `the income of ${s.quarter} was already shared among the owners; record the sale in a later quarter`, { quarter: s.quarter });
      const terms = saleTerms(plan.catalogue ?? []);
      if (!asset.sale_currency || !terms.some((t) => t.productId === s.productId)) {
        throw new IncomeRefusal('not_for_sale', `product ${s.productId} of asset ${s.assetId} is not for sale in ${s.quarter} (the catalogue as the quarter opened marks no part of it for sale)`, { productId: s.productId });
      }
      if (asset.sale_currency !== s.currency) {
        throw new IncomeRefusal('currency_mismatch', `asset ${s.assetId} sells in ${asset.sale_currency}; a price in ${s.currency} cannot be recorded`, { currency: asset.sale_currency, asked: s.currency });
      }
      const soldRows = (await m.query(`SELECT product_id, SUM(quantity)::int AS n FROM asset_sales WHERE asset_id = $1 AND quarter = $2 GROUP BY product_id`, [s.assetId, s.quarter])) as Array<{ product_id: string; n: number }>;
      const sold = Object.fromEntries(soldRows.map((r) => [r.product_id, r.n]));
      const room = saleableUnits(s.productId, terms, plan.plan.spare, sold);
      if (s.quantity > room.available) {
        throw new IncomeRefusal('oversold', `only ${room.available} of ${s.productId} are left to sell in ${s.quarter} (${room.saleable} for sale, ${room.sold} sold); asked ${s.quantity}`, {
          saleable: String(room.saleable),
          sold: String(room.sold),
          available: String(room.available),
          asked: String(s.quantity),
        });
      }
      const amount = s.unitPrice * BigInt(s.quantity);
      if (amount > MAX_AMOUNT) throw new IncomeRefusal('oversold', `a sale of ${amount} minor units is above the largest amount one posting takes (${MAX_AMOUNT})`, { amount: String(amount) });
      const currency = s.currency as Currency;
      const external = await this.ledger.account('external', null, currency, m);
      const account = await this.ledger.account('asset', s.assetId, currency, m);
      const saleId = (await m.query(`SELECT gen_random_uuid() AS id`))[0].id as string;
      const posted = await this.ledger.post(
        { idempotencyKey: `asset-sale:${s.assetId}:${s.key}`, kind: 'asset-sale', currency, entries: movement(external.id, account.id, amount), memo: `${asset.name}: ${s.quantity} × ${s.productId} sold (${s.quarter})` },
        m,
      );
      // The same key racing in for another quarter (another plan row) waited on the ledger's key and
      // finds it posted: the sale that posted it is the answer.
      if (posted.replayed) return { sale: await m.findOneByOrFail(AssetSaleEntity, { assetId: s.assetId, idempotencyKey: s.key }), replayed: true };
      const sale = m.create(AssetSaleEntity, {
        id: saleId,
        assetId: s.assetId,
        idempotencyKey: s.key,
        requestHash: hash,
        quarter: s.quarter,
        productId: s.productId,
        quantity: s.quantity,
        unitPrice: s.unitPrice,
        amount,
        currency,
        buyerMemberId: s.buyerMemberId,
        buyerName: s.buyerName,
        recordedBy: s.recordedBy,
        ledgerTransactionId: posted.transaction.id,
      });
      await m.insert(AssetSaleEntity, sale);
      return { sale: await m.findOneByOrFail(AssetSaleEntity, { id: saleId }), replayed: false };
    });
  }

  /**
   * Shares the quarter's income among the asset's owners by output parts as they are now (the
   * asset row is share-locked: no transfer lands in between), once the quarter has ended in the
   * asset's time zone. A quarter already distributed answers its distribution (`replayed`).
   */
  async distribute(assetId: string, quarter: string, by: string, now = new Date()): Promise<DistributionWithLines> {
    return this.ds.transaction(async (m) => {
      const [asset] = (await m.query(`SELECT id, name, total_parts::text AS total_parts, time_zone, sale_currency FROM assets WHERE id = $1 FOR SHARE`, [assetId])) as Array<{
        id: string;
        name: string;
        total_parts: string;
        time_zone: string;
        sale_currency: string | null;
      }>;
      if (!asset) throw new RecordNotFoundError('asset', assetId);
      const plan = await this.lockPlan(m, assetId, quarter);
      const done = await this.distributionRow(m, assetId, quarter);
      if (done) return { distribution: done, lineCount: await this.lineCount(m, done.id), replayed: true };
      if (!plan) throw new IncomeRefusal('quarter_not_planned', `asset ${assetId} has no quarter ${quarter}`, { quarter });
      const endsAt = quarterWindow(nextQuarter(quarter as `${number}-Q${number}`), asset.time_zone).startsAt;
      if (now < endsAt) throw new IncomeRefusal('quarter_not_over', `${quarter} ends at ${endsAt.toISOString()} (${asset.time_zone}); its income is shared after that`, { endsAt: endsAt.toISOString() });
      const totals = (await m.query(`SELECT currency, SUM(amount)::text AS income, count(*)::int AS n FROM asset_sales WHERE asset_id = $1 AND quarter = $2 GROUP BY currency`, [assetId, quarter])) as Array<{
        currency: string;
        income: string;
        n: number;
      }>;
      if (totals.length > 1) throw new IncomeRefusal('mixed_currencies', `the sales of ${quarter} are in ${totals.map((t) => t.currency).join(' and ')}; share each currency by hand`, {});
      const currency = (totals[0]?.currency ?? asset.sale_currency) as Currency | null;
      if (!currency) throw new IncomeRefusal('not_for_sale', `asset ${assetId} sells nothing (no sale currency in its catalogue) and has no sales in ${quarter}`, { quarter });
      const income = BigInt(totals[0]?.income ?? '0');
      const shares = (await m.query(`SELECT member_id, parts::text AS parts, output_parts::text AS output_parts FROM asset_shares WHERE asset_id = $1 ORDER BY member_id`, [assetId])) as Array<{
        member_id: string;
        parts: string;
        output_parts: string;
      }>;
      const table = shares.map((r) => ({ memberId: r.member_id, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) }));
      if (income > 0n && !table.some((l) => l.outputParts > 0n)) throw new IncomeRefusal('quarter_not_planned', `asset ${assetId} has no owners with output parts to share ${quarter}'s income`, { quarter });
      const lines = distributeIncome(income, table, { currency, assetName: asset.name, quarter });
      let ledgerTransactionId: string | null = null;
      if (income > 0n) {
        const account = await this.ledger.account('asset', assetId, currency, m);
        const paid = lines.filter((l) => l.amount > 0n);
        const accounts = await this.ledger.accounts('member', paid.map((l) => l.memberId), currency, m);
        const posted = await this.ledger.post(
          {
            idempotencyKey: `asset:${assetId}:income:${quarter}`,
            kind: 'asset-income',
            currency,
            entries: [{ accountId: account.id, amount: -income }, ...paid.map((l) => ({ accountId: accounts.get(l.memberId)!, amount: l.amount }))],
            memo: `${asset.name}: ${quarter} income shared among its owners by output parts`,
          },
          m,
        );
        ledgerTransactionId = posted.transaction.id;
      }
      const bonus = lines.reduce((a, l) => a + l.bonusParts, 0n);
      const [row] = (await m.query(
        `INSERT INTO income_distributions (asset_id, quarter, currency, income, sale_count, rule, rule_text, total_parts, total_output_parts, bonus_parts, ledger_transaction_id, distributed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
        [assetId, quarter, currency, String(income), totals[0]?.n ?? 0, INCOME_RULE, INCOME_RULE_TEXT, asset.total_parts, String(lines.reduce((a, l) => a + l.outputParts, 0n)), String(bonus), ledgerTransactionId, by],
      )) as Array<{ id: string }>;
      for (let i = 0; i < lines.length; i += 1000) {
        const chunk = lines.slice(i, i + 1000);
        await m.query(
          `INSERT INTO income_distribution_lines (distribution_id, member_id, parts, output_parts, bonus_parts, amount, explanation)
           SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[])`,
          [row.id, chunk.map((l) => l.memberId), chunk.map((l) => String(l.parts)), chunk.map((l) => String(l.outputParts)), chunk.map((l) => String(l.bonusParts)), chunk.map((l) => String(l.amount)), chunk.map((l) => l.explanation)],
        );
      }
      return { distribution: await m.findOneByOrFail(IncomeDistributionEntity, { id: row.id }), lineCount: lines.length, replayed: false };
    });
  }

  async sales(assetId: string, page: { quarter?: string; limit: number; offset: number }): Promise<{ items: AssetSaleEntity[]; total: number }> {
    const where = page.quarter ? { assetId, quarter: page.quarter } : { assetId };
    const [items, total] = await this.ds.getRepository(AssetSaleEntity).findAndCount({ where, order: { createdAt: 'DESC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }

  /** An asset's distributions, newest quarter first, each with how many owners it has lines for. */
  async distributions(assetId: string, page: { limit: number; offset: number }): Promise<{ items: Array<{ distribution: IncomeDistributionEntity; lineCount: number }>; total: number }> {
    const [rows, total] = await this.ds.getRepository(IncomeDistributionEntity).findAndCount({ where: { assetId }, order: { quarter: 'DESC' }, take: page.limit, skip: page.offset });
    const counts = (await this.ds.query(`SELECT distribution_id, count(*)::int AS n FROM income_distribution_lines WHERE distribution_id = ANY($1::uuid[]) GROUP BY distribution_id`, [rows.map((r) => r.id)])) as Array<{
      distribution_id: string;
      n: number;
    }>;
    const n = new Map(counts.map((c) => [c.distribution_id, c.n]));
    return { items: rows.map((distribution) => ({ distribution, lineCount: n.get(distribution.id) ?? 0 })), total };
  }

  async distributionById(id: string): Promise<IncomeDistributionEntity | null> {
    return this.ds.getRepository(IncomeDistributionEntity).findOneBy({ id });
  }

  async distribution(assetId: string, quarter: string): Promise<IncomeDistributionEntity | null> {
    return this.distributionRow(this.ds.manager, assetId, quarter);
  }

  /** A distribution's lines, in member id order, a page at a time (with each owner's name). */
  async lines(distributionId: string, page: { limit: number; offset: number }): Promise<{ items: Array<IncomeDistributionLineEntity & { memberName: string }>; total: number }> {
    const rows = (await this.ds.query(
      `SELECT l.member_id, m.name, l.parts::text AS parts, l.output_parts::text AS output_parts, l.bonus_parts::text AS bonus_parts, l.amount::text AS amount, l.explanation, count(*) OVER ()::int AS total
         FROM income_distribution_lines l JOIN members m ON m.id = l.member_id
        WHERE l.distribution_id = $1 ORDER BY l.member_id LIMIT $2 OFFSET $3`,
      [distributionId, page.limit, page.offset],
    )) as Array<{ member_id: string; name: string; parts: string; output_parts: string; bonus_parts: string; amount: string; explanation: string; total: number }>;
    const total = rows[0]?.total ?? (page.offset > 0 ? await this.lineCount(this.ds.manager, distributionId) : 0);
    return {
      items: rows.map((r) => Object.assign(new IncomeDistributionLineEntity(), {
        distributionId,
        memberId: r.member_id,
        memberName: r.name,
        parts: BigInt(r.parts),
        outputParts: BigInt(r.output_parts),
        bonusParts: BigInt(r.bonus_parts),
        amount: BigInt(r.amount),
        explanation: r.explanation,
      })),
      total,
    };
  }

  /** One member's lines of every distribution, newest first. */
  async memberLines(memberId: string, page: { limit: number; offset: number }): Promise<{ items: MemberIncomeLine[]; total: number }> {
    const rows = (await this.ds.query(
      `SELECT l.distribution_id, l.parts::text AS parts, l.output_parts::text AS output_parts, l.bonus_parts::text AS bonus_parts, l.amount::text AS amount, l.explanation,
              d.asset_id, a.name AS asset_name, d.quarter, d.currency, d.income::text AS income, d.created_at, count(*) OVER ()::int AS total
         FROM income_distribution_lines l JOIN income_distributions d ON d.id = l.distribution_id JOIN assets a ON a.id = d.asset_id
        WHERE l.member_id = $1 ORDER BY d.created_at DESC, d.id LIMIT $2 OFFSET $3`,
      [memberId, page.limit, page.offset],
    )) as Array<Record<string, string> & { created_at: Date; total: number }>;
    return {
      items: rows.map((r) => Object.assign(new IncomeDistributionLineEntity(), {
        distributionId: r.distribution_id,
        memberId,
        parts: BigInt(r.parts),
        outputParts: BigInt(r.output_parts),
        bonusParts: BigInt(r.bonus_parts),
        amount: BigInt(r.amount),
        explanation: r.explanation,
        assetId: r.asset_id,
        assetName: r.asset_name,
        quarter: r.quarter,
        currency: r.currency,
        income: BigInt(r.income),
        createdAt: r.created_at,
      })),
      total: rows[0]?.total ?? 0,
    };
  }

  /** Who to email about a distribution, after a member id, `limit` at a time. */
  async mailees(distributionId: string, after: string | null, limit: number): Promise<Array<{ memberId: string; name: string; email: string; amount: bigint; explanation: string }>> {
    const rows = (await this.ds.query(
      `SELECT l.member_id, m.name, m.email, l.amount::text AS amount, l.explanation FROM income_distribution_lines l JOIN members m ON m.id = l.member_id
        WHERE l.distribution_id = $1 AND ($2::uuid IS NULL OR l.member_id > $2) ORDER BY l.member_id LIMIT $3`,
      [distributionId, after, limit],
    )) as Array<{ member_id: string; name: string; email: string; amount: string; explanation: string }>;
    return rows.map((r) => ({ memberId: r.member_id, name: r.name, email: r.email, amount: BigInt(r.amount), explanation: r.explanation }));
  }

  private async lockPlan(m: EntityManager, assetId: string, quarter: string): Promise<PlanRow | null> {
    const [row] = (await m.query(`SELECT id, status, plan, catalogue FROM output_plans WHERE asset_id = $1 AND quarter = $2 FOR UPDATE`, [assetId, quarter])) as PlanRow[];
    return row ?? null;
  }

  private async distributionRow(m: EntityManager, assetId: string, quarter: string): Promise<IncomeDistributionEntity | null> {
    return m.findOneBy(IncomeDistributionEntity, { assetId, quarter });
  }

  private async lineCount(m: EntityManager, distributionId: string): Promise<number> {
    const [r] = (await m.query(`SELECT count(*)::int AS n FROM income_distribution_lines WHERE distribution_id = $1`, [distributionId])) as Array<{ n: number }>;
    return r.n;
  }
}
