import { HttpStatus, Injectable } from '@nestjs/common';
import { AssetIncomeRepository, AssetSaleEntity, AssetsRepository, DistributionWithLines, IncomeRefusal, MembersRepository } from '@app/db';
import { IncomeMail } from '@app/mail';
import { ProblemException, Problems } from '../common/problem';
import { RecordSaleDto } from './sales.dto';

/** 409: the quarter's state or what is left refuses it; 422: the request contradicts the catalogue. */
const STATUS: Record<IncomeRefusal['code'], HttpStatus> = {
  quarter_not_planned: HttpStatus.CONFLICT,
  quarter_distributed: HttpStatus.CONFLICT,
  quarter_not_over: HttpStatus.CONFLICT,
  oversold: HttpStatus.CONFLICT,
  mixed_currencies: HttpStatus.CONFLICT,
  not_for_sale: HttpStatus.UNPROCESSABLE_ENTITY,
  currency_mismatch: HttpStatus.UNPROCESSABLE_ENTITY,
};

/**
 * Output that earns, at the edge: sales of an asset's quarterly output (by a coordinator or by
 * the asset's node) and the quarter's income shared among its owners. The money and the records
 * move in `AssetIncomeRepository`, one transaction each; a refusal writes nothing and comes back
 * as a problem with its figures. Owners are emailed their part through the outbox (once per key,
 * so a repeated distribution queues nothing new).
 */
@Injectable()
export class SalesService {
  constructor(
    private readonly income: AssetIncomeRepository,
    private readonly assets: AssetsRepository,
    private readonly members: MembersRepository,
    private readonly mail: IncomeMail,
  ) {}

  private async assertAsset(id: string): Promise<void> {
    if (!(await this.assets.exists(id))) throw Problems.notFound('asset', id);
  }

  private refusal(err: unknown): never {
    if (err instanceof IncomeRefusal) throw new ProblemException(STATUS[err.code], err.code, err.message, undefined, err.figures);
    throw err;
  }

  async record(assetId: string, dto: RecordSaleDto, key: string, recordedBy: string): Promise<{ sale: AssetSaleEntity; replayed: boolean }> {
    await this.assertAsset(assetId);
    const memberId = dto.buyer?.memberId ?? null;
    const name = dto.buyer?.name ?? null;
    if (!memberId && !name) throw Problems.badRequest('buyer', 'buyer needs a memberId or a name');
    if (memberId && !(await this.members.exists(memberId))) throw Problems.badRequest('buyer.memberId', `member ${memberId} does not exist`);
    try {
      return await this.income.recordSale({ assetId, key, quarter: dto.quarter, productId: dto.productId, quantity: dto.quantity, unitPrice: dto.unitPrice, currency: dto.currency, buyerMemberId: memberId, buyerName: name, recordedBy });
    } catch (err) {
      this.refusal(err);
    }
  }

  /** The asset's node may record sales of the asset's output only. */
  async recordByNode(nodeId: string, assetId: string, dto: RecordSaleDto, key: string) {
    const asset = await this.assets.findById(assetId);
    if (!asset || asset.nodeId !== nodeId) throw Problems.notFound('asset of this node', assetId);
    return this.record(assetId, dto, key, `node:${nodeId}`);
  }

  async distribute(assetId: string, quarter: string, by: string): Promise<DistributionWithLines> {
    await this.assertAsset(assetId);
    let result: DistributionWithLines;
    try {
      result = await this.income.distribute(assetId, quarter, by);
    } catch (err) {
      this.refusal(err);
    }
    // Also on a repeat: the first call may have died after its commit, before the mail was queued.
    await this.mail.queue(result.distribution.id);
    return result;
  }

  async sales(assetId: string, q: { quarter?: string; limit: number; offset: number }) {
    await this.assertAsset(assetId);
    return this.income.sales(assetId, q);
  }

  async distributions(assetId: string, q: { limit: number; offset: number }) {
    await this.assertAsset(assetId);
    return this.income.distributions(assetId, q);
  }

  async distribution(assetId: string, quarter: string, q: { limit: number; offset: number }) {
    await this.assertAsset(assetId);
    const d = await this.income.distribution(assetId, quarter);
    if (!d) throw Problems.notFound(`distribution of asset ${assetId} for quarter`, quarter);
    return { distribution: d, ...(await this.income.lines(d.id, q)) };
  }

  memberLines(memberId: string, q: { limit: number; offset: number }) {
    return this.income.memberLines(memberId, q);
  }
}
