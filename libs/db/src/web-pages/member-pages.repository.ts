import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { OwnerOrder, QuarterPlan } from '@app/contracts';
import { AssetEntity } from '../entities/asset.entity';
import { FundingRoundEntity } from '../entities/funding-round.entity';
import { OutputPlanEntity } from '../entities/output-plan.entity';
import { ProjectEntity } from '../entities/project.entity';
import { FundingRepository } from '../funding/funding.repository';
import { OutputOrdersRepository } from '../output-orders/output-orders.repository';
import { OwnershipService } from '../ownership/ownership.service';

/** Rounds whose money still sits in escrow or in the round (not paid out, released or refunded). */
const HOLDING_ROUND_STATUSES = ['opening', 'open', 'closing', 'capturing', 'awaiting-payout', 'paying-out', 'releasing'];

export interface HoldingRow {
  asset: AssetEntity;
  owners: Array<{ memberId: string; name: string; parts: bigint; outputParts: bigint }>;
  latestPlan: OutputPlanEntity | null;
}

/**
 * What a member's pages of the web app read: their agenda, rounds, holdings, account and order
 * windows. Read-only queries over the read models (rounds, plans, shares, the ledger).
 */
@Injectable()
export class MemberPagesRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly funding: FundingRepository,
    private readonly orders: OutputOrdersRepository,
    private readonly ownership: OwnershipService,
  ) {}

  /** Open rounds, nearest deadline first, with the member's pledge and the project's name. */
  async openRounds(memberId: string): Promise<Array<{ round: FundingRoundEntity; projectName: string; myPledge: bigint }>> {
    const rounds = await this.ds
      .getRepository(FundingRoundEntity)
      .createQueryBuilder('r')
      .where("r.status = 'open' AND r.deadline > now()")
      .orderBy('r.deadline', 'ASC')
      .addOrderBy('r.id', 'ASC')
      .take(50)
      .getMany()
      .then((found) => this.funding.withLiveTotals(found));
    return Promise.all(
      rounds.map(async (round) => ({ round, projectName: (await this.projectOf(round)).name, myPledge: await this.pledgeOf(round.id, memberId) })),
    );
  }

  /**
   * Order windows open now for assets the member co-owns, with whether they have ordered this
   * quarter: a row of `output_orders` with lines (quarters whose orders live in the database), else
   * an order in the plan's projection (quarters whose orders live in the workflow).
   */
  async openOrderWindows(memberId: string): Promise<Array<{ assetId: string; assetName: string; quarter: string; closesAt: Date; ordered: boolean }>> {
    const rows: Array<{ asset_id: string; name: string; quarter: string; window_closes_at: Date; ordered: boolean }> = await this.ds.query(
      `SELECT p.asset_id, a.name, p.quarter, p.window_closes_at,
              CASE WHEN p.orders_in = 'database'
                   THEN EXISTS (SELECT 1 FROM output_orders o WHERE o.asset_id = p.asset_id AND o.quarter = p.quarter AND o.member_id = $1 AND o.lines IS NOT NULL)
                   ELSE EXISTS (SELECT 1 FROM jsonb_array_elements(p.orders) o WHERE o->>'memberId' = $1::text) END AS ordered
         FROM output_plans p JOIN assets a ON a.id = p.asset_id
        WHERE p.status = 'open' AND p.window_opens_at <= now() AND p.window_closes_at > now()
          -- A quarter opened in the database orders by its rows (a lessee of output rights has one; an owner who leased all out has none).
          AND CASE WHEN p.orders_in = 'database' AND p.catalogue IS NOT NULL
                   THEN EXISTS (SELECT 1 FROM output_orders o WHERE o.asset_id = p.asset_id AND o.quarter = p.quarter AND o.member_id = $1)
                   ELSE EXISTS (SELECT 1 FROM asset_shares s WHERE s.asset_id = p.asset_id AND s.member_id = $1 AND s.output_parts > 0) END
        ORDER BY p.window_closes_at, a.name`,
      [memberId],
    );
    return rows.map((r) => ({ assetId: r.asset_id, assetName: r.name, quarter: r.quarter, closesAt: r.window_closes_at, ordered: r.ordered }));
  }

  async round(roundId: string): Promise<{ round: FundingRoundEntity; project: ProjectEntity } | null> {
    const round = await this.ds.getRepository(FundingRoundEntity).findOneBy({ id: roundId });
    if (!round) return null;
    await this.funding.withLiveTotals([round]);
    return { round, project: await this.projectOf(round) };
  }

  async pledgeOf(roundId: string, memberId: string): Promise<bigint> {
    const rows: Array<{ amount: string }> = await this.ds.query('SELECT amount::text FROM funding_pledges WHERE round_id = $1 AND member_id = $2', [roundId, memberId]);
    return rows[0] ? BigInt(rows[0].amount) : 0n;
  }

  /** Per currency: what the member's account holds (available), and what their pledges hold in rounds. */
  async balances(memberId: string): Promise<Array<{ currency: string; available: bigint; held: bigint }>> {
    const rows: Array<{ currency: string; available: string; held: string }> = await this.ds.query(
      `WITH mine AS (
         SELECT a.currency, COALESCE(SUM(e.amount), 0) AS available
           FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
          WHERE a.kind = 'member' AND a.owner_id = $1 GROUP BY a.currency),
       held AS (
         SELECT r.currency, SUM(p.amount) AS held FROM funding_pledges p JOIN funding_rounds r ON r.id = p.round_id
          WHERE p.member_id = $1 AND r.status = ANY($2) GROUP BY r.currency)
       SELECT COALESCE(mine.currency, held.currency) AS currency, COALESCE(mine.available, 0)::text AS available, COALESCE(held.held, 0)::text AS held
         FROM mine FULL JOIN held ON held.currency = mine.currency ORDER BY 1`,
      [memberId, HOLDING_ROUND_STATUSES],
    );
    return rows.map((r) => ({ currency: r.currency, available: BigInt(r.available), held: BigInt(r.held) }));
  }

  /** Every asset the member owns parts of, with its ownership table and its latest quarter plan. */
  async holdings(memberId: string): Promise<HoldingRow[]> {
    const assets = await this.ds
      .getRepository(AssetEntity)
      .createQueryBuilder('a')
      .where('a.id IN (SELECT asset_id FROM asset_shares WHERE member_id = :m AND (parts > 0 OR output_parts > 0))', { m: memberId })
      .orderBy('a.name')
      .getMany();
    return Promise.all(assets.map(async (asset) => ({ asset, owners: await this.owners(asset.id), latestPlan: await this.latestPlan(asset.id) })));
  }

  async asset(assetId: string): Promise<AssetEntity | null> {
    return this.ds.getRepository(AssetEntity).findOneBy({ id: assetId });
  }

  async owners(assetId: string): Promise<HoldingRow['owners']> {
    const rows: Array<{ member_id: string; name: string; parts: string; output_parts: string; active: boolean }> = await this.ds.query(
      `SELECT s.member_id, m.name, s.parts::text, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id
        WHERE s.asset_id = $1 AND (s.parts > 0 OR s.output_parts > 0) ORDER BY s.parts DESC, m.name`,
      [assetId],
    );
    return rows.map((r) => ({ memberId: r.member_id, name: r.name, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) }));
  }

  /**
   * Output weights of the owners who take part in a quarter: as its window opened (the rows of
   * `output_orders`, the weights its plan uses), else as they stand now (active members with an
   * output share, as the cycle will take them).
   */
  async outputWeights(assetId: string, quarter?: string): Promise<Array<{ memberId: string; weight: bigint }>> {
    if (quarter) {
      const opened = await this.orders.quarterWeights(assetId, quarter);
      if (opened.length > 0) return opened;
    }
    return (await this.ownership.activeOutputShares(assetId)).map((o) => ({ memberId: o.memberId, weight: o.outputParts }));
  }

  async latestPlan(assetId: string): Promise<OutputPlanEntity | null> {
    return this.ds.getRepository(OutputPlanEntity).findOne({ where: { assetId }, order: { quarter: 'DESC' } });
  }

  /** The newest quarter already allocated. */
  async latestAllocated(assetId: string): Promise<OutputPlanEntity | null> {
    return this.orders.latestPlanned(assetId);
  }

  /**
   * A member's order in a quarter (`myOrder`), and the standing order that applies there if they
   * do not order (`standingOrder`). Quarters whose orders live in the database: the member's row
   * of `output_orders` (its lines, and the standing order carried to it), or, before the quarter
   * opens, what their latest earlier row would carry. Quarters whose orders lived in the workflow:
   * the plan's projection, and the standing order as the last allocated quarter left it.
   */
  async memberOrders(assetId: string, memberId: string, quarter: string): Promise<{ myOrder: OwnerOrder | null; standingOrder: OwnerOrder | null }> {
    const plan = await this.orders.findPlan(assetId, quarter);
    if (plan?.ordersIn === 'database') {
      const row = await this.orders.memberOrder(assetId, quarter, memberId);
      return { myOrder: row?.myOrder ?? null, standingOrder: row?.carried ?? null };
    }
    const myOrder = plan?.orders.find((o) => o.memberId === memberId) ?? null;
    const prev = await this.orders.standingBefore(assetId, memberId, quarter);
    if (prev !== undefined) return { myOrder, standingOrder: prev };
    const allocated = await this.ds
      .getRepository(OutputPlanEntity)
      .createQueryBuilder('p')
      .where("p.assetId = :assetId AND p.status = 'planned' AND p.quarter < :quarter", { assetId, quarter })
      .orderBy('p.quarter', 'DESC')
      .getOne();
    const standing = allocated?.orders.find((o) => o.memberId === memberId) ?? null;
    return { myOrder, standingOrder: standing?.standing ? standing : null };
  }

  linesOf(plan: QuarterPlan | null, memberId: string) {
    return (plan?.lines ?? []).filter((l) => l.memberId === memberId);
  }

  private async projectOf(round: FundingRoundEntity): Promise<ProjectEntity> {
    return this.ds.getRepository(ProjectEntity).findOneByOrFail({ id: round.projectId });
  }
}
