import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CatalogueProduct } from '@app/contracts';
import { capacityForSale, CreditClaim, creditRoom, parseQuarter, quarterWindow } from '@app/domain';
import { OutputCreditEntity } from '../entities/output-credit.entity';
import { insertJobRow, NewJobRow } from '../jobs/jobs.repository';

/** A job's price in output: units of a product of an asset in a quarter. */
export interface CreditPrice {
  assetId: string;
  productId: string;
  quarter: string;
  units: number;
}

export type CreditRefusalCode = 'unknown_asset' | 'asset_not_producing' | 'unknown_product' | 'invalid_quarter' | 'quarter_closed' | 'credit_over_capacity';

/** A credit the rules refuse: nothing was written. `figures` explain it (RFC 9457 extension members). */
export class CreditRefusal extends Error {
  constructor(
    readonly code: CreditRefusalCode,
    message: string,
    readonly figures: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Output credits (`output_credits`): a job's price paid in so many units of a co-owned asset's
 * output in a future quarter. Promised with the job (one transaction), granted or cancelled by the
 * job's projection (`JobsRepository.record`), taken off the top when the quarter is planned
 * (`OutputOrdersRepository.planQuarter`).
 */
@Injectable()
export class OutputCreditsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Writes the job row and its credit `promised`, in one transaction, or neither. The asset's row
   * is locked (credits of one asset are checked one at a time), the quarter's plan row share-locked
   * (planning takes it for update, so no credit lands in a quarter being planned). The quarter must
   * not have started nor been planned; the units must fit what the quarter can still make of the
   * product after the parts for sale and the credits already promised or granted.
   */
  async createJobWithCredit(row: NewJobRow, c: CreditPrice, now = new Date()): Promise<void> {
    await this.ds.transaction(async (m) => {
      const [asset] = (await m.query(`SELECT id, time_zone, quarterly_capacity, output_catalogue FROM assets WHERE id = $1 FOR UPDATE`, [c.assetId])) as Array<{
        id: string;
        time_zone: string;
        quarterly_capacity: number | null;
        output_catalogue: CatalogueProduct[];
      }>;
      if (!asset) throw new CreditRefusal('unknown_asset', `asset ${c.assetId} does not exist`);
      try {
        parseQuarter(c.quarter);
      } catch {
        throw new CreditRefusal('invalid_quarter', `quarter must look like 2027-Q2, not ${c.quarter}`);
      }
      const [plan] = (await m.query(`SELECT status, capacity, catalogue FROM output_plans WHERE asset_id = $1 AND quarter = $2 FOR SHARE`, [c.assetId, c.quarter])) as Array<{
        status: string;
        capacity: number | null;
        catalogue: CatalogueProduct[] | null;
      }>;
      const startsAt = quarterWindow(c.quarter, asset.time_zone).startsAt;
      if (plan?.status === 'planned' || startsAt.getTime() <= now.getTime()) {
        throw new CreditRefusal('quarter_closed', `${c.quarter} of asset ${c.assetId} is ${plan?.status === 'planned' ? 'planned already' : 'under way or past'}: a credit needs a quarter not yet planned`, {
          quarter: c.quarter,
          startsAt: startsAt.toISOString(),
          ...(plan ? { planStatus: plan.status } : {}),
        });
      }
      // The quarter as its window opened (if it did), else the asset as it is now.
      const capacity = plan?.capacity ?? asset.quarterly_capacity;
      const catalogue = plan?.catalogue ?? asset.output_catalogue ?? [];
      if (!capacity || catalogue.length === 0) throw new CreditRefusal('asset_not_producing', `asset ${c.assetId} has no quarterly capacity or output catalogue: it produces nothing to pay in`);
      const product = catalogue.find((p) => p.id === c.productId);
      if (!product) throw new CreditRefusal('unknown_product', `product ${c.productId} is not in the catalogue of asset ${c.assetId}`, { products: catalogue.map((p) => p.id).join(', ') });
      const held = (await m.query(`SELECT product_id AS "productId", units FROM output_credits WHERE asset_id = $1 AND quarter = $2 AND status IN ('promised', 'granted')`, [
        c.assetId,
        c.quarter,
      ])) as CreditClaim[];
      const forSale = capacityForSale(catalogue.filter((p) => p.sale).map((p) => ({ productId: p.id, capacityPerUnit: p.capacityPerUnit, fixedUnits: p.sale!.fixedUnits, unordered: p.sale!.unordered })));
      const room = creditRoom(c.productId, { capacity, forSale, catalogue }, held);
      if (c.units > room.available) {
        throw new CreditRefusal(
          'credit_over_capacity',
          `${c.quarter} of asset ${c.assetId} can make ${room.capacity} ${product.unit} of ${product.name} after the parts for sale; ${room.promised} are promised as credits already and ${room.available} are left (credits of other products take capacity too): ${c.units} asked`,
          { capacity: String(room.capacity), promised: String(room.promised), available: String(room.available), asked: String(c.units), unit: product.unit },
        );
      }
      await insertJobRow(m, row);
      await m.query(`INSERT INTO output_credits (job_id, asset_id, quarter, product_id, units, status) VALUES ($1, $2, $3, $4, $5, 'promised') ON CONFLICT (job_id) DO NOTHING`, [
        row.id,
        c.assetId,
        c.quarter,
        c.productId,
        c.units,
      ]);
    });
  }

  findByJob(jobId: string): Promise<OutputCreditEntity | null> {
    return this.ds.getRepository(OutputCreditEntity).findOneBy({ jobId });
  }

  /** The credits of these jobs, by job id. */
  async byJobs(jobIds: string[]): Promise<Map<string, OutputCreditEntity>> {
    if (jobIds.length === 0) return new Map();
    const rows = await this.ds.getRepository(OutputCreditEntity).createQueryBuilder('c').where('c.jobId IN (:...ids)', { ids: jobIds }).getMany();
    return new Map(rows.map((c) => [c.jobId, c]));
  }

  /** An asset's credits (any status), by quarter then age. */
  async ofAsset(assetId: string, page: { limit: number; offset: number }): Promise<{ items: OutputCreditEntity[]; total: number }> {
    const [items, total] = await this.ds.getRepository(OutputCreditEntity).findAndCount({ where: { assetId }, order: { quarter: 'ASC', createdAt: 'ASC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }

  /** The credits a member was granted, by quarter then age. */
  async ofHolder(memberId: string, page: { limit: number; offset: number }): Promise<{ items: OutputCreditEntity[]; total: number }> {
    const [items, total] = await this.ds
      .getRepository(OutputCreditEntity)
      .findAndCount({ where: { holderMemberId: memberId, status: 'granted' }, order: { quarter: 'ASC', createdAt: 'ASC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, total };
  }
}
