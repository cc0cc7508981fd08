import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';
import type { CatalogueProduct, OrderWindowRule } from '@app/contracts';
import { bigintColumn } from './columns';
import { LocationEntity } from './location.entity';
import { MemberEntity } from './member.entity';
import { NodeEntity } from './node.entity';

/** A piece of equipment or facility, co-owned in undivided fractions of `totalParts` parts. */
@Entity({ name: 'assets' })
@Check('ck_assets_total_parts_positive', '"total_parts" > 0')
export class AssetEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  /** e.g. greenhouse, cnc-router, laser-cutter, vehicle */
  @Column({ type: 'varchar', length: 64 }) kind!: string;
  /** A unique identifier: serial number, inventory tag. */
  @Index('uq_assets_identifier', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  identifier!: string;

  @Index('ix_assets_node')
  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;
  @ManyToOne(() => NodeEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'node_id', foreignKeyConstraintName: 'fk_assets_node' })
  node?: Relation<NodeEntity> | null;

  @Column({ type: 'boolean', default: false }) portable!: boolean;
  @Column({ name: 'total_parts', type: 'bigint', transformer: bigintColumn }) totalParts!: bigint;
  /** Producing assets: IANA time zone of order windows, capacity per quarter and its unit, catalogue. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' }) timeZone!: string;
  @Column({ name: 'quarterly_capacity', type: 'int', nullable: true }) quarterlyCapacity!: number | null;
  @Column({ name: 'capacity_unit', type: 'varchar', length: 32, nullable: true }) capacityUnit!: string | null;
  @Column({ name: 'output_catalogue', type: 'jsonb', default: () => "'[]'" }) outputCatalogue!: CatalogueProduct[];
  /** When order windows open and close (days before the quarter, local hour); the default when null. */
  @Column({ name: 'order_window', type: 'jsonb', nullable: true }) orderWindow!: OrderWindowRule | null;
  /** The currency its output is sold in (set with the catalogue when a product is for sale). */
  @Column({ name: 'sale_currency', type: 'char', length: 3, nullable: true }) saleCurrency!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** One owner's undivided fraction of an asset: ownership parts and output parts. */
@Entity({ name: 'asset_shares' })
@Check('ck_asset_shares_non_negative', '"parts" >= 0 AND "output_parts" >= 0')
export class AssetShareEntity {
  @PrimaryColumn({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @PrimaryColumn({ name: 'member_id', type: 'uuid' }) memberId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_asset_shares_asset' })
  asset?: Relation<AssetEntity>;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'member_id', foreignKeyConstraintName: 'fk_asset_shares_member' })
  member?: Relation<MemberEntity>;
  @Column({ type: 'bigint', transformer: bigintColumn }) parts!: bigint;
  @Column({ name: 'output_parts', type: 'bigint', transformer: bigintColumn }) outputParts!: bigint;
}

/** Where and when a portable asset moved. */
@Entity({ name: 'asset_movements' })
export class AssetMovementEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Index('ix_asset_movements_asset')
  @Column({ name: 'asset_id', type: 'uuid' })
  assetId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_asset_movements_asset' })
  asset?: Relation<AssetEntity>;
  @Column({ name: 'location_id', type: 'uuid', nullable: true }) locationId!: string | null;
  @ManyToOne(() => LocationEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'location_id', foreignKeyConstraintName: 'fk_asset_movements_location' })
  location?: Relation<LocationEntity> | null;
  /** Free text where no registered location applies ("on the truck to Leipzig"). */
  @Column({ type: 'text', nullable: true }) place!: string | null;
  @Column({ name: 'moved_at', type: 'timestamptz' }) movedAt!: Date;
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' }) recordedAt!: Date;
}

/** A sale of part of a fraction from one member to another, at a price (idempotent by key). */
@Entity({ name: 'share_transfers' })
export class ShareTransferEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('uq_share_transfers_idempotency_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey!: string;
  @Column({ name: 'request_hash', type: 'char', length: 64 }) requestHash!: string;
  @Index('ix_share_transfers_asset')
  @Column({ name: 'asset_id', type: 'uuid' })
  assetId!: string;
  @ManyToOne(() => AssetEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'asset_id', foreignKeyConstraintName: 'fk_share_transfers_asset' })
  asset?: Relation<AssetEntity>;
  @Column({ name: 'from_member_id', type: 'uuid' }) fromMemberId!: string;
  @Column({ name: 'to_member_id', type: 'uuid' }) toMemberId!: string;
  @Column({ type: 'bigint', transformer: bigintColumn }) parts!: bigint;
  @Column({ name: 'output_parts', type: 'bigint', transformer: bigintColumn }) outputParts!: bigint;
  @Column({ type: 'bigint', transformer: bigintColumn }) price!: bigint;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ name: 'ledger_transaction_id', type: 'uuid', nullable: true }) ledgerTransactionId!: string | null;
  /** `done`, or `rejected` with the reason, replayed to a retry with the same key. */
  @Column({ type: 'varchar', length: 16, default: 'done' }) status!: 'done' | 'rejected';
  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true }) errorCode!: string | null;
  @Column({ name: 'error_message', type: 'text', nullable: true }) errorMessage!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
