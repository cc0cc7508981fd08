import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const LOCATION_KINDS = ['industrial-park', 'office-building', 'data-centre', 'home-workshop', 'fab-lab', 'farm', 'warehouse', 'other'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

/** A place that holds nodes: an industrial park, an office building, a data centre... */
@Entity({ name: 'locations' })
export class LocationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: LocationKind;
  @Column({ type: 'text' }) address!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
