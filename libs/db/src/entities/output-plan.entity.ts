import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { OwnerOrder, QuarterPlan } from '@app/contracts';

/** One quarter of a producing asset: its window, the orders, the plan, whether the node got it. */
@Entity({ name: 'output_plans' })
@Unique('uq_output_plans_asset_quarter', ['assetId', 'quarter'])
export class OutputPlanEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'asset_id', type: 'uuid' }) assetId!: string;
  @Column({ type: 'varchar', length: 7 }) quarter!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'open' | 'planned';
  @Column({ name: 'window_opens_at', type: 'timestamptz' }) windowOpensAt!: Date;
  @Column({ name: 'window_closes_at', type: 'timestamptz' }) windowClosesAt!: Date;
  @Column({ name: 'starts_at', type: 'timestamptz' }) startsAt!: Date;
  @Column({ type: 'jsonb', default: () => "'[]'" }) orders!: OwnerOrder[];
  @Column({ name: 'orders_seq', type: 'int', default: 0 }) ordersSeq!: number;
  @Column({ type: 'jsonb', nullable: true }) plan!: QuarterPlan | null;
  @Column({ name: 'plan_sent_at', type: 'timestamptz', nullable: true }) planSentAt!: Date | null;
  @Column({ name: 'plan_send_result', type: 'text', nullable: true }) planSendResult!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
