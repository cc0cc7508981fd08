import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation, UpdateDateColumn } from 'typeorm';
import type { OutputCreditEntity } from './output-credit.entity';
import type { JobOffer, JobPayment, JobProgress, JobStatus, JobView } from '@app/contracts';
import { bigintColumn } from './columns';

/**
 * Read model of a job. Created by the API (or, for the rest of a partial counter-offer, by the
 * job workflow); after that written by the job workflow's `recordJob` activity, except `progress`,
 * which the node API writes (a node may report as often as it likes: not one workflow message each).
 */
@Entity({ name: 'jobs' })
@Check('ck_jobs_price', `"price_amount" IS NULL OR ("price_amount" >= 0 AND "price_currency" IS NOT NULL AND "payer_account_id" IS NOT NULL)`)
@Index('ix_jobs_demand', ['demandType', 'demandId'])
export class JobEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'workflow_id', type: 'varchar', length: 100, unique: true }) workflowId!: string;
  @Column({ type: 'varchar', length: 64 }) capability!: string;
  /** For output-order jobs: the catalogue product made. */
  @Column({ name: 'product_id', type: 'varchar', length: 64, nullable: true }) productId!: string | null;
  @Column({ type: 'int' }) quantity!: number;
  @Column({ type: 'varchar', length: 32 }) unit!: string;
  @Column({ name: 'spec_url', type: 'text' }) specUrl!: string;
  @Column({ name: 'due_at', type: 'timestamptz' }) dueAt!: Date;
  @Column({ name: 'recipient_type', type: 'varchar', length: 8 }) recipientType!: 'member' | 'node';
  @Column({ name: 'recipient_id', type: 'uuid' }) recipientId!: string;
  @Column({ name: 'demand_type', type: 'varchar', length: 16 }) demandType!: 'project' | 'order';
  @Column({ name: 'demand_id', type: 'uuid' }) demandId!: string;
  @Column({ name: 'parent_job_id', type: 'uuid', nullable: true }) parentJobId!: string | null;
  /** For project jobs dispatched by a phase: the phase and the plan's task key. */
  @Column({ type: 'varchar', length: 16, nullable: true }) phase!: string | null;
  @Column({ name: 'task_key', type: 'varchar', length: 64, nullable: true }) taskKey!: string | null;
  @Index('ix_jobs_status')
  @Column({ type: 'varchar', length: 24 })
  status!: JobStatus;
  @Index('ix_jobs_node')
  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;
  /** The latest offers (the workflow's window; the last is the current one). Every offer: `job_offers`. */
  @Column({ type: 'jsonb', default: () => "'[]'" }) offers!: JobOffer[];
  /** Offers made over the job's life. */
  @Column({ name: 'offer_count', type: 'int', default: 0 }) offerCount!: number;
  /** Every run (the workflow keeps the latest few; older ones stay here). */
  @Column({ type: 'jsonb', default: () => "'[]'" }) runs!: JobView['runs'];
  /** The latest progress report of the current run (written by the node API; cleared by a new offer). */
  @Column({ type: 'jsonb', nullable: true }) progress!: JobProgress | null;
  @Column({ name: 'first_offered_at', type: 'timestamptz', nullable: true }) firstOfferedAt!: Date | null;
  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true }) acceptedAt!: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt!: Date | null;
  /** Paid work: the price in minor units (a counter-offer within the ceiling changes it), its currency, the ceiling. */
  @Column({ name: 'price_amount', type: 'bigint', nullable: true, transformer: bigintColumn }) priceAmount!: bigint | null;
  @Column({ name: 'price_currency', type: 'char', length: 3, nullable: true }) priceCurrency!: string | null;
  @Column({ name: 'price_ceiling', type: 'bigint', nullable: true, transformer: bigintColumn }) priceCeiling!: bigint | null;
  /** The ledger account that pays (the project's account for project work). */
  @Column({ name: 'payer_account_id', type: 'uuid', nullable: true }) payerAccountId!: string | null;
  @Column({ name: 'pay_progress_on_cancel', type: 'boolean', default: false }) payProgressOnCancel!: boolean;
  /** Where the money is (written with each money movement, in its transaction). */
  @Column({ type: 'varchar', length: 16, nullable: true }) payment!: JobPayment | null;
  @Column({ name: 'paid_amount', type: 'bigint', nullable: true, transformer: bigintColumn }) paidAmount!: bigint | null;
  /** The workflow's write sequence: projection writes only move forward. */
  @Column({ name: 'record_seq', type: 'int', default: 0 }) recordSeq!: number;
  @Column({ name: 'created_by', type: 'varchar', length: 100 }) createdBy!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  /** Not a column: the job's price in output, when the API loaded it (`OutputCreditsRepository`). */
  credit?: OutputCreditEntity | null;
}

/** Every offer of a job, in order (the job row and the workflow keep only the latest). */
@Entity({ name: 'job_offers' })
@Index('ux_job_offers_job_n', ['jobId', 'n'], { unique: true })
export class JobOfferEntity {
  /** `<jobId>:<n>`, as in the offer webhook. */
  @PrimaryColumn({ name: 'offer_id', type: 'varchar', length: 64 }) offerId!: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId!: string;
  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_job_offers_job' })
  job?: Relation<JobEntity>;
  /** 1 for the first offer of the job. */
  @Column({ type: 'int' }) n!: number;
  @Column({ name: 'node_id', type: 'uuid' }) nodeId!: string;
  @Column({ name: 'offered_at', type: 'timestamptz' }) offeredAt!: Date;
  @Column({ type: 'varchar', length: 16, nullable: true }) answer!: JobOffer['answer'];
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true }) answeredAt!: Date | null;
}
