import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Relation, Unique, UpdateDateColumn } from 'typeorm';
import type { CatalogueProduct, OrderLine, OwnerOrder, QuarterPlan } from '@app/contracts';
import { bigintColumn } from './columns';
import { MemberEntity } from './member.entity';

/**
 * One quarter of a producing asset: its window, the orders, the plan, whether the node got it.
 * `orders_in = 'database'` (quarters opened by the current code): the orders are rows of
 * `output_orders`, written by the API; the catalogue, capacity and node are as the window opened.
 * `orders_in = 'workflow'` (quarters opened before): the orders lived in the cycle's workflow and
 * `orders` is its projection. `status`: open → closed (no order taken any more) → planned.
 */
@Entity({ name: 'output_plans' })
@Unique('uq_output_plans_asset_quarter', ['assetId', 'quarter'])
export class OutputPlanEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'open' | 'closed' | 'planned';
  @Column({ name: 'window_opens_at', type: 'timestamptz' }) windowOpensAt!: Date;
  @Column({ name: 'window_closes_at', type: 'timestamptz' }) windowClosesAt!: Date;
  @Column({ name: 'starts_at', type: 'timestamptz' }) startsAt!: Date;
  /** The effective orders the plan was made from (each owner's order, else their standing order). */
  @Column({ type: 'jsonb', default: () => "'[]'" }) orders!: OwnerOrder[];
  @Column({ name: 'orders_seq', type: 'int', default: 0 }) ordersSeq!: number;
  @Column({ type: 'jsonb', nullable: true }) plan!: QuarterPlan | null;
  @Column({ name: 'plan_sent_at', type: 'timestamptz', nullable: true }) planSentAt!: Date | null;
  @Column({ name: 'plan_send_result', type: 'text', nullable: true }) planSendResult!: string | null;
  @Column({ name: 'orders_in', type: 'varchar', length: 16, default: 'workflow' }) ordersIn!: 'workflow' | 'database';
  /** As the window opened (orders in the database): a later catalogue edit does not change this quarter. */
  @Column({ type: 'jsonb', nullable: true }) catalogue!: CatalogueProduct[] | null;
  @Column({ type: 'int', nullable: true }) capacity!: number | null;
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true }) timeZone!: string | null;
  @Column({ name: 'node_id', type: 'uuid', nullable: true }) nodeId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/**
 * One owner of an asset in one quarter (orders in the database): a row per owner with an output
 * share when the window opens (its weight), their order once placed (the last one counts), and
 * the standing order carried from earlier quarters. Written by the API under the plan row's
 * share lock; the close takes that row's exclusive lock, so no order lands after it.
 */
@Entity({ name: 'output_orders' })
@Index('ix_output_orders_member', ['assetId', 'memberId', 'quarter'])
export class OutputOrderEntity {
  @PrimaryColumn({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @PrimaryColumn({ type: 'varchar', length: 7 }) quarter!: string;
  @PrimaryColumn({ name: 'member_id', type: 'uuid' }) memberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'member_id', foreignKeyConstraintName: 'fk_output_orders_member' })
  member?: Relation<MemberEntity>;
  /** The owner's output parts when the window opened: their share of the capacity. */
  @Column({ type: 'bigint', transformer: bigintColumn }) weight!: bigint;
  /** This quarter's order; null until the owner orders. */
  @Column({ type: 'jsonb', nullable: true }) lines!: OrderLine[] | null;
  @Column({ type: 'boolean', default: false }) standing!: boolean;
  @Column({ name: 'placed_at', type: 'timestamptz', nullable: true }) placedAt!: Date | null;
  /** The standing order that applies when the owner does not order this quarter. */
  @Column({ type: 'jsonb', nullable: true }) carried!: OwnerOrder | null;
}
