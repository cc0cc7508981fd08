/**
 * SQL and row mappers shared by the flow repositories: a hand-off with the names of both sides,
 * a lot with its maker's name. Names are joined here so every read model says who, not only ids.
 */
import type { HandoffStatus, HandoffView, LotStatus, PartyType, TraceLot } from '@app/contracts';

/** The display name of a party (`node`, `member`, `pickup`) whose type and id are the given columns. */
export const partyName = (type: string, id: string) =>
  `CASE ${type} WHEN 'node' THEN (SELECT name FROM nodes WHERE id = ${id}) WHEN 'member' THEN (SELECT name FROM members WHERE id = ${id}) WHEN 'pickup' THEN (SELECT name FROM pickup_points WHERE id = ${id}) END`;

/** Every column a `HandoffView` needs, from `handoffs h`. */
export const HANDOFF_COLUMNS = `h.id, h.flow_id, h.lot_id, h.leg_id, h.from_type, h.from_id, h.to_type, h.to_id, h.quantity_sent, h.quantity_received,
  h.status, h.note, h.photo_url, h.reason, h.created_at, h.answered_at, h.signalled_at,
  ${partyName('h.from_type', 'h.from_id')} AS from_name, ${partyName('h.to_type', 'h.to_id')} AS to_name`;

export interface HandoffRow {
  id: string;
  flow_id: string;
  lot_id: string;
  leg_id: string | null;
  from_type: PartyType;
  from_id: string;
  to_type: PartyType;
  to_id: string;
  quantity_sent: number;
  quantity_received: number | null;
  status: HandoffStatus;
  note: string | null;
  photo_url: string | null;
  reason: string | null;
  created_at: Date;
  answered_at: Date | null;
  signalled_at: Date | null;
  from_name: string | null;
  to_name: string | null;
}

export const toHandoffView = (h: HandoffRow): HandoffView => ({
  id: h.id,
  flowId: h.flow_id,
  lotId: h.lot_id,
  legId: h.leg_id,
  from: { type: h.from_type, id: h.from_id, name: h.from_name },
  to: { type: h.to_type, id: h.to_id, name: h.to_name },
  quantitySent: h.quantity_sent,
  quantityReceived: h.quantity_received,
  status: h.status,
  note: h.note,
  photoUrl: h.photo_url,
  reason: h.reason,
  createdAt: new Date(h.created_at).toISOString(),
  answeredAt: h.answered_at ? new Date(h.answered_at).toISOString() : null,
});

/** Every column a `TraceLot` needs, from `lots l`. */
export const LOT_COLUMNS = `l.id, l.step_key, l.item, l.unit, l.quantity, l.status, l.made_by_node_id, l.job_id, l.run, l.created_at, l.rework_of,
  (SELECT name FROM nodes WHERE id = l.made_by_node_id) AS node_name`;

export interface LotRow {
  id: string;
  step_key: string;
  item: string;
  unit: string;
  quantity: number;
  status: LotStatus;
  made_by_node_id: string;
  job_id: string;
  run: number;
  created_at: Date;
  rework_of: string | null;
  node_name: string | null;
}

export const toTraceLot = (l: LotRow, handoffs: HandoffView[], depth: number): TraceLot => ({
  id: l.id,
  stepKey: l.step_key,
  item: l.item,
  unit: l.unit,
  quantity: l.quantity,
  status: l.status,
  madeBy: { nodeId: l.made_by_node_id, nodeName: l.node_name, jobId: l.job_id, run: l.run },
  madeAt: new Date(l.created_at).toISOString(),
  reworkOf: l.rework_of,
  handoffs,
  depth,
});

export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
