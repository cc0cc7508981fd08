import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { HandoffStatus, HandoffView, LotStatus } from '@app/contracts';
import { HANDOFF_COLUMNS, HandoffRow, toHandoffView } from './flow-views';

/** The receiver's answer to a hand-off. */
export type HandoffAnswer =
  | { accepted: true; /** Default: all that was sent. */ quantityReceived?: number; note?: string | null; photoUrl?: string | null }
  | { accepted: false; reason: string; note?: string | null; photoUrl?: string | null };

/** Who answers: a node with its own token, or a member (for themselves, a pickup point they keep, or a node they own). */
export type HandoffAnswerer = { kind: 'node'; nodeId: string } | { kind: 'member'; memberId: string };

export type HandoffRefusalCode = 'handoff_not_found' | 'not_receiver' | 'more_than_sent' | 'handoff_answered';

/** A refused answer; nothing was written. */
export class HandoffRefusal extends Error {
  constructor(
    readonly code: HandoffRefusalCode,
    message: string,
    readonly figures?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HandoffRefusal';
  }
}

export interface HandoffAnswered {
  handoff: HandoffView;
  /** The flow's workflow, to signal `handoffAnswered` after commit. */
  workflowId: string;
  /** The same answer was already recorded: nothing changed. */
  repeated: boolean;
  /** The flow has not been told yet (a first answer, or a repeat whose earlier signal failed). */
  signalPending: boolean;
}

/** SQL: the hand-off `h` is to the member $1: to them, to a pickup point they keep, or to a node they own. */
const TO_MEMBER = `((h.to_type = 'member' AND h.to_id = $1)
  OR (h.to_type = 'pickup' AND EXISTS (SELECT 1 FROM pickup_points p WHERE p.id = h.to_id AND p.keeper_member_id = $1))
  OR (h.to_type = 'node' AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = h.to_id AND n.owner_member_id = $1)))`;

/**
 * Hand-offs on the API side: the receiver's answer (one transaction under the hand-off's row lock,
 * with the lot's holder and status) and the lists each receiver sees. The flow's workflow creates
 * them and reacts to the answers (slice C).
 */
@Injectable()
export class HandoffsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Records the receiver's answer. Refused, writing nothing: not the receiver (or no such hand-off:
   * `handoff_not_found`, the same to anyone not entitled to see it), more than was sent, or a
   * different answer after one is recorded. The same answer again is a repeat.
   */
  answer(id: string, by: HandoffAnswerer, a: HandoffAnswer, answeredBy: string): Promise<HandoffAnswered> {
    return this.ds.transaction(async (m) => {
      const [h] = (await m.query(
        `SELECT h.*, f.workflow_id, l.carrier_node_id AS leg_carrier
           FROM handoffs h JOIN flows f ON f.id = h.flow_id LEFT JOIN flow_legs l ON l.id = h.leg_id
          WHERE h.id = $1 FOR UPDATE OF h`,
        [id],
      )) as Array<{ id: string; status: HandoffStatus; to_type: string; to_id: string; quantity_sent: number; quantity_received: number | null; lot_id: string; workflow_id: string; leg_carrier: string | null; signalled_at: Date | null }>;
      if (!h) throw new HandoffRefusal('handoff_not_found', `hand-off ${id} does not exist`);
      if (!(await this.isReceiver(m, id, by))) throw new HandoffRefusal('not_receiver', `only the receiver of hand-off ${id} answers it`);
      const received = a.accepted ? (a.quantityReceived ?? h.quantity_sent) : null;
      if (received !== null && received > h.quantity_sent) {
        throw new HandoffRefusal('more_than_sent', `${received} received is more than the ${h.quantity_sent} sent`, { quantitySent: String(h.quantity_sent), quantityReceived: String(received) });
      }
      if (h.status !== 'pending') {
        const same = (h.status === 'accepted') === a.accepted && (!a.accepted || h.quantity_received === received);
        if (!same) {
          throw new HandoffRefusal('handoff_answered', `hand-off ${id} was already ${h.status}${h.status === 'accepted' ? ` (${h.quantity_received} received)` : ''}`, {
            // Not `status`: that member of a problem document is its HTTP status.
            answer: h.status,
            ...(h.quantity_received !== null ? { quantityReceived: String(h.quantity_received) } : {}),
          });
        }
        return { handoff: (await this.find(id, m))!, workflowId: h.workflow_id, repeated: true, signalPending: h.signalled_at === null };
      }
      await m.query(
        `UPDATE handoffs SET status = $2, quantity_received = $3, note = $4, photo_url = $5, reason = $6, answered_by = $7, answered_at = now() WHERE id = $1`,
        [id, a.accepted ? 'accepted' : 'rejected', received, a.note ?? null, a.photoUrl ?? null, a.accepted ? null : a.reason, answeredBy],
      );
      if (a.accepted) {
        // The receiver holds it now: a carrier picking it up carries it; a node has it to work on;
        // a member has it delivered; a pickup point keeps it for its member.
        const status: LotStatus = h.to_type === 'member' ? 'delivered' : h.to_type === 'node' && h.leg_carrier === h.to_id ? 'in-transit' : 'received';
        await m.query(`UPDATE lots SET holder_type = $2, holder_id = $3, status = $4, updated_at = now() WHERE id = $1`, [h.lot_id, h.to_type, h.to_id, status]);
      } else {
        await m.query(`UPDATE lots SET status = 'rejected', updated_at = now() WHERE id = $1`, [h.lot_id]);
      }
      return { handoff: (await this.find(id, m))!, workflowId: h.workflow_id, repeated: false, signalPending: true };
    });
  }

  /** The flow was told of the answer: a repeat does not tell it again. */
  async markSignalled(id: string): Promise<void> {
    await this.ds.query(`UPDATE handoffs SET signalled_at = now() WHERE id = $1 AND signalled_at IS NULL`, [id]);
  }

  private async isReceiver(m: EntityManager, id: string, by: HandoffAnswerer): Promise<boolean> {
    const [row] = (await (by.kind === 'node'
      ? m.query(`SELECT 1 FROM handoffs h WHERE h.id = $2 AND h.to_type = 'node' AND h.to_id = $1`, [by.nodeId, id])
      : m.query(`SELECT 1 FROM handoffs h WHERE h.id = $2 AND ${TO_MEMBER}`, [by.memberId, id]))) as unknown[];
    return !!row;
  }

  async find(id: string, m: EntityManager = this.ds.manager): Promise<HandoffView | null> {
    const [row] = (await m.query(`SELECT ${HANDOFF_COLUMNS} FROM handoffs h WHERE h.id = $1`, [id])) as HandoffRow[];
    return row ? toHandoffView(row) : null;
  }

  /** Whether the answerer may see the hand-off (they receive it). */
  async visibleTo(id: string, by: HandoffAnswerer): Promise<boolean> {
    return this.isReceiver(this.ds.manager, id, by);
  }

  /** Hand-offs to a node (as its token sees them), or to a member (theirs, their pickup points', their nodes'), oldest pending first. */
  async listFor(by: HandoffAnswerer, f: { status?: HandoffStatus; limit: number; offset: number }): Promise<{ items: HandoffView[]; total: number }> {
    const who = by.kind === 'node' ? `h.to_type = 'node' AND h.to_id = $1` : TO_MEMBER;
    const args: unknown[] = [by.kind === 'node' ? by.nodeId : by.memberId];
    const status = f.status ? ` AND h.status = $${args.push(f.status)}` : '';
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM handoffs h WHERE ${who}${status}`, args)) as Array<{ n: number }>;
    const rows = (await this.ds.query(
      `SELECT ${HANDOFF_COLUMNS} FROM handoffs h WHERE ${who}${status}
        ORDER BY (h.status = 'pending') DESC, h.created_at, h.id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, f.limit, f.offset],
    )) as HandoffRow[];
    return { items: rows.map(toHandoffView), total: n };
  }
}
