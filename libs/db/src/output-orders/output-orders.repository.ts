import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CatalogueProduct, OrderLine, OwnerOrder, PlanCredit, QuarterPlan, QuarterWindow } from '@app/contracts';
import { AssetEntity } from '../entities/asset.entity';
import { OutputPlanEntity } from '../entities/output-plan.entity';

/** An owner's row of a quarter whose orders live in the database (`output_orders`). */
interface OrderRow {
  member_id: string;
  lines: OrderLine[] | null;
  standing: boolean;
  placed_at: Date | null;
  carried: OwnerOrder | null;
}

/** The owner's own order in a row (null until they order). */
const ownOrder = (r: OrderRow): OwnerOrder | null =>
  r.lines === null ? null : { memberId: r.member_id, lines: r.lines, standing: r.standing, placedAt: (r.placed_at ?? new Date(0)).toISOString() };

/** This quarter's order of an owner, else the standing order carried to it, else none. */
export function effectiveOrder(r: OrderRow): OwnerOrder | null {
  return ownOrder(r) ?? r.carried;
}

/** A member's row of one quarter: their own order and the standing order carried to it. */
export interface MemberQuarterOrder {
  myOrder: OwnerOrder | null;
  carried: OwnerOrder | null;
}

/** What placing an order did (see `placeOrder`). */
export type PlaceOrderResult = { kind: 'placed'; myOrder: OwnerOrder | null; carried: OwnerOrder | null } | { kind: 'closed' } | { kind: 'not-owner' };

/** An owner taking part in a quarter, as `planQuarter` hands it to the allocation. */
export interface QuarterOwner {
  memberId: string;
  /** Output parts when the window opened (digits). */
  weight: string;
  /** Their order this quarter, else the standing one carried to it. */
  effective: OwnerOrder | null;
}

/** An owner to mail about a quarter. */
export interface OrderMailee {
  memberId: string;
  name: string;
  email: string;
}

/**
 * The quarters of producing assets (`output_plans`: window, plan, whether the node got it) and,
 * for quarters opened by the current code, one row per owner with their order (`output_orders`).
 * An order is written under a share lock of its plan row; closing the window updates that row, so
 * it waits for the orders in flight and none lands after it.
 */
@Injectable()
export class OutputOrdersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get plans() {
    return this.ds.getRepository(OutputPlanEntity);
  }

  findPlan(assetId: string, quarter: string): Promise<OutputPlanEntity | null> {
    return this.plans.findOneBy({ assetId, quarter });
  }

  findPlanById(planId: string): Promise<OutputPlanEntity | null> {
    return this.plans.findOneBy({ id: planId });
  }

  /** The newest quarter of an asset already planned (allocated). */
  latestPlanned(assetId: string): Promise<OutputPlanEntity | null> {
    return this.plans.findOne({ where: { assetId, status: 'planned' }, order: { quarter: 'DESC' } });
  }

  /** The quarter whose window is open and whose orders live in the database, if any. */
  findOpenQuarter(assetId: string): Promise<OutputPlanEntity | null> {
    return this.plans.findOne({ where: { assetId, status: 'open', ordersIn: 'database' }, order: { quarter: 'ASC' } });
  }

  /** The newest quarter closed for orders and not planned yet (orders in the database), if any. */
  findClosedQuarter(assetId: string): Promise<OutputPlanEntity | null> {
    return this.plans.findOne({ where: { assetId, status: 'closed', ordersIn: 'database' }, order: { quarter: 'DESC' } });
  }

  /** An asset's quarters, newest first, at most `limit`. */
  recentPlans(assetId: string, limit: number): Promise<OutputPlanEntity[]> {
    return this.plans.find({ where: { assetId }, order: { quarter: 'DESC' }, take: limit });
  }

  /** A member's row of a quarter whose orders live in the database (null: not an owner of it). */
  async memberOrder(assetId: string, quarter: string, memberId: string): Promise<MemberQuarterOrder | null> {
    const [row] = (await this.ds.query(`SELECT member_id, lines, standing, placed_at, carried FROM output_orders WHERE asset_id = $1 AND quarter = $2 AND member_id = $3`, [
      assetId,
      quarter,
      memberId,
    ])) as OrderRow[];
    return row ? { myOrder: ownOrder(row), carried: row.carried } : null;
  }

  /**
   * The standing order that applies to a member in `quarter` if they do not order, from their
   * latest earlier row: their order there if it was standing, else what was carried there.
   * `undefined` when they have no earlier row at all (the caller may look elsewhere).
   */
  async standingBefore(assetId: string, memberId: string, quarter: string): Promise<OwnerOrder | null | undefined> {
    const [prev] = (await this.ds.query(
      `SELECT member_id, lines, standing, placed_at, carried FROM output_orders WHERE asset_id = $1 AND member_id = $2 AND quarter < $3 ORDER BY quarter DESC LIMIT 1`,
      [assetId, memberId, quarter],
    )) as OrderRow[];
    if (!prev) return undefined;
    return prev.lines === null ? prev.carried : prev.standing ? ownOrder(prev) : null;
  }

  /**
   * One order, in one transaction, under a share lock of the plan row (the close waits for it):
   * `closed` once the window has closed (by status or by time), `not-owner` when the member had
   * no output share as the window opened (no row), else the member's order replaced (the last
   * one counts). `lines` are stored as given.
   */
  async placeOrder(planId: string, memberId: string, lines: OrderLine[], standing: boolean): Promise<PlaceOrderResult> {
    return this.ds.transaction(async (m) => {
      const [p] = (await m.query(`SELECT asset_id, quarter, status, window_closes_at <= now() AS past FROM output_plans WHERE id = $1 FOR SHARE`, [planId])) as Array<{
        asset_id: string;
        quarter: string;
        status: string;
        past: boolean;
      }>;
      if (!p || p.status !== 'open' || p.past) return { kind: 'closed' };
      const [updated] = (await m.query(
        `UPDATE output_orders SET lines = $4, standing = $5, placed_at = now() WHERE asset_id = $1 AND quarter = $2 AND member_id = $3
         RETURNING member_id, lines, standing, placed_at, carried`,
        [p.asset_id, p.quarter, memberId, JSON.stringify(lines), standing],
      )) as [OrderRow[], number];
      if (!updated[0]) return { kind: 'not-owner' };
      return { kind: 'placed', myOrder: ownOrder(updated[0]), carried: updated[0].carried };
    });
  }

  /** (Cycles that keep their orders in the workflow.) The quarter's row, once; its owners are the workflow's. */
  async openQuarterInWorkflow(assetId: string, quarter: string, window: QuarterWindow): Promise<void> {
    await this.ds.query(
      `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at)
       VALUES ($1, $2, 'open', $3, $4, $5) ON CONFLICT (asset_id, quarter) DO NOTHING`,
      [assetId, quarter, window.opensAt, window.closesAt, window.startsAt],
    );
  }

  /**
   * Opens a quarter whose orders live in PostgreSQL, in one transaction: the plan row with the
   * asset's catalogue, capacity and node as they are now, and a row per owner with an output
   * share (active members), each with the standing order carried from their latest earlier
   * quarter (their order there if it was standing, else what was carried there), or, for the
   * first such quarter after a run that kept orders in the workflow, what that run handed over
   * (`standingOrders`). A quarter left open by such a run (a cycle restarted) is taken over with
   * its orders. Idempotent: a retry after the commit changes nothing (the owners are those of the
   * first attempt). Answers how many owners the quarter has and its node.
   */
  async openQuarter(
    a: AssetEntity,
    quarter: string,
    window: QuarterWindow,
    standingOrders: Record<string, OwnerOrder>,
    /**
     * The quarter's output table, worked out in this transaction once the quarter is known to
     * open now (leases of output rights: their charges and who gets whose output); without it,
     * `asset_shares` as it stands.
     */
    outputTable?: (m: EntityManager) => Promise<Array<{ memberId: string; outputParts: bigint }>>,
  ): Promise<{ owners: number; nodeId: string | null }> {
    return this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, orders_in)
         VALUES ($1, $2, 'open', $3, $4, $5, 'database') ON CONFLICT (asset_id, quarter) DO NOTHING`,
        [a.id, quarter, window.opensAt, window.closesAt, window.startsAt],
      );
      const [plan] = (await m.query(`SELECT id, status, orders_in, orders, catalogue, node_id FROM output_plans WHERE asset_id = $1 AND quarter = $2 FOR UPDATE`, [a.id, quarter])) as Array<{
        id: string;
        status: string;
        orders_in: string;
        orders: OwnerOrder[];
        catalogue: unknown;
        node_id: string | null;
      }>;
      const count = async () => ((await m.query(`SELECT count(*)::int AS n FROM output_orders WHERE asset_id = $1 AND quarter = $2`, [a.id, quarter])) as Array<{ n: number }>)[0].n;
      const opened = plan.orders_in === 'database' && plan.catalogue !== null;
      if (opened || plan.status !== 'open') return { owners: await count(), nodeId: plan.node_id ?? a.nodeId };
      const takenOver = plan.orders_in === 'workflow' ? plan.orders : [];
      await m.query(`UPDATE output_plans SET orders_in = 'database', catalogue = $2, capacity = $3, time_zone = $4, node_id = $5, updated_at = now() WHERE id = $1`, [
        plan.id,
        JSON.stringify(a.outputCatalogue),
        a.quarterlyCapacity ?? 0,
        a.timeZone,
        a.nodeId,
      ]);
      let shares = `SELECT member_id, output_parts FROM asset_shares WHERE asset_id = $1`;
      const params: unknown[] = [a.id, quarter, JSON.stringify(standingOrders ?? {})];
      if (outputTable) {
        const table = await outputTable(m);
        // Built by hand so that parts beyond 2^53 stay exact (JSON numbers are read by PostgreSQL as numeric).
        params.push(`[${table.map((l) => `{"member_id":${JSON.stringify(l.memberId)},"output_parts":${l.outputParts.toString()}}`).join(',')}]`);
        shares = `SELECT x.member_id, x.output_parts FROM jsonb_to_recordset($4::jsonb) AS x(member_id uuid, output_parts bigint)`;
      }
      await m.query(
        `INSERT INTO output_orders (asset_id, quarter, member_id, weight, carried)
         SELECT $1, $2, s.member_id, s.output_parts,
                CASE WHEN prev.member_id IS NULL THEN $3::jsonb -> s.member_id::text
                     WHEN prev.lines IS NULL THEN prev.carried
                     WHEN prev.standing THEN jsonb_build_object('memberId', s.member_id, 'lines', prev.lines, 'standing', true, 'placedAt', to_jsonb(prev.placed_at))
                END
           FROM (${shares}) s
           JOIN members m ON m.id = s.member_id AND m.status = 'active'
           LEFT JOIN LATERAL (
             SELECT p.member_id, p.lines, p.standing, p.placed_at, p.carried FROM output_orders p
              WHERE p.asset_id = $1 AND p.member_id = s.member_id AND p.quarter < $2
              ORDER BY p.quarter DESC LIMIT 1) prev ON true
          WHERE s.output_parts > 0
         ON CONFLICT DO NOTHING`,
        params,
      );
      if (takenOver.length > 0) {
        await m.query(
          `UPDATE output_orders o SET lines = x.lines, standing = x.standing, placed_at = x."placedAt"::timestamptz
             FROM jsonb_to_recordset($3::jsonb) AS x("memberId" uuid, lines jsonb, standing boolean, "placedAt" text)
            WHERE o.asset_id = $1 AND o.quarter = $2 AND o.member_id = x."memberId"`,
          [a.id, quarter, JSON.stringify(takenOver)],
        );
      }
      return { owners: await count(), nodeId: a.nodeId };
    });
  }

  /**
   * Closes a quarter's window: no order is taken after this commits (the update waits for the
   * orders in flight, which hold the plan row's share lock). Answers how many owners ordered.
   */
  async closeQuarter(assetId: string, quarter: string): Promise<{ ordered: number }> {
    await this.ds.query(`UPDATE output_plans SET status = 'closed', updated_at = now() WHERE asset_id = $1 AND quarter = $2 AND status = 'open'`, [assetId, quarter]);
    const [r] = (await this.ds.query(`SELECT count(*)::int AS n FROM output_orders WHERE asset_id = $1 AND quarter = $2 AND lines IS NOT NULL`, [assetId, quarter])) as Array<{ n: number }>;
    return { ordered: r.n };
  }

  /**
   * Plans a closed quarter in one transaction (the plan row locked): `allocate` turns the quarter
   * as it opened (capacity, catalogue) and its owners' effective orders into the plan, which is
   * recorded with those orders. A quarter already planned answers its plan again (idempotent);
   * null when the quarter was never opened.
   */
  async planQuarter(
    assetId: string,
    quarter: string,
    allocate: (q: { capacity: number; catalogue: CatalogueProduct[] }, owners: QuarterOwner[], credits: PlanCredit[]) => QuarterPlan,
  ): Promise<{ planId: string; plan: QuarterPlan } | null> {
    return this.ds.transaction(async (m) => {
      const [row] = (await m.query(`SELECT id, status, plan, catalogue, capacity FROM output_plans WHERE asset_id = $1 AND quarter = $2 FOR UPDATE`, [assetId, quarter])) as Array<{
        id: string;
        status: string;
        plan: QuarterPlan | null;
        catalogue: CatalogueProduct[] | null;
        capacity: number | null;
      }>;
      if (!row) return null;
      if (row.status === 'planned' && row.plan) return { planId: row.id, plan: row.plan };
      const rows = (await m.query(
        `SELECT member_id, weight::text AS weight, lines, standing, placed_at, carried FROM output_orders WHERE asset_id = $1 AND quarter = $2 ORDER BY member_id`,
        [assetId, quarter],
      )) as Array<OrderRow & { weight: string }>;
      const owners = rows.map((r) => ({ memberId: r.member_id, weight: r.weight, effective: effectiveOrder(r) }));
      // Output credits (jobs paid in this quarter's output) still standing: read under the plan's
      // row lock, which a new credit takes as a share lock, so none lands after the plan.
      const credits = (await m.query(
        `SELECT c.id, c.job_id, c.product_id, c.units, c.status, c.holder_member_id, j.quantity, j.unit, j.capability
           FROM output_credits c JOIN jobs j ON j.id = c.job_id
          WHERE c.asset_id = $1 AND c.quarter = $2 AND c.status IN ('promised', 'granted') ORDER BY c.created_at, c.id`,
        [assetId, quarter],
      )) as Array<{ id: string; job_id: string; product_id: string; units: number; status: 'promised' | 'granted'; holder_member_id: string | null; quantity: number; unit: string; capability: string }>;
      const plan = allocate(
        { capacity: row.capacity ?? 0, catalogue: row.catalogue ?? [] },
        owners,
        credits.map((c) => {
          const job = `job ${c.job_id} (${c.quantity} ${c.unit} of ${c.capability})`;
          return {
            creditId: c.id,
            jobId: c.job_id,
            productId: c.product_id,
            units: c.units,
            status: c.status,
            holderMemberId: c.holder_member_id,
            reason: c.status === 'granted' ? `credit for ${job}` : `reserved for ${job}: promised, not granted yet (the job was not confirmed when the quarter was planned)`,
          };
        }),
      );
      const orders = owners.map((o) => o.effective).filter((o): o is OwnerOrder => !!o);
      await m.query(`UPDATE output_plans SET status = 'planned', plan = $2, orders = $3, updated_at = now() WHERE id = $1`, [row.id, JSON.stringify(plan), JSON.stringify(orders)]);
      return { planId: row.id, plan };
    });
  }

  /** The owners' output weights in a quarter as its window opened (the ones its plan uses), in member id order. */
  async quarterWeights(assetId: string, quarter: string): Promise<Array<{ memberId: string; weight: bigint }>> {
    const rows = (await this.ds.query(`SELECT member_id, weight::text AS weight FROM output_orders WHERE asset_id = $1 AND quarter = $2 ORDER BY member_id`, [assetId, quarter])) as Array<{
      member_id: string;
      weight: string;
    }>;
    return rows.map((r) => ({ memberId: r.member_id, weight: BigInt(r.weight) }));
  }

  /**
   * The next `limit` owners of a quarter to mail, in member id order after `after`; with
   * `withoutOrderOnly`, only those with neither an order nor a standing order (the reminder).
   */
  async mailBatch(assetId: string, quarter: string, after: string | null, limit: number, withoutOrderOnly: boolean): Promise<OrderMailee[]> {
    const rows = (await this.ds.query(
      `SELECT o.member_id, m.name, m.email FROM output_orders o JOIN members m ON m.id = o.member_id
        WHERE o.asset_id = $1 AND o.quarter = $2 AND ($3::uuid IS NULL OR o.member_id > $3::uuid)
          AND (NOT $5 OR (o.lines IS NULL AND o.carried IS NULL))
        ORDER BY o.member_id LIMIT $4`,
      [assetId, quarter, after, limit, withoutOrderOnly],
    )) as Array<{ member_id: string; name: string; email: string }>;
    return rows.map((r) => ({ memberId: r.member_id, name: r.name, email: r.email }));
  }

  /** (Cycles that keep their orders in the workflow.) The orders so far; `seq` keeps a slower write from overwriting a newer one. */
  async recordWorkflowOrders(assetId: string, quarter: string, seq: number, orders: OwnerOrder[]): Promise<void> {
    await this.ds.query(`UPDATE output_plans SET orders = $3, orders_seq = $4, updated_at = now() WHERE asset_id = $1 AND quarter = $2 AND orders_seq < $4`, [
      assetId,
      quarter,
      JSON.stringify(orders),
      seq,
    ]);
  }

  /** (Cycles that keep their orders in the workflow.) Records the quarter's plan and the orders it was made from; answers the plan's id (null: no such quarter). Idempotent. */
  async recordWorkflowPlan(assetId: string, quarter: string, plan: QuarterPlan, orders: OwnerOrder[]): Promise<string | null> {
    await this.ds.query(`UPDATE output_plans SET status = 'planned', plan = $3, orders = $4, updated_at = now() WHERE asset_id = $1 AND quarter = $2`, [
      assetId,
      quarter,
      JSON.stringify(plan),
      JSON.stringify(orders),
    ]);
    return (await this.findPlan(assetId, quarter))?.id ?? null;
  }

  /** How sending the plan to the node went (`delivered`: when it arrived; every outcome is kept as text). */
  async recordPlanSent(planId: string, delivered: boolean, result: string): Promise<void> {
    await this.ds.query(`UPDATE output_plans SET plan_sent_at = CASE WHEN $2 THEN now() ELSE plan_sent_at END, plan_send_result = $3 WHERE id = $1`, [planId, delivered, result]);
  }
}
