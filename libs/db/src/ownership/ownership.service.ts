import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { assertWhole, Currency, LedgerError, movement, ShareError, ShareLine, transferParts } from '@app/domain';
import { AssetEntity, AssetShareEntity, ShareTransferEntity } from '../entities/asset.entity';
import { MemberEntity } from '../entities/member.entity';
import { IdempotencyConflictError, RecordNotFoundError, requestHash } from '../hash';
import { FundingRepository } from '../funding/funding.repository';
import { LedgerService, replayedRejection } from '../ledger/ledger.service';
import { leasedOutParts } from '../leases/leased-out';

export interface ShareTransferRequest {
  idempotencyKey: string;
  assetId: string;
  fromMemberId: string;
  toMemberId: string;
  parts: bigint;
  /** What the buyer pays the seller, in minor units; 0 for a gift. */
  price: bigint;
  currency: Currency;
}

/** The columns of a share_transfers row that come straight from the request. */
const transferRecord = (req: ShareTransferRequest, requestHash: string) => ({
  idempotencyKey: req.idempotencyKey,
  requestHash,
  assetId: req.assetId,
  fromMemberId: req.fromMemberId,
  toMemberId: req.toMemberId,
  parts: req.parts,
  price: req.price,
  currency: req.currency,
});

const toLine = (s: AssetShareEntity): ShareLine => ({ memberId: s.memberId, parts: s.parts, outputParts: s.outputParts });

/**
 * Who owns which undivided fraction of an asset. Every change locks the asset row, so changes to
 * one asset are serialised, and checks that the table is still exactly one whole before it commits.
 */
@Injectable()
export class OwnershipService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
    private readonly funding: FundingRepository,
  ) {}

  async table(assetId: string, m: EntityManager = this.ds.manager): Promise<AssetShareEntity[]> {
    return m.find(AssetShareEntity, { where: { assetId }, order: { parts: 'DESC', memberId: 'ASC' } });
  }

  /** The table with the owners' names, largest fraction first (what the public may see: no ids). */
  async namedTable(assetId: string): Promise<Array<{ memberName: string; parts: bigint; outputParts: bigint }>> {
    const rows: Array<{ name: string; parts: string; output_parts: string }> = await this.ds.query(
      `SELECT m.name, s.parts::text, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id
        WHERE s.asset_id = $1 ORDER BY s.parts DESC, m.name`,
      [assetId],
    );
    return rows.map((r) => ({ memberName: r.name, parts: BigInt(r.parts), outputParts: BigInt(r.output_parts) }));
  }

  /** Whether the asset has an ownership table at all (a round buys only an asset nobody owns yet). */
  hasOwners(assetId: string): Promise<boolean> {
    return this.ds.getRepository(AssetShareEntity).existsBy({ assetId });
  }

  /** Whether the member owns parts of the asset or a share of its output. */
  async isOwner(assetId: string, memberId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM asset_shares WHERE asset_id = $1 AND member_id = $2 AND (parts > 0 OR output_parts > 0)', [assetId, memberId]);
    return rows.length > 0;
  }

  /** The active members with a share of the asset's output, in member id order: who takes part in a quarter's orders. */
  async activeOutputShares(assetId: string): Promise<Array<{ memberId: string; outputParts: bigint }>> {
    const rows: Array<{ member_id: string; output_parts: string }> = await this.ds.query(
      `SELECT s.member_id, s.output_parts::text FROM asset_shares s JOIN members m ON m.id = s.member_id AND m.status = 'active'
        WHERE s.asset_id = $1 AND s.output_parts > 0 ORDER BY s.member_id`,
      [assetId],
    );
    return rows.map((r) => ({ memberId: r.member_id, outputParts: BigInt(r.output_parts) }));
  }

  private async lockAsset(m: EntityManager, assetId: string): Promise<AssetEntity> {
    const asset = await m.findOne(AssetEntity, { where: { id: assetId }, lock: { mode: 'pessimistic_write' } });
    if (!asset) throw new RecordNotFoundError('asset', assetId);
    return asset;
  }

  private async assertMembers(m: EntityManager, ids: string[]): Promise<void> {
    const found = await m.findBy(MemberEntity, ids.map((id) => ({ id })));
    const missing = ids.find((id) => !found.some((f) => f.id === id));
    if (missing) throw new RecordNotFoundError('member', missing);
  }

  /**
   * Replaces the whole table (registration of existing co-ownership). Refused while a funding
   * round is buying the asset: its backers' table is created when it pays out.
   */
  async replaceTable(assetId: string, lines: ShareLine[], m?: EntityManager): Promise<AssetShareEntity[]> {
    const run = async (tx: EntityManager) => {
      const asset = await this.lockAsset(tx, assetId);
      const buying = await this.funding.roundBuying(assetId, tx);
      if (buying) throw new ShareError('asset_being_funded', `a funding round (${buying}) is buying this asset; its ownership is created from the pledges when it pays out`);
      assertWhole(lines, asset.totalParts);
      await this.assertMembers(tx, lines.map((l) => l.memberId));
      await tx.delete(AssetShareEntity, { assetId });
      await tx.insert(AssetShareEntity, lines.map((l) => ({ assetId, ...l })));
      return this.table(assetId, tx);
    };
    return m ? run(m) : this.ds.transaction(run);
  }

  /**
   * Creates the table of an asset bought by a funding round, only if the asset has no owners yet:
   * it never replaces one. The same table again (a retried activity) is `created`; another table
   * already there is `already-owned`, and nothing changes.
   */
  async createTableForRound(assetId: string, lines: ShareLine[]): Promise<'created' | 'already-owned'> {
    return this.ds.transaction(async (tx) => {
      const asset = await this.lockAsset(tx, assetId);
      const current = (await this.table(assetId, tx)).map(toLine);
      if (current.length > 0) {
        const key = (ls: ShareLine[]) => JSON.stringify([...ls].sort((a, b) => a.memberId.localeCompare(b.memberId)).map((l) => [l.memberId, String(l.parts), String(l.outputParts)]));
        return key(current) === key(lines) ? 'created' : 'already-owned';
      }
      assertWhole(lines, asset.totalParts);
      await this.assertMembers(tx, lines.map((l) => l.memberId));
      await tx.insert(AssetShareEntity, lines.map((l) => ({ assetId, ...l })));
      return 'created';
    });
  }

  /**
   * Sells `parts` of the seller's fraction to the buyer at `price`: the ownership table and the
   * money (buyer's member account → seller's member account) move in one database transaction, or
   * neither does. Idempotent by key: a retry returns the first transfer, or the first refusal
   * (not enough parts, not enough money), which is recorded against the key.
   */
  async transfer(req: ShareTransferRequest): Promise<{ transfer: ShareTransferEntity; replayed: boolean }> {
    const hash = requestHash({ ...req, idempotencyKey: undefined });
    const outcome = await this.ds.transaction(async (m) => {
      // Same-key requests queue here, so exactly one of them executes.
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [req.idempotencyKey]);
      const existing = await m.findOneBy(ShareTransferEntity, { idempotencyKey: req.idempotencyKey });
      if (existing) {
        if (existing.requestHash !== hash) throw new IdempotencyConflictError(req.idempotencyKey);
        if (existing.status === 'rejected') return storedRejection(existing.errorCode, existing.errorMessage);
        return { transfer: existing, replayed: true };
      }
      try {
        // A savepoint: a refusal undoes the partial work but keeps the record of the refusal below.
        return await m.transaction((sp) => this.execute(sp, req, hash));
      } catch (err) {
        if (!(err instanceof ShareError || err instanceof LedgerError)) throw err;
        await m.insert(ShareTransferEntity, {
          ...transferRecord(req, hash),
          outputParts: 0n,
          ledgerTransactionId: null,
          status: 'rejected',
          errorCode: err.code,
          errorMessage: err.message,
        });
        return err;
      }
    });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private async execute(m: EntityManager, req: ShareTransferRequest, hash: string): Promise<{ transfer: ShareTransferEntity; replayed: boolean }> {
    const asset = await this.lockAsset(m, req.assetId);
    await this.assertMembers(m, [req.fromMemberId, req.toMemberId]);
    const before = (await this.table(req.assetId, m)).map(toLine);
    const after = transferParts(before, req.fromMemberId, req.toMemberId, req.parts);
    assertWhole(after, asset.totalParts);
    // Parts whose output the seller leased out stay theirs until the lease ends.
    const leased = (await leasedOutParts(m, asset, [req.fromMemberId])).get(req.fromMemberId) ?? 0n;
    const owned = before.find((l) => l.memberId === req.fromMemberId)!.parts;
    if (leased > 0n && owned - leased < req.parts) {
      throw new ShareError('insufficient_parts', `member ${req.fromMemberId} owns ${owned} parts but has leased out the output of ${leased}: they can transfer at most ${owned - leased > 0n ? owned - leased : 0n}`);
    }
    const sellerBefore = before.find((l) => l.memberId === req.fromMemberId)!;
    const sellerAfter = after.find((l) => l.memberId === req.fromMemberId);
    const outputParts = sellerBefore.outputParts - (sellerAfter?.outputParts ?? 0n);

    let ledgerTransactionId: string | null = null;
    if (req.price > 0n) {
      // Accounts created in id order: two first-time sales in opposite directions cannot deadlock.
      const accounts = new Map<string, string>();
      for (const memberId of [req.toMemberId, req.fromMemberId].sort()) {
        accounts.set(memberId, (await this.ledger.account('member', memberId, req.currency, m)).id);
      }
      const [buyer, seller] = [accounts.get(req.toMemberId)!, accounts.get(req.fromMemberId)!];
      const posted = await this.ledger.post(
        {
          // The same key as the sale: one namespace with the ledger endpoints (a reuse is a 409).
          idempotencyKey: req.idempotencyKey,
          kind: 'share-sale',
          currency: req.currency,
          entries: movement(buyer, seller, req.price),
          memo: `${req.parts}/${asset.totalParts} parts of asset ${asset.identifier}`,
        },
        m,
      );
      ledgerTransactionId = posted.transaction.id;
    }
    await m.delete(AssetShareEntity, { assetId: req.assetId });
    await m.insert(AssetShareEntity, after.map((l) => ({ assetId: req.assetId, ...l })));
    const transfer = m.create(ShareTransferEntity, { ...transferRecord(req, hash), outputParts, ledgerTransactionId, status: 'done' });
    await m.save(transfer);
    return { transfer, replayed: false };
  }
}

const LEDGER_CODES = new Set<string>(['insufficient_funds', 'currency_mismatch', 'unbalanced', 'empty', 'zero_amount', 'duplicate_account']);

/** The refusal stored for a key, thrown again to a retry. */
function storedRejection(code: string | null, message: string | null): ShareError | LedgerError {
  if (code && LEDGER_CODES.has(code)) return replayedRejection(code, message);
  return new ShareError((code ?? 'invalid_parts') as ShareError['code'], `${message ?? 'refused'} (this Idempotency-Key was refused before; use a new key to try again)`);
}
