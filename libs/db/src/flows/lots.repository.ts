import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { HandoffView, LotTrace, TraceLot } from '@app/contracts';
import { HANDOFF_COLUMNS, HandoffRow, LOT_COLUMNS, LotRow, toHandoffView, toTraceLot } from './flow-views';

/** How far a trace follows lots into lots (a recipe has at most 30 steps; reworks add a few). */
export const TRACE_MAX_DEPTH = 50;

/**
 * Lots and their trace: backward through `lot_inputs` to every lot a lot was made from, forward to
 * every lot it went into, each with its hand-offs in order (who made it, who carried it, who got it).
 */
@Injectable()
export class LotsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async trace(lotId: string): Promise<LotTrace | null> {
    const [root] = (await this.ds.query(`SELECT ${LOT_COLUMNS} FROM lots l WHERE l.id = $1`, [lotId])) as LotRow[];
    if (!root) return null;
    // Each related lot once, at its nearest depth, with the lot it was reached through. The depth
    // bound stops the walk whatever the data (lot_inputs cannot hold a cycle by construction, but a trace must end).
    const walk = (from: 'lot_id' | 'input_lot_id', to: 'lot_id' | 'input_lot_id') => `
      WITH RECURSIVE walk(lot_id, via, depth) AS (
        SELECT li.${to}, li.${from}, 1 FROM lot_inputs li WHERE li.${from} = $1
        UNION ALL
        SELECT li.${to}, li.${from}, w.depth + 1 FROM lot_inputs li JOIN walk w ON li.${from} = w.lot_id WHERE w.depth < $2
      )
      SELECT DISTINCT ON (w.lot_id) w.lot_id, w.via, w.depth, ${LOT_COLUMNS}
        FROM walk w JOIN lots l ON l.id = w.lot_id
       ORDER BY w.lot_id, w.depth, w.via`;
    const backward = (await this.ds.query(walk('lot_id', 'input_lot_id'), [lotId, TRACE_MAX_DEPTH])) as Array<LotRow & { via: string; depth: number }>;
    const forward = (await this.ds.query(walk('input_lot_id', 'lot_id'), [lotId, TRACE_MAX_DEPTH])) as Array<LotRow & { via: string; depth: number }>;
    const ids = [lotId, ...backward.map((l) => l.id), ...forward.map((l) => l.id)];
    const handoffs = (await this.ds.query(`SELECT ${HANDOFF_COLUMNS} FROM handoffs h WHERE h.lot_id = ANY($1) ORDER BY h.created_at, h.id`, [ids])) as HandoffRow[];
    const byLot = new Map<string, HandoffView[]>();
    for (const h of handoffs) {
      const list = byLot.get(h.lot_id) ?? [];
      list.push(toHandoffView(h));
      byLot.set(h.lot_id, list);
    }
    const nearestFirst = (a: { depth: number; created_at: Date; id: string }, b: { depth: number; created_at: Date; id: string }) =>
      a.depth - b.depth || new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id);
    const withVia = (l: LotRow & { via: string; depth: number }): TraceLot & { via: string } => ({ ...toTraceLot(l, byLot.get(l.id) ?? [], l.depth), via: l.via });
    return {
      lot: toTraceLot(root, byLot.get(lotId) ?? [], 0),
      backward: backward.sort(nearestFirst).map(withVia),
      forward: forward.sort(nearestFirst).map(withVia),
    };
  }

  /**
   * A member may trace a lot they hold or received, or one a node of theirs made, held, sent or
   * received (by any hand-off).
   */
  async memberMaySee(memberId: string, lotId: string): Promise<boolean> {
    const [row] = (await this.ds.query(
      `SELECT 1 FROM lots l WHERE l.id = $2 AND (
         (l.holder_type = 'member' AND l.holder_id = $1)
         OR EXISTS (SELECT 1 FROM nodes n WHERE n.owner_member_id = $1 AND (n.id = l.made_by_node_id OR (l.holder_type = 'node' AND n.id = l.holder_id)))
         OR EXISTS (SELECT 1 FROM handoffs h WHERE h.lot_id = l.id AND (
              (h.to_type = 'member' AND h.to_id = $1)
              OR (h.to_type = 'pickup' AND EXISTS (SELECT 1 FROM pickup_points p WHERE p.id = h.to_id AND p.keeper_member_id = $1))
              OR EXISTS (SELECT 1 FROM nodes n WHERE n.owner_member_id = $1 AND ((h.to_type = 'node' AND n.id = h.to_id) OR (h.from_type = 'node' AND n.id = h.from_id)))))
       )`,
      [memberId, lotId],
    )) as unknown[];
    return !!row;
  }
}
