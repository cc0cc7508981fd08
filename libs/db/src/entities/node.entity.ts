import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';
import { LocationEntity } from './location.entity';
import { MemberEntity } from './member.entity';

import { AUTOMATION_LEVELS, AutomationLevel } from '@app/contracts';

export { AUTOMATION_LEVELS, type AutomationLevel };
export const NODE_STATUSES = ['active', 'suspended'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** One atomic function a node performs, with how much of it per period. */
export interface NodeCapability {
  /** e.g. woodworking, cnc-milling, 3d-printing, greenhouse, assembly, transport */
  function: string;
  capacity: number;
  /** e.g. parts/week, m2, machine-hours/week, kg/week */
  unit: string;
}

/** A workshop, machine or greenhouse that performs work for the network. */
@Entity({ name: 'nodes' })
export class NodeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;

  @Index('ix_nodes_owner')
  @Column({ name: 'owner_member_id', type: 'uuid' })
  ownerMemberId!: string;
  @ManyToOne(() => MemberEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_member_id', foreignKeyConstraintName: 'fk_nodes_owner' })
  owner?: Relation<MemberEntity>;

  @Index('ix_nodes_location')
  @Column({ name: 'location_id', type: 'uuid', nullable: true })
  locationId!: string | null;
  @ManyToOne(() => LocationEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'location_id', foreignKeyConstraintName: 'fk_nodes_location' })
  location?: Relation<LocationEntity> | null;

  @Index('ix_nodes_automation_level')
  @Column({ name: 'automation_level', type: 'varchar', length: 16 })
  automationLevel!: AutomationLevel;

  /** Queried with jsonb containment (`@>`); the GIN index is hand-written in the migration. */
  @Index('ix_nodes_capabilities', { synchronize: false })
  @Column({ type: 'jsonb', default: () => "'[]'" })
  capabilities!: NodeCapability[];

  /** Transport nodes: the flow types they carry (`pallet`, `crate`, `cold-chain`, `documents`). */
  @Column({ name: 'flow_types', type: 'jsonb', default: () => "'[]'" }) flowTypes!: string[];
  /** Transport nodes: the locations they pick up from and deliver to. */
  @Column({ name: 'served_location_ids', type: 'jsonb', default: () => "'[]'" }) servedLocationIds!: string[];

  @Column({ name: 'webhook_url', type: 'text' }) webhookUrl!: string;
  /** Standard Webhooks secret (`whsec_` + base64 of 32 random bytes). Never returned after creation. */
  @Column({ name: 'webhook_secret', type: 'text', select: false }) webhookSecret!: string;
  /** The secret before the last rotation, still signed with until it expires. */
  @Column({ name: 'previous_webhook_secret', type: 'text', nullable: true, select: false }) previousWebhookSecret!: string | null;
  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true }) previousSecretExpiresAt!: Date | null;
  /** Set when the endpoint answered 410 Gone: nothing is sent until a ping succeeds or the URL changes. */
  @Column({ name: 'webhook_disabled_at', type: 'timestamptz', nullable: true }) webhookDisabledAt!: Date | null;
  @Column({ name: 'webhook_disabled_reason', type: 'text', nullable: true }) webhookDisabledReason!: string | null;
  /** Work-in-progress limit: jobs accepted and not yet delivered. At the limit, no new offers. */
  @Column({ name: 'wip_limit', type: 'int', default: 2 }) wipLimit!: number;
  /** Offers in a row the node let expire; at 3 it is suspended and its operator told. */
  @Column({ name: 'expired_offers_in_row', type: 'int', default: 0 }) expiredOffersInRow!: number;
  @Column({ name: 'last_expired_offer_id', type: 'varchar', length: 100, nullable: true }) lastExpiredOfferId!: string | null;

  @Index('ix_nodes_status')
  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: NodeStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/**
 * A node's automation level changed (or it joined the network at one): written by a trigger on
 * `nodes` (migration NodeLevelChanges), so every writer is covered, the coordinator's PATCH and an
 * upgrade task alike. The console draws the network's levels over time from it.
 */
@Entity({ name: 'node_level_changes' })
@Index('ix_node_level_changes_node_time', ['nodeId', 'changedAt'])
export class NodeLevelChangeEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ name: 'node_id', type: 'uuid' }) nodeId!: string;
  @ManyToOne(() => NodeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'node_id', foreignKeyConstraintName: 'fk_node_level_changes_node' })
  node?: Relation<NodeEntity>;
  /** null: the node joined at `toLevel`. */
  @Column({ name: 'from_level', type: 'varchar', length: 16, nullable: true }) fromLevel!: AutomationLevel | null;
  @Column({ name: 'to_level', type: 'varchar', length: 16 }) toLevel!: AutomationLevel;
  @Index('ix_node_level_changes_time')
  @Column({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' })
  changedAt!: Date;
}
