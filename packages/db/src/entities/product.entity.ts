import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Attributes } from '@nextbuy/contracts';

@Entity({ name: 'products' })
export class ProductEntity {
  @PrimaryColumn({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Index('products_category_idx')
  @Column({ type: 'text', nullable: true })
  category!: string | null;

  @Column({ type: 'text', nullable: true })
  brand!: string | null;

  /** A float is enough: prices feed similarity and price bands, never accounting. */
  @Column({ type: 'double precision', nullable: true })
  price!: number | null;

  @Column({ type: 'boolean', default: true })
  available!: boolean;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  attributes!: Attributes;

  /** Created from an event before the catalog described it. */
  @Column({ type: 'boolean', default: false })
  stub!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
