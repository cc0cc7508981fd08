import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export const PICKUP_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type PickupDay = (typeof PICKUP_DAYS)[number];

export interface PickupPoint {
  id: string;
  locationId: string;
  name: string;
  keeperMemberId: string;
  keeperName: string | null;
  days: PickupDay[];
  hours: string | null;
  status: 'active' | 'closed';
  createdAt: Date;
}

interface PickupRow {
  id: string;
  location_id: string;
  name: string;
  keeper_member_id: string;
  keeper_name: string | null;
  days: PickupDay[];
  hours: string | null;
  status: 'active' | 'closed';
  created_at: Date;
}

const toPoint = (r: PickupRow): PickupPoint => ({ id: r.id, locationId: r.location_id, name: r.name, keeperMemberId: r.keeper_member_id, keeperName: r.keeper_name, days: r.days, hours: r.hours, status: r.status, createdAt: r.created_at });
const COLUMNS = `p.*, (SELECT name FROM members WHERE id = p.keeper_member_id) AS keeper_name`;

/** Pickup points of a location (`pickup_points`): a member keeps it; members collect there on its set days. */
@Injectable()
export class PickupPointsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async create(p: { locationId: string; name: string; keeperMemberId: string; days: PickupDay[]; hours: string | null }): Promise<PickupPoint> {
    const [row] = (await this.ds.query(`INSERT INTO pickup_points (location_id, name, keeper_member_id, days, hours) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
      p.locationId,
      p.name,
      p.keeperMemberId,
      JSON.stringify(p.days),
      p.hours,
    ])) as Array<{ id: string }>;
    return (await this.find(row.id))!;
  }

  async find(id: string): Promise<PickupPoint | null> {
    const [row] = (await this.ds.query(`SELECT ${COLUMNS} FROM pickup_points p WHERE p.id = $1`, [id])) as PickupRow[];
    return row ? toPoint(row) : null;
  }

  async ofLocation(locationId: string): Promise<PickupPoint[]> {
    const rows = (await this.ds.query(`SELECT ${COLUMNS} FROM pickup_points p WHERE p.location_id = $1 ORDER BY p.name, p.id`, [locationId])) as PickupRow[];
    return rows.map(toPoint);
  }
}
