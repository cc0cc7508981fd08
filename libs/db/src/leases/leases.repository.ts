import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  Currency,
  LeaseError,
  LeaseGrant,
  LedgerError,
  leaseQuarters,
  MAX_LEASE_QUARTERS,
  movement,
  partsAvailable,
  quarterOfIndex,
  quarterIndex,
  quarterWindow,
  splitPrice,
} from '@app/domain';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { LedgerService } from '../ledger/ledger.service';

export type LeasePayment = 'upfront' | 'quarterly';
export type LeaseQuarterStatus = 'prepaid' | 'due' | 'paid' | 'unpaid' | 'cancelled';

export interface LeaseQuarter {
  quarter: string;
  amount: bigint;
  status: LeaseQuarterStatus;
}

export interface LeaseRequest {
  id: string;
  kind: 'renew' | 'end';
  requestedBy: string;
  quarters: number | null;
  price: bigint | null;
  status: 'open' | 'accepted' | 'declined';
  createdAt: Date;
  decidedAt: Date | null;
}

export interface Lease {
  id: string;
  assetId: string;
  assetName: string;
  lessorMemberId: string;
  lesseeMemberId: string;
  lessorName: string;
  lesseeName: string;
  parts: bigint;
  totalParts: bigint;
  firstQuarter: string;
  /** Quarters of the term (renewals add to it; an early end cuts it). */
  quarters: number;
  lastQuarter: string;
  /** Total price of the term so far (renewals add theirs), minor units. */
  price: bigint;
  currency: Currency;
  payment: LeasePayment;
  /** `active` until its last quarter is over (then `ended`), or `ended` early by agreement. */
  status: 'proposed' | 'declined' | 'active' | 'ended';
  endedEarlyFrom: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

/** Something both sides are told about (by email, in the same transaction). */
export type LeaseEvent =
  | { kind: 'proposed' | 'accepted' | 'declined'; lease: Lease }
  | { kind: 'renewal-proposed' | 'end-proposed' | 'request-declined'; lease: Lease; request: LeaseRequest }
  | { kind: 'renewed'; lease: Lease; request: LeaseRequest }
  | { kind: 'ended'; lease: Lease; request: LeaseRequest; from: string; refund: bigint }
  | { kind: 'quarter-unpaid'; lease: Lease; quarter: string; amount: bigint };

export type LeaseNotify = (m: EntityManager, e: LeaseEvent) => Promise<void>;

export interface LeaseProposal {
  assetId: string;
  lessorMemberId: string;
  lesseeMemberId: string;
  parts: bigint;
  firstQuarter: string;
  quarters: number;
  price: bigint;
  currency: Currency;
  payment: LeasePayment;
}

interface LeaseRowDb {
  id: string;
  asset_id: string;
  asset_name: string;
  total_parts: string;
  lessor_member_id: string;
  lessee_member_id: string;
  lessor_name: string;
  lessee_name: string;
  parts: string;
  first_quarter: string;
  quarters: number;
  price: string;
  currency: Currency;
  payment: LeasePayment;
  status: Lease['status'];
  ended_early_from: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const SELECT_LEASE = `SELECT l.id, l.asset_id, a.name AS asset_name, a.total_parts::text AS total_parts, l.lessor_member_id, l.lessee_member_id, l.parts::text AS parts,
  l.first_quarter, l.quarters, l.price::text AS price, l.currency, l.payment, l.status, l.ended_early_from, l.created_at, l.decided_at,
  lr.name AS lessor_name, le.name AS lessee_name
  FROM leases l JOIN assets a ON a.id = l.asset_id JOIN members lr ON lr.id = l.lessor_member_id JOIN members le ON le.id = l.lessee_member_id`;

/** The quarter `now` falls in (UTC): a lease whose last quarter is before it has run its term. */
export function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

function toLease(r: LeaseRowDb, now = new Date()): Lease {
  const lastQuarter = quarterOfIndex(quarterIndex(r.first_quarter) + r.quarters - 1);
  // A lease ends by itself: once its last quarter is over it is `ended`, with no job to run.
  const status = r.status === 'active' && quarterIndex(lastQuarter) < quarterIndex(currentQuarter(now)) ? 'ended' : r.status;
  return {
    id: r.id,
    assetId: r.asset_id,
    assetName: r.asset_name,
    lessorMemberId: r.lessor_member_id,
    lesseeMemberId: r.lessee_member_id,
    lessorName: r.lessor_name,
    lesseeName: r.lessee_name,
    parts: BigInt(r.parts),
    totalParts: BigInt(r.total_parts),
    firstQuarter: r.first_quarter,
    quarters: r.quarters,
    lastQuarter,
    price: BigInt(r.price),
    currency: r.currency,
    payment: r.payment,
    status,
    endedEarlyFrom: r.ended_early_from,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

function toRequest(r: { id: string; kind: 'renew' | 'end'; requested_by: string; quarters: number | null; price: string | null; status: LeaseRequest['status']; created_at: Date; decided_at: Date | null }): LeaseRequest {
  return { id: r.id, kind: r.kind, requestedBy: r.requested_by, quarters: r.quarters, price: r.price === null ? null : BigInt(r.price), status: r.status, createdAt: r.created_at, decidedAt: r.decided_at };
}

/**
 * Leases of output rights (see libs/domain/src/leases.ts). Every decision locks the asset row
 * first (as ownership changes do), so it cannot interleave with a quarter opening its orders
 * (which reads the leases under a share lock of the same row) or with a sale of parts. Money
 * moves through the ledger in the same transaction with a key per lease and step, so a retry
 * moves nothing twice; a refusal (not enough money) rolls the whole decision back.
 */
@Injectable()
export class LeasesRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  async find(id: string, m: EntityManager = this.ds.manager): Promise<Lease | null> {
    const [r] = (await m.query(`${SELECT_LEASE} WHERE l.id = $1`, [id])) as LeaseRowDb[];
    return r ? toLease(r) : null;
  }

  async quartersOf(id: string, m: EntityManager = this.ds.manager): Promise<LeaseQuarter[]> {
    const rows = (await m.query(`SELECT quarter, amount::text AS amount, status FROM lease_quarters WHERE lease_id = $1 ORDER BY quarter`, [id])) as Array<{ quarter: string; amount: string; status: LeaseQuarterStatus }>;
    return rows.map((r) => ({ quarter: r.quarter, amount: BigInt(r.amount), status: r.status }));
  }

  async requestsOf(id: string, m: EntityManager = this.ds.manager): Promise<LeaseRequest[]> {
    const rows = (await m.query(`SELECT id, kind, requested_by, quarters, price::text AS price, status, created_at, decided_at FROM lease_requests WHERE lease_id = $1 ORDER BY created_at, id`, [id])) as Parameters<
      typeof toRequest
    >[0][];
    return rows.map(toRequest);
  }

  /** A member's leases (as lessor or lessee), newest first. */
  async ofMember(memberId: string, page: { limit: number; offset: number }): Promise<{ items: Lease[]; total: number }> {
    const rows = (await this.ds.query(`${SELECT_LEASE} WHERE l.lessor_member_id = $1 OR l.lessee_member_id = $1 ORDER BY l.created_at DESC, l.id LIMIT $2 OFFSET $3`, [
      memberId,
      page.limit,
      page.offset,
    ])) as LeaseRowDb[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM leases WHERE lessor_member_id = $1 OR lessee_member_id = $1`, [memberId])) as Array<{ n: number }>;
    return { items: rows.map((r) => toLease(r)), total: n };
  }

  /** Every lease (optionally of one asset), newest first: what coordinators read. */
  async all(filter: { assetId?: string }, page: { limit: number; offset: number }): Promise<{ items: Lease[]; total: number }> {
    const rows = (await this.ds.query(`${SELECT_LEASE} WHERE ($1::uuid IS NULL OR l.asset_id = $1) ORDER BY l.created_at DESC, l.id LIMIT $2 OFFSET $3`, [
      filter.assetId ?? null,
      page.limit,
      page.offset,
    ])) as LeaseRowDb[];
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM leases WHERE ($1::uuid IS NULL OR asset_id = $1)`, [filter.assetId ?? null])) as Array<{ n: number }>;
    return { items: rows.map((r) => toLease(r)), total: n };
  }

  /** Whether the member holds, or held, leased output rights of the asset (they take part in its order pages). */
  async isLessee(assetId: string, memberId: string): Promise<boolean> {
    const rows = (await this.ds.query(`SELECT 1 FROM leases WHERE asset_id = $1 AND lessee_member_id = $2 AND status IN ('active', 'ended') LIMIT 1`, [assetId, memberId])) as unknown[];
    return rows.length > 0;
  }

  /** Parts of a lessor leased out per quarter (active leases, quarters neither cancelled nor unpaid). */
  async leasedOut(m: EntityManager, assetId: string, lessorId: string, quarters: string[], exceptLeaseId: string | null = null): Promise<bigint[]> {
    const rows = (await m.query(
      `SELECT q.quarter, sum(l.parts)::text AS parts FROM lease_quarters q JOIN leases l ON l.id = q.lease_id
        WHERE l.asset_id = $1 AND l.lessor_member_id = $2 AND q.quarter = ANY($3) AND q.status IN ('prepaid', 'due', 'paid')
          AND ($4::uuid IS NULL OR l.id <> $4) GROUP BY q.quarter`,
      [assetId, lessorId, quarters, exceptLeaseId],
    )) as Array<{ quarter: string; parts: string }>;
    return rows.map((r) => BigInt(r.parts));
  }

  /**
   * The most parts a member has leased out in any one quarter from `fromQuarter` on: what a sale
   * of their parts must leave them (for the market's and the coordinator's transfers to count).
   */
  async leasedOutFrom(m: EntityManager, assetId: string, memberId: string, fromQuarter: string): Promise<bigint> {
    const [r] = (await m.query(
      `SELECT COALESCE(max(s.parts), 0)::text AS parts FROM (
         SELECT sum(l.parts) AS parts FROM lease_quarters q JOIN leases l ON l.id = q.lease_id
          WHERE l.asset_id = $1 AND l.lessor_member_id = $2 AND q.quarter >= $3 AND q.status IN ('prepaid', 'due', 'paid')
          GROUP BY q.quarter) s`,
      [assetId, memberId, fromQuarter],
    )) as Array<{ parts: string }>;
    return BigInt(r.parts);
  }

  private async lockAsset(m: EntityManager, assetId: string): Promise<{ timeZone: string; totalParts: bigint }> {
    const [a] = (await m.query(`SELECT time_zone, total_parts::text AS total_parts FROM assets WHERE id = $1 FOR UPDATE`, [assetId])) as Array<{ time_zone: string; total_parts: string }>;
    if (!a) throw new RecordNotFoundError('asset', assetId);
    return { timeZone: a.time_zone, totalParts: BigInt(a.total_parts) };
  }

  /**
   * Whether a quarter has begun for leases: its order window has opened (its output table is
   * fixed then) or, for an asset without an order cycle, the quarter itself has started.
   */
  private async begun(m: EntityManager, assetId: string, timeZone: string, quarter: string, now: Date): Promise<boolean> {
    if (quarterWindow(quarter, timeZone).startsAt.getTime() <= now.getTime()) return true;
    const rows = (await m.query(`SELECT 1 FROM output_plans WHERE asset_id = $1 AND quarter = $2`, [assetId, quarter])) as unknown[];
    return rows.length > 0;
  }

  /** The first quarter from `from` on that has not begun. */
  private async firstOpen(m: EntityManager, assetId: string, timeZone: string, from: string, now: Date): Promise<string> {
    let i = quarterIndex(from);
    while (await this.begun(m, assetId, timeZone, quarterOfIndex(i), now)) i += 1;
    return quarterOfIndex(i);
  }

  /** Refuses unless the lessor can lease `parts` more in each of `quarters`, with the figures. */
  private async assertParts(m: EntityManager, assetId: string, lessorId: string, parts: bigint, quarters: string[], exceptLeaseId: string | null = null): Promise<void> {
    const [own] = (await m.query(`SELECT parts::text AS parts FROM asset_shares WHERE asset_id = $1 AND member_id = $2`, [assetId, lessorId])) as Array<{ parts: string }>;
    const owned = BigInt(own?.parts ?? '0');
    const leased = await this.leasedOut(m, assetId, lessorId, quarters, exceptLeaseId);
    const available = partsAvailable(owned, leased);
    if (parts > available) {
      throw new LeaseError('lease_parts_unavailable', `the lessor owns ${owned} parts, ${owned - available} of them already leased out in an overlapping quarter: ${available} can be leased, not ${parts}`, {
        owned: String(owned),
        leasedOut: String(owned - available),
        available: String(available),
        requested: String(parts),
      });
    }
  }

  private async assertStartable(m: EntityManager, assetId: string, timeZone: string, quarter: string, now: Date): Promise<void> {
    if (await this.begun(m, assetId, timeZone, quarter, now)) {
      const first = await this.firstOpen(m, assetId, timeZone, quarter, now);
      throw new LeaseError('quarter_started', `quarter ${quarter} has begun for this asset (its orders are open or planned): the first quarter a lease can start is ${first}`, {
        quarter,
        firstOpenQuarter: first,
      });
    }
  }

  private async lockLease(m: EntityManager, id: string): Promise<Lease> {
    const [r] = (await m.query(`${SELECT_LEASE} WHERE l.id = $1 FOR UPDATE OF l`, [id])) as LeaseRowDb[];
    if (!r) throw new RecordNotFoundError('lease', id);
    return toLease(r);
  }

  /**
   * Moves `amount` from one member to another in the caller's transaction (key: one per lease
   * step). Not enough money is a `insufficient_funds` refusal with the figures, thrown to roll the
   * caller's transaction back.
   */
  private async pay(m: EntityManager, key: string, from: string, to: string, amount: bigint, currency: Currency, memo: string, kind: 'lease' | 'lease-refund' = 'lease'): Promise<string | null> {
    if (amount <= 0n) return null;
    const accounts = new Map<string, string>();
    for (const id of [from, to].sort()) accounts.set(id, (await this.ledger.account('member', id, currency, m)).id);
    try {
      const r = await this.ledger.post({ idempotencyKey: key, kind, currency, entries: movement(accounts.get(from)!, accounts.get(to)!, amount), memo }, m);
      return r.transaction.id;
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'insufficient_funds') {
        const balance = await this.ledger.balance(accounts.get(from)!, m);
        throw new LeaseError('insufficient_funds', `the account of member ${from} holds ${balance} ${currency}, ${amount} are needed`, {
          balance: String(balance),
          needed: String(amount),
          currency,
        });
      }
      throw err;
    }
  }

  /** An owner proposes a lease; the lessee is told. Checked now and again when accepted. */
  async propose(p: LeaseProposal, notify: LeaseNotify, key: string | null = null, now = new Date()): Promise<{ lease: Lease; replayed: boolean }> {
    const hash = requestHash({ ...p, parts: String(p.parts), price: String(p.price) });
    if (key) {
      const [prior] = (await this.ds.query(`SELECT id, request_hash FROM leases WHERE lessor_member_id = $1 AND idempotency_key = $2`, [p.lessorMemberId, key])) as Array<{ id: string; request_hash: string }>;
      if (prior) {
        if (prior.request_hash !== hash) throw new IdempotencyConflictError(key);
        return { lease: (await this.find(prior.id))!, replayed: true };
      }
    }
    if (p.lessorMemberId === p.lesseeMemberId) throw new LeaseError('lease_to_self', 'a lease needs another member as lessee');
    if (p.quarters > MAX_LEASE_QUARTERS) throw new LeaseError('lease_too_long', `a lease runs at most ${MAX_LEASE_QUARTERS} quarters, not ${p.quarters}`, { max: String(MAX_LEASE_QUARTERS), requested: String(p.quarters) });
    return this.ds.transaction(async (m) => {
      const asset = await this.lockAsset(m, p.assetId);
      const [lessee] = (await m.query(`SELECT status FROM members WHERE id = $1`, [p.lesseeMemberId])) as Array<{ status: string }>;
      if (!lessee) throw new RecordNotFoundError('member', p.lesseeMemberId);
      await this.assertStartable(m, p.assetId, asset.timeZone, p.firstQuarter, now);
      await this.assertParts(m, p.assetId, p.lessorMemberId, p.parts, leaseQuarters(p.firstQuarter, p.quarters));
      // A concurrent twin under the same key waits on the unique index, then takes the first one.
      const inserted = (await m.query(
        `INSERT INTO leases (asset_id, lessor_member_id, lessee_member_id, parts, first_quarter, quarters, price, currency, payment, proposed_by, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $2, $10, $11) ON CONFLICT DO NOTHING RETURNING id`,
        [p.assetId, p.lessorMemberId, p.lesseeMemberId, String(p.parts), p.firstQuarter, p.quarters, String(p.price), p.currency, p.payment, key, hash],
      )) as Array<{ id: string }>;
      if (inserted.length === 0) {
        const [prior] = (await m.query(`SELECT id, request_hash FROM leases WHERE lessor_member_id = $1 AND idempotency_key = $2`, [p.lessorMemberId, key])) as Array<{ id: string; request_hash: string }>;
        if (prior.request_hash !== hash) throw new IdempotencyConflictError(key!);
        return { lease: (await this.find(prior.id, m))!, replayed: true };
      }
      const lease = (await this.find(inserted[0].id, m))!;
      await notify(m, { kind: 'proposed', lease });
      return { lease, replayed: false };
    });
  }

  /**
   * The lessee accepts or declines a proposal. Accepting checks the parts and the start again
   * (under the asset's lock), writes a row per quarter, and, paid up front, moves the whole price
   * lessee → lessor (not enough money refuses it and nothing changes). The same answer again is
   * answered with the lease as it is (`replayed`); the other answer after it is `lease_not_open`.
   */
  async decide(leaseId: string, memberId: string, accept: boolean, notify: LeaseNotify, now = new Date()): Promise<{ lease: Lease; replayed: boolean }> {
    return this.ds.transaction(async (m) => {
      const first = await this.find(leaseId, m);
      if (!first) throw new RecordNotFoundError('lease', leaseId);
      if (first.lesseeMemberId !== memberId) throw new LeaseError('not_a_party', 'only the lessee answers a lease proposal');
      const asset = await this.lockAsset(m, first.assetId);
      const lease = await this.lockLease(m, leaseId);
      if (lease.status !== 'proposed') {
        if ((accept && (lease.status === 'active' || lease.status === 'ended') && lease.decidedAt) || (!accept && lease.status === 'declined')) return { lease, replayed: true };
        throw new LeaseError('lease_not_open', `the lease is ${lease.status}: it was answered before`, { status: lease.status });
      }
      if (!accept) {
        await m.query(`UPDATE leases SET status = 'declined', decided_at = now(), updated_at = now() WHERE id = $1`, [leaseId]);
        const declined = (await this.find(leaseId, m))!;
        await notify(m, { kind: 'declined', lease: declined });
        return { lease: declined, replayed: false };
      }
      await this.assertStartable(m, lease.assetId, asset.timeZone, lease.firstQuarter, now);
      const quarters = leaseQuarters(lease.firstQuarter, lease.quarters);
      await this.assertParts(m, lease.assetId, lease.lessorMemberId, lease.parts, quarters, lease.id);
      const tx =
        lease.payment === 'upfront'
          ? await this.pay(m, `lease:${lease.id}:upfront`, lease.lesseeMemberId, lease.lessorMemberId, lease.price, lease.currency, `lease of ${lease.parts} parts of ${lease.assetName}, ${lease.firstQuarter}–${lease.lastQuarter}, paid up front`)
          : null;
      await this.insertQuarters(m, lease, quarters, lease.price);
      await m.query(`UPDATE leases SET status = 'active', decided_at = now(), updated_at = now(), ledger_transaction_id = $2 WHERE id = $1`, [leaseId, tx]);
      const accepted = (await this.find(leaseId, m))!;
      await notify(m, { kind: 'accepted', lease: accepted });
      return { lease: accepted, replayed: false };
    });
  }

  private async insertQuarters(m: EntityManager, lease: Lease, quarters: string[], price: bigint): Promise<void> {
    const amounts = splitPrice(price, quarters.length);
    await m.query(
      `INSERT INTO lease_quarters (lease_id, quarter, asset_id, amount, status)
       SELECT $1, q, $2, a, $3 FROM unnest($4::text[], $5::bigint[]) AS x(q, a)`,
      [lease.id, lease.assetId, lease.payment === 'upfront' ? 'prepaid' : 'due', quarters, amounts.map(String)],
    );
  }

  /**
   * One side of an active lease asks to renew it (more quarters at a price) or to end it early;
   * the other side is told. One open request per lease at a time.
   */
  async request(leaseId: string, memberId: string, req: { kind: 'renew'; quarters: number; price: bigint } | { kind: 'end' }, notify: LeaseNotify, now = new Date()): Promise<{ lease: Lease; request: LeaseRequest; replayed: boolean }> {
    return this.ds.transaction(async (m) => {
      const first = await this.find(leaseId, m);
      if (!first) throw new RecordNotFoundError('lease', leaseId);
      if (first.lessorMemberId !== memberId && first.lesseeMemberId !== memberId) throw new LeaseError('not_a_party', 'only the lessor and the lessee of a lease change it');
      const asset = await this.lockAsset(m, first.assetId);
      const lease = await this.lockLease(m, leaseId);
      if (lease.status !== 'active') throw new LeaseError('lease_ended', `the lease is ${lease.status}: only an active lease is renewed or ended`, { status: lease.status });
      const [open] = (await m.query(`SELECT id FROM lease_requests WHERE lease_id = $1 AND status = 'open'`, [leaseId])) as Array<{ id: string }>;
      if (open) {
        const [o] = (await m.query(`SELECT id, kind, requested_by, quarters, price::text AS price, status, created_at, decided_at FROM lease_requests WHERE id = $1`, [open.id])) as Parameters<typeof toRequest>[0][];
        const same = o.requested_by === memberId && o.kind === req.kind && (req.kind === 'end' || (o.quarters === req.quarters && o.price === String(req.price)));
        // The same request sent again (a retry) is answered with the open one.
        if (same) return { lease, request: toRequest(o), replayed: true };
        throw new LeaseError('request_open', `request ${open.id} on this lease awaits its answer`, { requestId: open.id });
      }
      if (req.kind === 'renew') {
        if (lease.quarters + req.quarters > MAX_LEASE_QUARTERS) {
          throw new LeaseError('lease_too_long', `a lease runs at most ${MAX_LEASE_QUARTERS} quarters: it has ${lease.quarters}, ${req.quarters} more is too many`, {
            max: String(MAX_LEASE_QUARTERS),
            quarters: String(lease.quarters),
            requested: String(req.quarters),
          });
        }
        await this.assertParts(m, lease.assetId, lease.lessorMemberId, lease.parts, leaseQuarters(quarterOfIndex(quarterIndex(lease.lastQuarter) + 1), req.quarters), lease.id);
      } else {
        const from = await this.firstOpen(m, lease.assetId, asset.timeZone, lease.firstQuarter, now);
        if (quarterIndex(from) > quarterIndex(lease.lastQuarter)) throw new LeaseError('lease_ended', `every quarter of the lease has begun (the last is ${lease.lastQuarter}): nothing is left to end`, { lastQuarter: lease.lastQuarter });
      }
      const [row] = (await m.query(
        `INSERT INTO lease_requests (lease_id, kind, requested_by, quarters, price) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, kind, requested_by, quarters, price::text AS price, status, created_at, decided_at`,
        [leaseId, req.kind, memberId, req.kind === 'renew' ? req.quarters : null, req.kind === 'renew' ? String(req.price) : null],
      )) as Parameters<typeof toRequest>[0][];
      const request = toRequest(row);
      await notify(m, { kind: req.kind === 'renew' ? 'renewal-proposed' : 'end-proposed', lease, request });
      return { lease, request, replayed: false };
    });
  }

  /**
   * The other side answers a request. A renewal accepted adds its quarters after the last one (the
   * parts checked again), paid up front now when the lease is. An early end accepted stops every
   * quarter not yet begun (from then on the output stays with the owner) and gives the lessee back
   * what they paid up front for those quarters: exactly their amounts (the price split per quarter,
   * pro rata in whole minor units), lessor → lessee. The same answer again is `replayed`.
   */
  async answer(leaseId: string, requestId: string, memberId: string, accept: boolean, notify: LeaseNotify, now = new Date()): Promise<{ lease: Lease; request: LeaseRequest; replayed: boolean }> {
    return this.ds.transaction(async (m) => {
      const first = await this.find(leaseId, m);
      if (!first) throw new RecordNotFoundError('lease', leaseId);
      const asset = await this.lockAsset(m, first.assetId);
      let lease = await this.lockLease(m, leaseId);
      const [row] = (await m.query(`SELECT id, kind, requested_by, quarters, price::text AS price, status, created_at, decided_at FROM lease_requests WHERE id = $1 AND lease_id = $2 FOR UPDATE`, [
        requestId,
        leaseId,
      ])) as Parameters<typeof toRequest>[0][];
      if (!row) throw new RecordNotFoundError('lease request', requestId);
      let request = toRequest(row);
      const other = request.requestedBy === lease.lessorMemberId ? lease.lesseeMemberId : lease.lessorMemberId;
      if (memberId !== other) throw new LeaseError('not_a_party', 'the other side of the lease answers a request');
      if (request.status !== 'open') {
        if ((request.status === 'accepted') === accept) return { lease, request, replayed: true };
        throw new LeaseError('lease_not_open', `the request was ${request.status} before`, { status: request.status });
      }
      const decide = async (status: 'accepted' | 'declined') => {
        const [r] = (await m.query(
          `UPDATE lease_requests SET status = $2, decided_at = now() WHERE id = $1 RETURNING id, kind, requested_by, quarters, price::text AS price, status, created_at, decided_at`,
          [requestId, status],
        )) as [Parameters<typeof toRequest>[0][], number];
        return toRequest(r[0]);
      };
      if (!accept) {
        request = await decide('declined');
        await notify(m, { kind: 'request-declined', lease, request });
        return { lease, request, replayed: false };
      }
      if (request.kind === 'renew') {
        const n = request.quarters!;
        const price = request.price!;
        const quarters = leaseQuarters(quarterOfIndex(quarterIndex(lease.lastQuarter) + 1), n);
        await this.assertParts(m, lease.assetId, lease.lessorMemberId, lease.parts, quarters, lease.id);
        if (lease.payment === 'upfront') {
          await this.pay(m, `lease:${lease.id}:renewal:${request.id}`, lease.lesseeMemberId, lease.lessorMemberId, price, lease.currency, `renewal of lease ${lease.id}: ${quarters[0]}–${quarters[quarters.length - 1]}, paid up front`);
        }
        await this.insertQuarters(m, lease, quarters, price);
        await m.query(`UPDATE leases SET quarters = quarters + $2, price = price + $3, updated_at = now() WHERE id = $1`, [leaseId, n, String(price)]);
        request = await decide('accepted');
        lease = (await this.find(leaseId, m))!;
        await notify(m, { kind: 'renewed', lease, request });
        return { lease, request, replayed: false };
      }
      const from = await this.firstOpen(m, lease.assetId, asset.timeZone, lease.firstQuarter, now);
      const stopped = (await m.query(
        `UPDATE lease_quarters SET status = 'cancelled', updated_at = now() WHERE lease_id = $1 AND quarter >= $2 AND status IN ('prepaid', 'due')
         RETURNING quarter, amount::text AS amount`,
        [leaseId, from],
      )) as [Array<{ quarter: string; amount: string }>, number];
      // Quarters of a lease paid up front are all prepaid: what stops is given back.
      const refund = lease.payment === 'upfront' ? stopped[0].reduce((a, q) => a + BigInt(q.amount), 0n) : 0n;
      await this.pay(m, `lease:${lease.id}:refund:${request.id}`, lease.lessorMemberId, lease.lesseeMemberId, refund, lease.currency, `refund of lease ${lease.id} for ${stopped[0].length} quarters not begun, from ${from}`, 'lease-refund');
      const kept = Math.max(0, quarterIndex(from) - quarterIndex(lease.firstQuarter));
      await m.query(`UPDATE leases SET status = 'ended', ended_early_from = $2, quarters = GREATEST($3, 1), price = price - $4, updated_at = now() WHERE id = $1`, [leaseId, from, kept, String(refund)]);
      request = await decide('accepted');
      lease = (await this.find(leaseId, m))!;
      await notify(m, { kind: 'ended', lease, request, from, refund });
      return { lease, request, replayed: false };
    });
  }

  /**
   * A quarter of an asset opens its orders (called by the order cycle inside its transaction,
   * after `lockForQuarter`): every lease quarter due is charged (lessee → lessor, key per lease
   * and quarter; not enough money leaves the output with the owner this quarter, marked `unpaid`
   * and told to both), and the leases in force this quarter are answered, in lease id order, for
   * the quarter's output table. A repeat charges nothing again (the rows say what happened).
   */
  async startQuarter(m: EntityManager, assetId: string, quarter: string, notify: LeaseNotify): Promise<LeaseGrant[]> {
    const rows = (await m.query(
      `SELECT q.lease_id, q.amount::text AS amount, q.status FROM lease_quarters q JOIN leases l ON l.id = q.lease_id
        WHERE q.asset_id = $1 AND q.quarter = $2 AND l.status IN ('active', 'ended') AND q.status IN ('prepaid', 'due', 'paid')
        ORDER BY q.lease_id FOR UPDATE OF q`,
      [assetId, quarter],
    )) as Array<{ lease_id: string; amount: string; status: LeaseQuarterStatus }>;
    const grants: LeaseGrant[] = [];
    for (const r of rows) {
      const lease = (await this.find(r.lease_id, m))!;
      if (r.status === 'due') {
        const amount = BigInt(r.amount);
        try {
          // A savepoint: a refusal undoes only this charge.
          const tx = await m.transaction((sp) =>
            this.pay(sp, `lease:${lease.id}:${quarter}`, lease.lesseeMemberId, lease.lessorMemberId, amount, lease.currency, `lease ${lease.id}: ${quarter}`),
          );
          await m.query(`UPDATE lease_quarters SET status = 'paid', ledger_transaction_id = $3, updated_at = now() WHERE lease_id = $1 AND quarter = $2`, [lease.id, quarter, tx]);
        } catch (err) {
          if (!(err instanceof LeaseError)) throw err;
          await m.query(`UPDATE lease_quarters SET status = 'unpaid', updated_at = now() WHERE lease_id = $1 AND quarter = $2`, [lease.id, quarter]);
          await notify(m, { kind: 'quarter-unpaid', lease, quarter, amount });
          continue;
        }
      }
      grants.push({ leaseId: lease.id, lessorMemberId: lease.lessorMemberId, lesseeMemberId: lease.lesseeMemberId, parts: lease.parts });
    }
    return grants;
  }

  /** Takes the asset row's share lock: lease decisions (which take it exclusively) wait until the quarter has opened. */
  async lockForQuarter(m: EntityManager, assetId: string): Promise<void> {
    await m.query(`SELECT 1 FROM assets WHERE id = $1 FOR SHARE`, [assetId]);
  }
}
