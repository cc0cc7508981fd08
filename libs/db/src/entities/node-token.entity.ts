import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { NodeEntity } from './node.entity';

/** A node API token (`dpn_node_…`): only its SHA-256 is stored; shown once when issued. */
@Entity({ name: 'node_tokens' })
export class NodeTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('ix_node_tokens_node')
  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;
  @ManyToOne(() => NodeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'node_id', foreignKeyConstraintName: 'fk_node_tokens_node' })
  node?: Relation<NodeEntity>;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true }) tokenHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
