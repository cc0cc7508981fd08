import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import type { AccountKind } from '@app/domain';
import { bigintColumn } from './columns';

/** Owner id of the network-wide accounts (escrow, external world). */
export const NETWORK_OWNER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A ledger account. Member, project, organiser, round and escrow accounts belong to an owner
 * (owner_id: the member, project or round); the external world is network-wide (owner_id =
 * NETWORK_OWNER_ID). A `hold` account is a member's money held for one round: owner the member,
 * scope the round. One account per kind, owner, currency and scope (the unique index, with NULLS
 * NOT DISTINCT, is written by hand in the migration). Balances are derived from entries, never stored.
 */
@Entity({ name: 'ledger_accounts' })
@Index('uq_ledger_accounts_owner_kind_currency_scope', { synchronize: false })
export class LedgerAccountEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: AccountKind;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  /** What the account is for, when an owner has several of a kind (a hold: the round). */
  @Index('ix_ledger_accounts_scope')
  @Column({ name: 'scope_id', type: 'uuid', nullable: true })
  scopeId!: string | null;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A balanced set of entries, posted once per idempotency key. */
@Entity({ name: 'ledger_transactions' })
export class LedgerTransactionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('uq_ledger_transactions_idempotency_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 300 })
  idempotencyKey!: string;
  @Column({ name: 'request_hash', type: 'char', length: 64 }) requestHash!: string;
  /** deposit, withdrawal, transfer, share-sale, pledge-hold, capture, release, payout... */
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ type: 'text', nullable: true }) memo!: string | null;
  /**
   * `posted`, or `rejected` when a rule refused it (insufficient funds...): the refusal is kept so
   * that a retry with the same key gets the same answer instead of a different outcome later.
   */
  @Column({ type: 'varchar', length: 16, default: 'posted' }) status!: 'posted' | 'rejected';
  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true }) errorCode!: string | null;
  @Column({ name: 'error_message', type: 'text', nullable: true }) errorMessage!: string | null;
  /** Reference at the payment provider for deposits and withdrawals (the seam for one). */
  @Column({ name: 'external_reference', type: 'varchar', length: 200, nullable: true }) externalReference!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'ledger_entries' })
@Check('ck_ledger_entries_non_zero', '"amount" <> 0')
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Index('ix_ledger_entries_transaction')
  @Column({ name: 'transaction_id', type: 'uuid' })
  transactionId!: string;
  @ManyToOne(() => LedgerTransactionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'transaction_id', foreignKeyConstraintName: 'fk_ledger_entries_transaction' })
  transaction?: Relation<LedgerTransactionEntity>;
  @Index('ix_ledger_entries_account')
  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;
  @ManyToOne(() => LedgerAccountEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_ledger_entries_account' })
  account?: Relation<LedgerAccountEntity>;
  /** Minor units; positive credits the account, negative debits it. */
  @Column({ type: 'bigint', transformer: bigintColumn }) amount!: bigint;
}
