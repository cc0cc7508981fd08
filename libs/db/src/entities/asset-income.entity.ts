import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Relation, Unique } from 'typeorm';
import { bigintColumn } from './columns';
import { AssetEntity } from './asset.entity';
import { MemberEntity } from './member.entity';

/**
 * A sale of part of an asset's quarterly output (idempotent by key, per asset): the money came
 * from outside the network (the external-world account) into the asset's `asset` account.
 */
@Entity({ name: 'asset_sales' })
@Unique('uq_asset_sales_key', ['assetId', 'idempotencyKey'])
@Index('ix_asset_sales_asset_quarter', ['assetId', 'quarter'])
@Check('ck_asset_sales_figures', '"quantity" > 0 AND "unit_price" > 0 AND "amount" > 0')
export class AssetSaleEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_asset_sales' }) id!: string;
  @Column({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_asset_sales_asset' })
  asset?: Relation<AssetEntity>;
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 }) idempotencyKey!: string;
  @Column({ name: 'request_hash', type: 'char', length: 64 }) requestHash!: string;
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ name: 'product_id', type: 'varchar', length: 64 }) productId!: string;
  @Column({ type: 'int' }) quantity!: number;
  /** Minor units per unit; `amount` = quantity × unit price. */
  @Column({ name: 'unit_price', type: 'bigint', transformer: bigintColumn }) unitPrice!: bigint;
  @Column({ type: 'bigint', transformer: bigintColumn }) amount!: bigint;
  @Column({ type: 'char', length: 3 }) currency!: string;
  /** The buyer: a member of the network, or a name (a shop, a market stall). */
  @Column({ name: 'buyer_member_id', type: 'uuid', nullable: true }) buyerMemberId!: string | null;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'buyer_member_id', foreignKeyConstraintName: 'fk_asset_sales_buyer' })
  buyerMember?: Relation<MemberEntity> | null;
  @Column({ name: 'buyer_name', type: 'varchar', length: 200, nullable: true }) buyerName!: string | null;
  /** `coordinator:<id>`, `coordinator` (bootstrap token) or `node:<id>`. */
  @Column({ name: 'recorded_by', type: 'varchar', length: 64 }) recordedBy!: string;
  @Column({ name: 'ledger_transaction_id', type: 'uuid' }) ledgerTransactionId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A quarter's income shared among an asset's owners: once per asset and quarter. */
@Entity({ name: 'income_distributions' })
@Unique('uq_income_distributions_asset_quarter', ['assetId', 'quarter'])
export class IncomeDistributionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_income_distributions' }) id!: string;
  @Column({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_income_distributions_asset' })
  asset?: Relation<AssetEntity>;
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
  /** The sum of the quarter's sales (minor units): what is shared. */
  @Column({ type: 'bigint', transformer: bigintColumn }) income!: bigint;
  @Column({ name: 'sale_count', type: 'int' }) saleCount!: number;
  /** The rule's name and its words (libs/domain income.ts). */
  @Column({ type: 'varchar', length: 64 }) rule!: string;
  @Column({ name: 'rule_text', type: 'text' }) ruleText!: string;
  /** The shares it used (ownership and output parts, as they were at the distribution). */
  @Column({ name: 'total_parts', type: 'bigint', transformer: bigintColumn }) totalParts!: bigint;
  @Column({ name: 'total_output_parts', type: 'bigint', transformer: bigintColumn }) totalOutputParts!: bigint;
  /** Output parts beyond ownership parts (the operator's bonus), summed. */
  @Column({ name: 'bonus_parts', type: 'bigint', transformer: bigintColumn }) bonusParts!: bigint;
  @Column({ name: 'ledger_transaction_id', type: 'uuid', nullable: true }) ledgerTransactionId!: string | null;
  @Column({ name: 'distributed_by', type: 'varchar', length: 64 }) distributedBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** One owner's part of a distribution, with the sentence that explains it. */
@Entity({ name: 'income_distribution_lines' })
@Index('ix_income_distribution_lines_member', ['memberId'])
export class IncomeDistributionLineEntity {
  @PrimaryColumn({ name: 'distribution_id', type: 'uuid', primaryKeyConstraintName: 'PK_income_distribution_lines' }) distributionId!: string;
  @ManyToOne(() => IncomeDistributionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'distribution_id', foreignKeyConstraintName: 'fk_income_distribution_lines_distribution' })
  distribution?: Relation<IncomeDistributionEntity>;
  @PrimaryColumn({ name: 'member_id', type: 'uuid', primaryKeyConstraintName: 'PK_income_distribution_lines' }) memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'member_id', foreignKeyConstraintName: 'fk_income_distribution_lines_member' })
  member?: Relation<MemberEntity>;
  @Column({ type: 'bigint', transformer: bigintColumn }) parts!: bigint;
  @Column({ name: 'output_parts', type: 'bigint', transformer: bigintColumn }) outputParts!: bigint;
  @Column({ name: 'bonus_parts', type: 'bigint', transformer: bigintColumn }) bonusParts!: bigint;
  @Column({ type: 'bigint', transformer: bigintColumn }) amount!: bigint;
  @Column({ type: 'text' }) explanation!: string;
}
