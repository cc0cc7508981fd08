import type { EntityManager } from 'typeorm';
import { quarterAt } from '@app/domain';

/**
 * Parts each owner of an asset has leased out (their output rights) for the current quarter (in
 * the asset's time zone) or a later one: the most under lease in any one quarter. Those parts are
 * promised to a lessee, so nothing may sell or move them until the lease ends: the market, the
 * operator's buy-out and a transfer by hand all count them. Call it under the asset row's lock
 * (leases take the same lock), with `memberIds` to ask about some owners only.
 */
export async function leasedOutParts(m: EntityManager, asset: { id: string; timeZone: string }, memberIds?: string[]): Promise<Map<string, bigint>> {
  const [{ now }] = (await m.query(`SELECT now() AS now`)) as Array<{ now: Date }>;
  const rows = (await m.query(
    `SELECT member_id, max(parts)::text AS parts FROM (
       SELECT l.lessor_member_id AS member_id, q.quarter, sum(l.parts) AS parts
         FROM lease_quarters q JOIN leases l ON l.id = q.lease_id
        WHERE l.asset_id = $1 AND q.quarter >= $2 AND q.status IN ('prepaid', 'due', 'paid')
          AND ($3::uuid[] IS NULL OR l.lessor_member_id = ANY($3::uuid[]))
        GROUP BY l.lessor_member_id, q.quarter) s
      GROUP BY member_id`,
    [asset.id, quarterAt(now, asset.timeZone), memberIds ?? null],
  )) as Array<{ member_id: string; parts: string }>;
  return new Map(rows.map((r) => [r.member_id, BigInt(r.parts)]));
}
